package order_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/delivery/deliverytest"
	"github.com/fanmail/fanmail/internal/order"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

type env struct {
	db   *store.DB
	smtp *channeltest.SMTPServer
	svc  *order.Service
	now  time.Time
	coat fanmail.Product
	oz   fanmail.Brand
	shop fanmail.Shop
}

// newEnv builds an order service mailing to an in-process SMTP server, with
// a fixed clock, one brand (오즈세컨), one product (울 코트) and one shop.
func newEnv(t *testing.T, db *store.DB, opts ...func(*order.Options)) *env {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	e := &env{db: db, smtp: channeltest.NewSMTPServer(t), now: time.Date(2026, 3, 14, 6, 30, 0, 0, time.UTC)}
	db.Now = func() time.Time { return e.now }
	cfg, err := email.ParseURL(e.smtp.URL())
	if err != nil {
		t.Fatal(err)
	}
	sender, err := email.New(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sender.Close() })
	o := order.Options{SupportPhone: "1588-1234"}
	for _, f := range opts {
		f(&o)
	}
	if o.AfterCommit == nil { // nil: no outbox runs until the test starts one
		ob := deliverytest.Start(t, db, e.smtp.URL())
		o.AfterCommit = ob.Notify
		defer func() { ob.RegisterAll(e.svc.Renderers()) }()
	}
	e.svc = order.New(db, delivery.NewMailer(sender, "팬메일 <no-reply@fanmail.test>", logger), o, logger)
	ctx := context.Background()
	g, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.oz, err = db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "ozsecond", Name: "오즈세컨", Published: true}); err != nil {
		t.Fatal(err)
	}
	if e.coat, err = db.CreateProduct(ctx, fanmail.Product{BrandID: e.oz.ID, Code: "OZ-COAT-01", Name: "울 코트",
		Shelf: "new", Price: 259000, Published: true}); err != nil {
		t.Fatal(err)
	}
	if e.shop, err = db.UpsertShop(ctx, fanmail.Shop{Code: "GN01", Name: "오즈세컨 강남점", Phone: "02-555-0101"}); err != nil {
		t.Fatal(err)
	}
	return e
}

