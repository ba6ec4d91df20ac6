package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/campaign"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// withCampaigns gives e's API a campaign service.
func (e *testEnv) withCampaigns(t *testing.T) {
	t.Helper()
	logger := testLogger(t)
	cfg := config.Default()
	cfg.BaseURL = "http://fanmail.test"
	e.mux = http.NewServeMux()
	svc := campaign.New(e.db, campaign.Options{BaseURL: cfg.BaseURL}, logger)
	New(Deps{Config: cfg, Logger: logger, Staff: e.staff, Members: e.members, Catalog: e.catalog, Campaigns: svc}).Routes(e.mux)
}

// TestAPI_CampaignAdRule: a transactional draft with a price and sale
// wording is refused with 422 naming the signals; a marketer's token cannot
// override, an administrator's can, with a reason that is recorded.
func TestAPI_CampaignAdRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.withCampaigns(t)
		ctx := context.Background()
		snd, err := db.CreateSender(ctx, fanmail.Sender{Name: "오즈세컨 강남점", FromName: "오즈세컨", FromEmail: "news@ozsecond.example",
			Kind: fanmail.SenderBrand, Address: "서울특별시 강남구 테헤란로 1", Phone: "02-555-0101"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.CreateMember(ctx, fanmail.Member{Email: "minji@example.com", Name: "김민지", Lang: "ko",
				Status: fanmail.MemberActive, Source: fanmail.SourceWeb})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		admin, err := e.staff.CreateUser(ctx, staff.NewUser{Email: "admin@example.com", Name: "관리자", Role: fanmail.RoleAdmin, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		adminTok, _, err := e.staff.CreateToken(ctx, "admin", fanmail.RoleAdmin, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		marketer := e.token(t, fanmail.RoleMarketer)

		body := fmt.Sprintf(`{"name":"주문 안내","kind":"transactional","sender_id":%d,"subject":"주문이 접수되었습니다","body":"<p>겨울 할인 중! 코트 39,000원</p>"}`, snd.ID)
		var c campaignJSON
		rec := e.call(t, request{method: "POST", path: "/api/v1/campaigns", token: marketer, body: body}, http.StatusCreated, &c)
		if rec.Header().Get("Location") != fmt.Sprintf("/api/v1/campaigns/%d", c.ID) || len(c.AdSignals) != 2 || c.AdOverride != nil {
			t.Fatalf("created %+v, Location %q", c, rec.Header().Get("Location"))
		}
		path := fmt.Sprintf("/api/v1/campaigns/%d", c.ID)

		rec = e.do(t, request{method: "POST", path: path + "/schedule", token: marketer, body: `{}`})
		got := wantError(t, rec, http.StatusUnprocessableEntity, fanmail.EINVALID, "is_ad")
		if len(got.AdSignals) != 2 || got.AdSignals[0].Kind != fanmail.AdSignalSale || got.AdSignals[0].Text != "할인" ||
			got.AdSignals[1].Kind != fanmail.AdSignalPrice || got.AdSignals[1].Text != "39,000원" ||
			!strings.Contains(got.Message, "Body, line 1 (sale or event wording): 할인") {
			t.Errorf("refusal = %+v", got)
		}

		rec = e.do(t, request{method: "POST", path: path + "/ad-override", token: marketer, body: `{"reason":"급해요"}`})
		wantError(t, rec, http.StatusForbidden, fanmail.EFORBIDDEN, "")
		rec = e.do(t, request{method: "POST", path: path + "/ad-override", token: adminTok, body: `{"reason":" "}`})
		wantError(t, rec, http.StatusUnprocessableEntity, fanmail.EINVALID, "reason")

		e.call(t, request{method: "POST", path: path + "/ad-override", token: adminTok, body: `{"reason":"주문 고객 전원에게 보내는 가격 정정 안내"}`}, http.StatusOK, &c)
		if o := c.AdOverride; o == nil || o.UserID != admin.ID || o.Reason != "주문 고객 전원에게 보내는 가격 정정 안내" || !o.Valid {
			t.Fatalf("override = %+v", c.AdOverride)
		}
		e.call(t, request{method: "POST", path: path + "/schedule", token: marketer, body: `{}`}, http.StatusOK, &c)
		if c.Status != fanmail.CampaignScheduled {
			t.Errorf("status %s after the override", c.Status)
		}
	})
}
