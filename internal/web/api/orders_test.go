package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail/internal/config"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/delivery/deliverytest"
	"github.com/fanmail/fanmail/internal/order"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// withOrders gives e's API an order service mailing to e's SMTP server.
func (e *testEnv) withOrders(t *testing.T) {
	t.Helper()
	logger := testLogger(t)
	cfg, err := email.ParseURL(e.smtp.URL())
	if err != nil {
		t.Fatal(err)
	}
	sender, err := email.New(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sender.Close() })
	svc := order.New(e.db, delivery.NewMailer(sender, "팬메일 <no-reply@fanmail.test>", logger),
		order.Options{SupportPhone: "1588-1234", AfterCommit: e.outbox.Notify}, logger)
	e.outbox.RegisterAll(svc.Renderers())
	appCfg := config.Default()
	appCfg.BaseURL = "http://fanmail.test"
	e.mux = http.NewServeMux()
	New(Deps{Config: appCfg, Logger: logger, Staff: e.staff, Members: e.members, Catalog: e.catalog, Orders: svc, Access: e.access}).Routes(e.mux)
}

func TestOrders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, withMail)
		e.withOrders(t)
		ctx := context.Background()
		tok := e.token(t, fanmail.RoleMarketer)
		g, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
		if err != nil {
			t.Fatal(err)
		}
		oz, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "ozsecond", Name: "오즈세컨", Published: true})
		if err != nil {
			t.Fatal(err)
		}
		coat, err := db.CreateProduct(ctx, fanmail.Product{BrandID: oz.ID, Code: "OZ-COAT-01", Name: "울 코트", Shelf: "new", Price: 259000, Published: true})
		if err != nil {
			t.Fatal(err)
		}
		// 김민지 refused marketing mail; the confirmation still goes to her.
		var minji fanmail.Member
		err = db.InTx(ctx, func(tx *store.Tx) error {
			minji, err = tx.CreateMember(ctx, fanmail.Member{Email: "minji@example.com", Name: "김민지", Lang: "ko",
				Status: fanmail.MemberActive, Source: fanmail.SourceWeb})
			if err != nil {
				return err
			}
			return tx.AddConsent(ctx, fanmail.Consent{MemberID: minji.ID, Purpose: fanmail.PurposeMarketingEmail, Channel: "email",
				Granted: false, Source: "web", Version: fanmail.ConsentWordingVersion})
		})
		if err != nil {
			t.Fatal(err)
		}

		at := db.Now().Add(-time.Hour).In(time.FixedZone("KST", 9*3600)).Format(time.RFC3339)
		body := `{"member_email":"minji@example.com","external_id":"A-1001","ordered_at":"` + at + `",
			"items":[{"product_code":"OZ-COAT-01","quantity":1},{"name":"니트 양말","quantity":2,"unit_price":15000}]}`
		var got orderJSON
		rec := e.call(t, request{method: "POST", path: "/api/v1/orders", token: tok, body: body}, http.StatusCreated, &got)
		if loc := rec.Header().Get("Location"); loc != fmt.Sprintf("/api/v1/orders/%d", got.ID) {
			t.Errorf("Location %q", loc)
		}
		wantAccess(t, db, fanmail.AccessEdit, fmt.Sprintf("member:%d order %d", minji.ID, got.ID), 1)
		brand, product := oz.ID, coat.ID
		want := []orderItemJSON{
			{ID: got.Items[0].ID, ProductID: &product, BrandID: &brand, Name: "울 코트", Quantity: 1, UnitPrice: 259000, Total: 259000},
			{ID: got.Items[1].ID, Name: "니트 양말", Quantity: 2, UnitPrice: 15000, Total: 30000},
		}
		if diff := cmp.Diff(want, got.Items); diff != "" {
			t.Errorf("items (-want +got):\n%s", diff)
		}
		if got.MemberID != minji.ID || got.Amount != 289000 || got.Source != "api" || got.ExternalID != "A-1001" ||
			got.OrderedAt.Format(time.RFC3339) != mustUTC(t, at) {
			t.Errorf("order %+v", got)
		}

		msgs := e.smtp.WaitFor(t, 1, 10*time.Second)
		if len(msgs) != 1 {
			t.Fatalf("%d mails, want the confirmation", len(msgs))
		}
		m := msgs[0]
		if m.To[0] != "minji@example.com" || m.Subject != "[fanmail] 주문이 접수되었습니다 (주문번호 A-1001)" {
			t.Errorf("mail to %v: %q", m.To, m.Subject)
		}
		for _, want := range []string{"김민지님, 주문해 주셔서 감사합니다.", "울 코트", "259,000원", "합계: 289,000원", "고객센터 1588-1234"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("confirmation lacks %q:\n%s", want, m.Text)
			}
		}
		if strings.Contains(m.Subject+m.Text+m.HTML, "(광고)") || m.Header.Get("List-Unsubscribe") != "" {
			t.Error("the confirmation carries advertising")
		}

		t.Run("ErrDuplicate", func(t *testing.T) {
			rec := e.do(t, request{method: "POST", path: "/api/v1/orders", token: tok, body: body})
			wantError(t, rec, http.StatusConflict, fanmail.ECONFLICT, "external_id")
			if n := len(e.smtp.Messages()); n != 1 {
				t.Errorf("%d mails after a repeated order, want 1", n)
			}
		})

		// The relay has the mail before the outbox records it as sent.
		deliverytest.WaitStatus(t, db, store.OrderConfirmationRef(got.ID), fanmail.MessageSent)
		t.Run("Get", func(t *testing.T) {
			var one orderJSON
			e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/orders/%d", got.ID), token: tok}, http.StatusOK, &one)
			if one.ConfirmationSentAt == nil || one.ExternalID != "A-1001" || len(one.Items) != 2 {
				t.Errorf("order %+v", one)
			}
			// Logged as a view of its member, not of a member with the
			// order's id.
			wantAccess(t, db, fanmail.AccessView, fmt.Sprintf("member:%d order %d", minji.ID, got.ID), 1)
			var history list[orderJSON]
			e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/members/%d/orders", minji.ID), token: tok}, http.StatusOK, &history)
			if len(history.Data) != 1 || history.Data[0].ID != got.ID {
				t.Errorf("history %+v", history)
			}
			wantError(t, e.do(t, request{method: "GET", path: "/api/v1/members/99999/orders", token: tok}), http.StatusNotFound, fanmail.ENOTFOUND, "")
			wantError(t, e.do(t, request{method: "GET", path: "/api/v1/orders/99999", token: tok}), http.StatusNotFound, fanmail.ENOTFOUND, "")
		})

		t.Run("Invalid", func(t *testing.T) {
			for _, c := range []struct {
				body, field string
				status      int
			}{
				{`{"member_email":"nobody@example.com","external_id":"B-1","items":[{"product_id":1,"quantity":1}]}`, "member_email", 422},
				{`{"member_id":99999,"external_id":"B-1","items":[{"product_id":1,"quantity":1}]}`, "member_id", 422},
				{`{"member_id":1,"external_id":"B-1","items":[{"product_code":"NOPE","quantity":1}]}`, "items.0.product_code", 422},
				{`{"member_id":1,"external_id":"B-1","items":[{"product_id":99999,"quantity":1}]}`, "items.0.product_id", 422},
				{`{"member_id":1,"external_id":"B-1","items":[{"product_id":1,"quantity":0}]}`, "items.0.quantity", 422},
				{`{"member_id":1,"external_id":"B-1","items":[]}`, "items", 422},
				{`{"member_id":1,"external_id":"B-1","source":"csv","items":[{"product_id":1,"quantity":1}]}`, "source", 400},
				{`{"member_id":1,"external_id":"B-1","items":[{"product_id":1,"quantity":1,"colour":"red"}]}`, "colour", 400},
			} {
				b := strings.NewReplacer(`"member_id":1`, fmt.Sprintf(`"member_id":%d`, minji.ID),
					`"product_id":1`, fmt.Sprintf(`"product_id":%d`, coat.ID)).Replace(c.body)
				rec := e.do(t, request{method: "POST", path: "/api/v1/orders", token: tok, body: b})
				wantError(t, rec, c.status, fanmail.EINVALID, c.field)
			}
		})

		t.Run("ErrForbidden", func(t *testing.T) {
			shop := e.token(t, fanmail.RoleShopStaff)
			wantError(t, e.do(t, request{method: "POST", path: "/api/v1/orders", token: shop, body: body}), http.StatusForbidden, fanmail.EFORBIDDEN, "")
		})
	})
}