// member stores an active member; with consent false they have refused
// marketing mail.
func (e *env) member(t *testing.T, addr, name, lang string, consent bool) fanmail.Member {
	t.Helper()
	ctx := context.Background()
	var m fanmail.Member
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		m, err = tx.CreateMember(ctx, fanmail.Member{Email: addr, Name: name, Lang: lang, Status: fanmail.MemberActive, Source: fanmail.SourceWeb})
		if err != nil {
			return err
		}
		return tx.AddConsent(ctx, fanmail.Consent{MemberID: m.ID, Purpose: fanmail.PurposeMarketingEmail, Channel: "email",
			Granted: consent, Source: "web", Version: fanmail.ConsentWordingVersion})
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func price(n int64) *int64 { return &n }

func TestService_Create(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		minji := e.member(t, "minji@example.com", "김민지", "ko", false)

		t.Run("OK", func(t *testing.T) {
			o, err := e.svc.Create(ctx, order.NewOrder{
				MemberEmail: " Minji@Example.com ", ExternalID: "A-1001", OrderedAt: e.now.Add(-time.Hour),
				ShopID: e.shop.ID,
				Items: []order.NewItem{
					{ProductCode: "OZ-COAT-01", Quantity: 1},
					{Name: "니트 양말", Quantity: 2, UnitPrice: price(15000)},
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			want := []fanmail.OrderItem{
				{ID: o.Items[0].ID, OrderID: o.ID, ProductID: e.coat.ID, BrandID: e.oz.ID, Name: "울 코트", Quantity: 1, UnitPrice: 259000,
					ListPrice: 259000, Shelf: "new"},
				{ID: o.Items[1].ID, OrderID: o.ID, Name: "니트 양말", Quantity: 2, UnitPrice: 15000},
			}
			if diff := cmp.Diff(want, o.Items); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			if o.MemberID != minji.ID || o.Amount != 289000 || o.Source != fanmail.OrderSourceAPI {
				t.Errorf("order %+v", o)
			}

			// The confirmation arrives though 김민지 refused marketing mail.
			msgs := e.smtp.WaitFor(t, 1, 10*time.Second)
			m := msgs[0]
			if m.To[0] != "minji@example.com" || !strings.Contains(m.Subject, "주문이 접수되었습니다") || !strings.Contains(m.Subject, "A-1001") {
				t.Errorf("mail to %v, subject %q", m.To, m.Subject)
			}
			for _, part := range []string{m.Text, m.HTML} {
				for _, want := range []string{"김민지님", "울 코트", "259,000원", "니트 양말", "30,000원", "289,000원", "오즈세컨 강남점", "고객센터", "1588-1234"} {
					if !strings.Contains(part, want) {
						t.Errorf("mail lacks %q:\n%s", want, part)
					}
				}
			}
			if strings.Contains(m.Subject+m.Text+m.HTML, "(광고)") || m.Header.Get("List-Unsubscribe") != "" {
				t.Error("order confirmation carries advertising marks")
			}
			deliverytest.WaitStatus(t, db, store.OrderConfirmationRef(o.ID), fanmail.MessageSent)
			got, _ := e.svc.Order(ctx, o.ID)
			if got.ConfirmationSentAt == nil || got.ConfirmationSkipped != "" {
				t.Errorf("confirmation recorded as %v %q, want sent", got.ConfirmationSentAt, got.ConfirmationSkipped)
			}
			if n := len(e.smtp.Messages()); n != 1 {
				t.Errorf("%d mails, want 1", n)
			}
		})

		t.Run("ErrDuplicate", func(t *testing.T) {
			_, err := e.svc.Create(ctx, order.NewOrder{MemberID: minji.ID, ExternalID: "A-1001",
				Items: []order.NewItem{{ProductID: e.coat.ID, Quantity: 1}}})
			if fanmail.ErrorCode(err) != fanmail.ECONFLICT || fanmail.ErrorField(err) != "external_id" {
				t.Errorf("duplicate: %v", err)
			}
			if n := len(e.smtp.Messages()); n != 1 {
				t.Errorf("%d mails, want 1", n)
			}
		})

		t.Run("Invalid", func(t *testing.T) {
			for _, c := range []struct {
				name  string
				order order.NewOrder
				field string
			}{
				{"NoMember", order.NewOrder{ExternalID: "B-1", Items: []order.NewItem{{ProductID: e.coat.ID, Quantity: 1}}}, "member"},
				{"UnknownMember", order.NewOrder{MemberEmail: "nobody@example.com", ExternalID: "B-1", Items: []order.NewItem{{ProductID: e.coat.ID, Quantity: 1}}}, "member"},
				{"NoNumber", order.NewOrder{MemberID: minji.ID, Items: []order.NewItem{{ProductID: e.coat.ID, Quantity: 1}}}, "external_id"},
				{"NoItems", order.NewOrder{MemberID: minji.ID, ExternalID: "B-1"}, "items"},
				{"UnknownProduct", order.NewOrder{MemberID: minji.ID, ExternalID: "B-1", Items: []order.NewItem{{ProductID: e.coat.ID, Quantity: 1}, {ProductCode: "NOPE", Quantity: 1}}}, "items.1.product"},
				{"ZeroQuantity", order.NewOrder{MemberID: minji.ID, ExternalID: "B-1", Items: []order.NewItem{{ProductID: e.coat.ID}}}, "items.0.quantity"},
				{"NegativePrice", order.NewOrder{MemberID: minji.ID, ExternalID: "B-1", Items: []order.NewItem{{ProductID: e.coat.ID, Quantity: 1, UnitPrice: price(-1)}}}, "items.0.unit_price"},
				{"NameWithoutPrice", order.NewOrder{MemberID: minji.ID, ExternalID: "B-1", Items: []order.NewItem{{Name: "양말", Quantity: 1}}}, "items.0.unit_price"},
				{"WrongBrand", order.NewOrder{MemberID: minji.ID, ExternalID: "B-1", Items: []order.NewItem{{ProductID: e.coat.ID, BrandID: e.oz.ID + 100, Quantity: 1}}}, "items.0.brand_id"},
				{"Future", order.NewOrder{MemberID: minji.ID, ExternalID: "B-1", OrderedAt: e.now.Add(48 * time.Hour), Items: []order.NewItem{{ProductID: e.coat.ID, Quantity: 1}}}, "ordered_at"},
				{"UnknownShop", order.NewOrder{MemberID: minji.ID, ExternalID: "B-1", ShopID: 999, Items: []order.NewItem{{ProductID: e.coat.ID, Quantity: 1}}}, "shop_id"},
			} {
				t.Run(c.name, func(t *testing.T) {
					_, err := e.svc.Create(ctx, c.order)
					if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorField(err) != c.field {
						t.Errorf("got %v, want EINVALID on %s", err, c.field)
					}
				})
			}
			if _, err := db.OrderByExternalID(ctx, "B-1"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("a refused order was stored: %v", err)
			}
		})

		t.Run("English", func(t *testing.T) {
			e.member(t, "sam@example.com", "Sam Lee", "en", true)
			if _, err := e.svc.Create(ctx, order.NewOrder{MemberEmail: "sam@example.com", ExternalID: "A-2001",
				Items: []order.NewItem{{ProductID: e.coat.ID, Quantity: 2}}}); err != nil {
				t.Fatal(err)
			}
			m := e.smtp.WaitFor(t, 2, 10*time.Second)[1]
			if m.Subject != "[fanmail] Your order A-2001 is confirmed" || !strings.Contains(m.Text, "₩518,000") ||
				!strings.Contains(m.Text, "Hello Sam Lee") || !strings.Contains(m.Text, "1588-1234") {
				t.Errorf("english mail %q:\n%s", m.Subject, m.Text)
			}
		})
	})
}

func TestService_Confirmation_Skips(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		item := []order.NewItem{{ProductID: e.coat.ID, Quantity: 1}}

		// A member who unsubscribed from marketing still gets the confirmation.
		unsub := e.member(t, "unsub@example.com", "이서연", "ko", false)
		if err := db.Suppress(ctx, unsub.Email, store.SuppressUnsubscribed, "unsubscribe"); err != nil {
			t.Fatal(err)
		}
		bounced := e.member(t, "bounced@example.com", "박지훈", "ko", true)
		if err := db.Suppress(ctx, bounced.Email, store.SuppressHardBounce, "dsn"); err != nil {
			t.Fatal(err)
		}
		inactive := e.member(t, "gone@example.com", "최하은", "ko", true)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			st := fanmail.MemberInactive
			_, err := tx.UpdateMember(ctx, inactive.ID, fanmail.MemberUpdate{Status: &st})
			return err
		}); err != nil {
			t.Fatal(err)
		}

		cases := []struct {
			member    fanmail.Member
			ext       string
			orderedAt time.Time
			skipped   string
		}{
			{unsub, "C-1", e.now, ""},
			{bounced, "C-2", e.now, fanmail.ConfirmSkipSuppressed},
			{inactive, "C-3", e.now, fanmail.ConfirmSkipInactive},
			{unsub, "C-4", e.now.AddDate(0, -2, 0), fanmail.ConfirmSkipOld},
		}
		for _, c := range cases {
			o, err := e.svc.Create(ctx, order.NewOrder{MemberID: c.member.ID, ExternalID: c.ext, OrderedAt: c.orderedAt, Items: item})
			if err != nil {
				t.Fatal(err)
			}
			switch c.skipped {
			case "":
				deliverytest.WaitStatus(t, db, store.OrderConfirmationRef(o.ID), fanmail.MessageSent)
			case fanmail.ConfirmSkipOld: // decided when stored: no message
				if _, err := db.MessageByRef(ctx, store.OrderConfirmationRef(o.ID)); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
					t.Errorf("%s: a message was written for an old order: %v", c.ext, err)
				}
			default:
				deliverytest.WaitStatus(t, db, store.OrderConfirmationRef(o.ID), fanmail.MessageSkipped)
			}
			got, _ := e.svc.Order(ctx, o.ID)
			if got.ConfirmationSkipped != c.skipped || (got.ConfirmationSentAt != nil) != (c.skipped == "") {
				t.Errorf("%s: sent %v, skipped %q; want skipped %q", c.ext, got.ConfirmationSentAt, got.ConfirmationSkipped, c.skipped)
			}
		}
		msgs := e.smtp.WaitFor(t, 1, 10*time.Second)
		if len(msgs) != 1 || msgs[0].To[0] != "unsub@example.com" {
			t.Errorf("mails %d to %v", len(msgs), msgs[0].To)
		}
	})
}

