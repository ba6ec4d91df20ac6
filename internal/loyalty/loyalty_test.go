package loyalty_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/delivery/deliverytest"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/store"
)

// world is the loyalty service over a database with a brand, a member and
// a shop; withOutbox adds a running outbox.
type world struct {
	db     *store.DB
	svc    *loyalty.Service
	smtp   *channeltest.SMTPServer
	brand  fanmail.Brand
	member fanmail.Member
	shop   fanmail.Shop
}

func newWorld(t testing.TB, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := &world{db: db, svc: loyalty.New(db, logger, loyalty.Options{BaseURL: "https://fan.example.com"})}
	g, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	if w.brand, err = db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "ozsecond", Name: "오즈세컨", Published: true}); err != nil {
		t.Fatal(err)
	}
	if w.shop, err = db.UpsertShop(ctx, fanmail.Shop{Code: "GN01", Name: "강남점"}); err != nil {
		t.Fatal(err)
	}
	w.member = mustMember(t, db, "jin72@example.com", "김지민", fanmail.LangKorean)
	return w
}

// withOutbox runs an outbox with the service's renderers, mailing to an
// in-process SMTP server.
func (w *world) withOutbox(t testing.TB) *world {
	t.Helper()
	w.smtp = channeltest.NewSMTPServer(t)
	deliverytest.Start(t, w.db, w.smtp.URL()).RegisterAll(w.svc.Renderers())
	return w
}

func mustMember(t testing.TB, db *store.DB, addr, name, lang string) fanmail.Member {
	t.Helper()
	var m fanmail.Member
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		m, err = tx.CreateMember(context.Background(), fanmail.Member{Email: addr, Name: name, Lang: lang,
			Status: fanmail.MemberActive, Source: fanmail.SourceAdmin})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// chips issues n chips of brand to member in one entry, valid until
// expires (nil: forever), and returns the entry.
func chips(t testing.TB, db *store.DB, memberID, brandID, n int64, expires *time.Time) fanmail.LedgerEntry {
	t.Helper()
	var e fanmail.LedgerEntry
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		e, _, err = tx.Issue(context.Background(), fanmail.LedgerEntry{MemberID: memberID, BrandID: brandID,
			Unit: fanmail.UnitChip, Amount: n, Reason: fanmail.ReasonSurveyAnswered, ExpiresAt: expires,
			Ref: fmt.Sprintf("test:%d:%d:%d", memberID, brandID, time.Now().UnixNano())})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func reward(t testing.TB, w *world, kind string, cost, value int64) fanmail.Reward {
	t.Helper()
	r, err := w.svc.CreateReward(context.Background(), fanmail.Reward{BrandID: w.brand.ID, Kind: kind,
		Name: "에코백", NameEn: "Eco bag", Cost: cost, Value: value, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// certificate issues a gift certificate with a signed code to member.
func certificate(t testing.TB, db *store.DB, memberID, brandID, value int64, expires *time.Time) fanmail.Certificate {
	t.Helper()
	ctx := context.Background()
	code, err := link.New(db).NewCode(ctx, link.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	var c fanmail.Certificate
	err = db.InTx(ctx, func(tx *store.Tx) error {
		c, _, err = tx.IssueCertificate(ctx, fanmail.Certificate{Code: code, MemberID: memberID, BrandID: brandID,
			Value: value, Reason: fanmail.ReasonFanReward, Ref: "test:" + code, ExpiresAt: expires})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func balance(t testing.TB, w *world, memberID int64) int64 {
	t.Helper()
	n, err := w.svc.Balance(context.Background(), memberID, w.brand.ID, fanmail.UnitChip)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkSums fails unless each of the member's balances equals the sum of
// its ledger entries.
func checkSums(t *testing.T, db *store.DB, memberID int64) {
	t.Helper()
	ms, err := db.LedgerMismatches(context.Background(), memberID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		t.Errorf("brand %d %s: ledger sums to %d, balance %d", m.BrandID, m.Unit, m.Sum, m.Balance)
	}
}

// receipts returns the receipt messages queued for member.
func receipts(t testing.TB, db *store.DB, memberID int64) []fanmail.Message {
	t.Helper()
	ms, err := db.Messages(context.Background(), store.MessageFilter{MemberID: memberID, Kind: fanmail.MessageReceipt, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}