func mustUTC(t *testing.T, rfc3339 string) string {
	t.Helper()
	v, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC().Format(time.RFC3339)
}

// Without an order service the endpoints say so.
func TestOrders_Unavailable(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t))
	tok := e.token(t, fanmail.RoleAdmin)
	wantError(t, e.do(t, request{method: "GET", path: "/api/v1/orders/1", token: tok}), http.StatusServiceUnavailable, fanmail.EUNAVAILABLE, "")
}

// The order schemas are written inline in the document; their properties
// must match the Go types the endpoints read and write.
func TestOpenAPI_OrderSchemas(t *testing.T) {
	var doc any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	props := func(ptr string) []string {
		t.Helper()
		s, ok := resolvePointer(doc, ptr).(map[string]any)
		if !ok {
			t.Fatalf("no schema at %s", ptr)
		}
		if ref, ok := s["$ref"].(string); ok {
			s, _ = resolvePointer(doc, ref).(map[string]any)
		}
		p, _ := s["properties"].(map[string]any)
		var names []string
		for n := range p {
			names = append(names, n)
		}
		slices.Sort(names)
		return names
	}
	const post = "#/paths/~1api~1v1~1orders/post"
	for ptr, v := range map[string]any{
		post + "/requestBody/content/application~1json/schema":                                        orderInput{},
		post + "/requestBody/content/application~1json/schema/properties/items/items":                 orderItemInput{},
		post + "/responses/201/content/application~1json/schema":                                      orderJSON{},
		post + "/responses/201/content/application~1json/schema/properties/items/items":               orderItemJSON{},
		"#/paths/~1api~1v1~1orders~1{id}/get/responses/200/content/application~1json/schema":          orderJSON{},
		"#/paths/~1api~1v1~1members~1{id}~1orders/get/responses/200/content/application~1json/schema": list[orderJSON]{},
	} {
		if diff := cmp.Diff(jsonFields(reflect.TypeOf(v)), props(ptr)); diff != "" {
			t.Errorf("%s (-Go +document):\n%s", ptr, diff)
		}
	}
}