// The confirmation is written with the order: when no outbox runs (the
// process died right after the commit), the next one sends it.
func TestService_ConfirmationSurvivesRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, func(o *order.Options) { o.AfterCommit = func() {} })
		ctx := context.Background()
		e.member(t, "minji@example.com", "김민지", "ko", true)
		o, err := e.svc.Create(ctx, order.NewOrder{MemberEmail: "minji@example.com", ExternalID: "Q-1",
			Items: []order.NewItem{{ProductID: e.coat.ID, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		msg, err := db.MessageByRef(ctx, store.OrderConfirmationRef(o.ID))
		if err != nil || msg.Status != fanmail.MessageQueued {
			t.Fatalf("confirmation message %+v, %v; want queued", msg, err)
		}
		if got, _ := e.svc.Order(ctx, o.ID); got.ConfirmationSentAt != nil || got.ConfirmationSkipped != "" {
			t.Errorf("confirmation before any outbox ran: %v %q, want due", got.ConfirmationSentAt, got.ConfirmationSkipped)
		}
		deliverytest.Start(t, db, e.smtp.URL()).RegisterAll(e.svc.Renderers())
		if m := e.smtp.WaitFor(t, 1, 10*time.Second)[0]; !strings.Contains(m.Subject, "Q-1") {
			t.Errorf("mail %q", m.Subject)
		}
		deliverytest.WaitStatus(t, db, store.OrderConfirmationRef(o.ID), fanmail.MessageSent)
		if n := len(e.smtp.Messages()); n != 1 {
			t.Errorf("%d mails, want 1", n)
		}
	})
}
