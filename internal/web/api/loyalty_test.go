package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// withLoyalty gives e's API a loyalty service.
func (e *testEnv) withLoyalty(t *testing.T) *loyalty.Service {
	t.Helper()
	logger := testLogger(t)
	svc := loyalty.New(e.db, logger, loyalty.Options{BaseURL: "http://fanmail.test"})
	cfg := config.Default()
	cfg.BaseURL = "http://fanmail.test"
	e.mux = http.NewServeMux()
	New(Deps{Config: cfg, Logger: logger, Staff: e.staff, Members: e.members, Catalog: e.catalog, Loyalty: svc, Access: e.access}).Routes(e.mux)
	return svc
}

// issueChips gives member n chips of brand in one entry.
func issueChips(t *testing.T, db *store.DB, memberID, brandID, n int64) {
	t.Helper()
	ctx := context.Background()
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := tx.Issue(ctx, fanmail.LedgerEntry{MemberID: memberID, BrandID: brandID, Unit: fanmail.UnitChip, Amount: n,
			Reason: fanmail.ReasonSurveyAnswered, Ref: fmt.Sprintf("test:%d:%d", memberID, time.Now().UnixNano())})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// issueCertificate gives member a gift certificate with a signed code.
func issueCertificate(t *testing.T, db *store.DB, memberID, brandID int64, expires time.Time) fanmail.Certificate {
	t.Helper()
	ctx := context.Background()
	code, err := link.New(db).NewCode(ctx, link.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	var c fanmail.Certificate
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		c, _, err = tx.IssueCertificate(ctx, fanmail.Certificate{Code: code, MemberID: memberID, BrandID: brandID, Value: 10000,
			Reason: fanmail.ReasonFanReward, Ref: "test:" + code, ExpiresAt: &expires})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

func redeemRequest(tok, key, body string) request {
	rq := request{method: "POST", path: "/api/v1/redemptions", token: tok, body: body}
	if key != "" {
		rq.header = map[string]string{"Idempotency-Key": key}
	}
	return rq
}

func TestAPI_Redemptions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.withLoyalty(t)
		shop := e.token(t, fanmail.RoleShopStaff)
		admin := e.token(t, fanmail.RoleAdmin)
		marketer := e.token(t, fanmail.RoleMarketer)
		g := e.mustGroup(t, "casual", "캐주얼")
		oz := e.mustBrand(t, g.ID, "ozsecond", "오즈세컨")
		m := e.mustMember(t, "jin72@example.com", "김지민")
		issueChips(t, db, m.ID, oz.ID, 5)
		var bag, cup rewardJSON
		e.call(t, request{method: "POST", path: "/api/v1/rewards", token: admin,
			body: fmt.Sprintf(`{"brand_id":%d,"kind":"product","name":"에코백","name_en":"Eco bag","cost":2}`, oz.ID)}, http.StatusCreated, &bag)
		e.call(t, request{method: "POST", path: "/api/v1/rewards", token: admin,
			body: fmt.Sprintf(`{"brand_id":%d,"kind":"product","name":"텀블러","cost":1}`, oz.ID)}, http.StatusCreated, &cup)
		body := fmt.Sprintf(`{"member_id":%d,"reward_id":%d}`, m.ID, bag.ID)

		wantError(t, e.do(t, redeemRequest(shop, "", body)), http.StatusBadRequest, fanmail.EINVALID, "Idempotency-Key")
		wantError(t, e.do(t, redeemRequest(shop, "한글 키", body)), http.StatusBadRequest, fanmail.EINVALID, "Idempotency-Key")
		wantError(t, e.do(t, redeemRequest(marketer, "pos-1", body)), http.StatusForbidden, fanmail.EFORBIDDEN, "")

		var first, again redemptionJSON
		rec := e.call(t, redeemRequest(shop, "pos-1", body), http.StatusCreated, &first)
		if rec.Header().Get("Location") != fmt.Sprintf("/api/v1/redemptions/%d", first.ID) || first.Balance == nil || *first.Balance != 3 || first.Cost != 2 {
			t.Errorf("first redemption: %+v, Location %s", first, rec.Header().Get("Location"))
		}
		wantAccess(t, db, fanmail.AccessEdit, fmt.Sprintf("member:%d redemption %d", m.ID, first.ID), 1)
		rec = e.call(t, redeemRequest(shop, "pos-1", body), http.StatusOK, &again)
		if again.ID != first.ID || rec.Header().Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay: %+v, headers %v", again, rec.Header())
		}
		other := fmt.Sprintf(`{"member_id":%d,"reward_id":%d}`, m.ID, cup.ID)
		wantError(t, e.do(t, redeemRequest(shop, "pos-1", other)), http.StatusConflict, fanmail.ECONFLICT, "Idempotency-Key")
		// Another token's key of the same name is another key.
		e.call(t, redeemRequest(admin, "pos-1", other), http.StatusCreated, nil)
		e.call(t, redeemRequest(shop, "pos-2", body), http.StatusCreated, nil)
		rec = e.do(t, redeemRequest(shop, "pos-3", body))
		if d := wantError(t, rec, http.StatusUnprocessableEntity, fanmail.EINVALID, ""); d.Message != "Not enough chips." {
			t.Errorf("over the balance: %q", d.Message)
		}
		rq := redeemRequest(shop, "pos-3", body)
		rq.header["Accept-Language"] = "ko"
		if d := wantError(t, e.do(t, rq), http.StatusUnprocessableEntity, fanmail.EINVALID, ""); d.Message != "칩이 부족합니다." {
			t.Errorf("Korean: %q", d.Message)
		}
		wantError(t, e.do(t, redeemRequest(shop, "pos-4", fmt.Sprintf(`{"member_id":%d,"reward_id":999}`, m.ID))), http.StatusNotFound, fanmail.ENOTFOUND, "")
		wantError(t, e.do(t, redeemRequest(shop, "pos-5", `{"reward_id":1,"member":1}`)), http.StatusBadRequest, fanmail.EINVALID, "member")
		wantError(t, e.do(t, redeemRequest(shop, "pos-6", fmt.Sprintf(`{"reward_id":%d}`, bag.ID))), http.StatusUnprocessableEntity, fanmail.EINVALID, "member_id")

		// Gift certificates.
		good := issueCertificate(t, db, m.ID, oz.ID, db.Now().Add(24*time.Hour))
		old := issueCertificate(t, db, m.ID, oz.ID, db.Now().Add(time.Minute))
		forged := good.Code[:len(good.Code)-1] + "0"
		if forged == good.Code {
			forged = good.Code[:len(good.Code)-1] + "1"
		}
		cert := func(code string) string { return fmt.Sprintf(`{"certificate_code":%q}`, code) }
		wantError(t, e.do(t, redeemRequest(shop, "c-0", cert(forged))), http.StatusUnprocessableEntity, fanmail.EINVALID, "certificate_code")
		var byCode redemptionJSON
		e.call(t, redeemRequest(shop, "c-1", cert(strings.ToLower(good.Code))), http.StatusCreated, &byCode)
		if byCode.Certificate == nil || byCode.Certificate.State != fanmail.CertRedeemed || byCode.MemberID != m.ID || byCode.Balance != nil {
			t.Errorf("certificate redemption: %+v", byCode)
		}
		wantError(t, e.do(t, redeemRequest(shop, "c-2", cert(good.Code))), http.StatusConflict, fanmail.ECONFLICT, "")
		// This env's outbox has no relay: its receipts stay queued, none is
		// in flight when the clock jumps.
		db.Now = func() time.Time { return time.Now().UTC().Add(time.Hour) }
		wantError(t, e.do(t, redeemRequest(shop, "c-3", cert(old.Code))), http.StatusGone, fanmail.EEXPIRED, "")

		// What the member holds, as the API shows it.
		var bals list[balanceJSON]
		e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/members/%d/balances", m.ID), token: shop}, http.StatusOK, &bals)
		if len(bals.Data) != 1 || bals.Data[0].Amount != 0 || bals.Data[0].BrandName != "오즈세컨" {
			t.Errorf("balances: %+v", bals)
		}
		var chips entryPage
		e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/members/%d/chips", m.ID), token: shop}, http.StatusOK, &chips)
		if len(chips.Data) != 1 || chips.Data[0].ChipNumbers != "No:10001–10005" || chips.NextBefore != nil {
			t.Errorf("chips: %+v", chips)
		}
		var ledger entryPage
		e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/members/%d/ledger?limit=2", m.ID), token: shop}, http.StatusOK, &ledger)
		if len(ledger.Data) != 2 || ledger.NextBefore == nil || ledger.Data[0].Op != fanmail.OpRedeem {
			t.Fatalf("ledger page 1: %+v", ledger)
		}
		e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/members/%d/ledger?limit=2&before=%d", m.ID, *ledger.NextBefore), token: shop}, http.StatusOK, &ledger)
		if len(ledger.Data) != 2 || ledger.NextBefore != nil || ledger.Data[1].Op != fanmail.OpIssue {
			t.Errorf("ledger page 2: %+v", ledger)
		}
		wantError(t, e.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/members/%d/ledger?op=steal", m.ID), token: shop}), http.StatusBadRequest, fanmail.EINVALID, "op")
		var certs list[certificateJSON]
		e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/members/%d/certificates", m.ID), token: shop}, http.StatusOK, &certs)
		if len(certs.Data) != 2 {
			t.Errorf("certificates: %+v", certs)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.AddFanMembership(ctx, m.ID, oz.ID); return err }); err != nil {
			t.Fatal(err)
		}
		var fans list[membershipJSON]
		e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/members/%d/memberships", m.ID), token: shop}, http.StatusOK, &fans)
		if len(fans.Data) != 1 || fans.Data[0].BrandID != oz.ID || fans.Data[0].BrandName != "오즈세컨" {
			t.Errorf("memberships: %+v", fans)
		}
		wantError(t, e.do(t, request{method: "GET", path: "/api/v1/members/999/memberships", token: shop}), http.StatusNotFound, fanmail.ENOTFOUND, "")
		var got redemptionJSON
		e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/redemptions/%d", first.ID), token: shop}, http.StatusOK, &got)
		if got.ID != first.ID || got.RewardID == nil || *got.RewardID != bag.ID {
			t.Errorf("get redemption: %+v", got)
		}
		wantAccess(t, db, fanmail.AccessView, fmt.Sprintf("member:%d redemption %d", m.ID, first.ID), 1)
		ms, err := db.Messages(ctx, store.MessageFilter{Kind: fanmail.MessageReceipt})
		if err != nil || len(ms) != 4 {
			t.Errorf("%d receipts queued (%v), want 4", len(ms), err)
		}
	})
}

// 100 terminals post at once against one balance of 37 chips: 37 succeed.
func TestAPI_Redemptions_Concurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		svc := e.withLoyalty(t)
		shop := e.token(t, fanmail.RoleShopStaff)
		g := e.mustGroup(t, "casual", "캐주얼")
		oz := e.mustBrand(t, g.ID, "ozsecond", "오즈세컨")
		m := e.mustMember(t, "haeun@example.com", "이하은")
		issueChips(t, db, m.ID, oz.ID, 37)
		r, err := svc.CreateReward(context.Background(), fanmail.Reward{BrandID: oz.ID, Kind: fanmail.RewardProduct, Name: "스티커", Cost: 1, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf(`{"member_id":%d,"reward_id":%d}`, m.ID, r.ID)
		var created, refused atomic.Int32
		var wg sync.WaitGroup
		for i := range 100 {
			wg.Go(func() {
				switch rec := e.do(t, redeemRequest(shop, fmt.Sprint("till-", i), body)); rec.Code {
				case http.StatusCreated:
					created.Add(1)
				case http.StatusUnprocessableEntity:
					refused.Add(1)
				default:
					t.Errorf("request %d: %d %s", i, rec.Code, rec.Body)
				}
			})
		}
		wg.Wait()
		if created.Load() != 37 || refused.Load() != 63 {
			t.Errorf("%d created, %d refused; want 37 and 63", created.Load(), refused.Load())
		}
		if b, _ := svc.Balance(context.Background(), m.ID, oz.ID, fanmail.UnitChip); b != 0 {
			t.Errorf("balance %d, want 0", b)
		}
	})
}

func TestAPI_RewardsAndFanRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.withLoyalty(t)
		admin := e.token(t, fanmail.RoleAdmin)
		shop := e.token(t, fanmail.RoleShopStaff)
		g := e.mustGroup(t, "casual", "캐주얼")
		oz := e.mustBrand(t, g.ID, "ozsecond", "오즈세컨")
		mc := e.mustBrand(t, g.ID, "mienc", "미앤씨")
		coat, err := db.CreateProduct(ctx, fanmail.Product{BrandID: mc.ID, Code: "MC-1", Name: "코트", Shelf: fanmail.ShelfNew, Price: 1000})
		if err != nil {
			t.Fatal(err)
		}

		post := func(body string) *httptest.ResponseRecorder {
			return e.do(t, request{method: "POST", path: "/api/v1/rewards", token: admin, body: body})
		}
		wantError(t, post(fmt.Sprintf(`{"brand_id":%d,"kind":"certificate","name":"상품권","cost":10}`, oz.ID)), http.StatusUnprocessableEntity, fanmail.EINVALID, "value")
		wantError(t, post(fmt.Sprintf(`{"brand_id":%d,"kind":"product","name":"코트","cost":10,"product_id":%d}`, oz.ID, coat.ID)), http.StatusUnprocessableEntity, fanmail.EINVALID, "product_id")
		wantError(t, post(`{"brand_id":999,"kind":"product","name":"x","cost":1}`), http.StatusUnprocessableEntity, fanmail.EINVALID, "brand_id")
		wantError(t, post(`{"brand":1}`), http.StatusBadRequest, fanmail.EINVALID, "brand")
		wantError(t, e.do(t, request{method: "POST", path: "/api/v1/rewards", token: shop, body: `{}`}), http.StatusForbidden, fanmail.EFORBIDDEN, "")
		var gift rewardJSON
		e.call(t, request{method: "POST", path: "/api/v1/rewards", token: admin,
			body: fmt.Sprintf(`{"brand_id":%d,"kind":"certificate","name":"3만원 상품권","cost":20,"value":30000}`, oz.ID)}, http.StatusCreated, &gift)
		if !gift.Active || gift.Value != 30000 || gift.ProductID != nil {
			t.Errorf("created reward: %+v", gift)
		}
		var rs list[rewardJSON]
		e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/rewards?brand_id=%d&active=true", oz.ID), token: shop}, http.StatusOK, &rs)
		if len(rs.Data) != 1 {
			t.Errorf("rewards: %+v", rs)
		}
		var patched rewardJSON
		e.call(t, request{method: "PATCH", path: fmt.Sprintf("/api/v1/rewards/%d", gift.ID), token: admin, body: `{"active":false,"cost":25}`}, http.StatusOK, &patched)
		if patched.Active || patched.Cost != 25 || patched.Name != "3만원 상품권" {
			t.Errorf("patched: %+v", patched)
		}
		e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/rewards?brand_id=%d&active=true", oz.ID), token: shop}, http.StatusOK, &rs)
		if len(rs.Data) != 0 {
			t.Errorf("active rewards after withdrawal: %+v", rs)
		}
		wantError(t, e.do(t, request{method: "GET", path: "/api/v1/rewards/999", token: shop}), http.StatusNotFound, fanmail.ENOTFOUND, "")

		rulePath := fmt.Sprintf("/api/v1/brands/%d/fan-rule", oz.ID)
		var rule fanRuleJSON
		e.call(t, request{method: "GET", path: rulePath, token: shop}, http.StatusOK, &rule)
		if !rule.IsDefault || rule.Kind != fanmail.FanShareAtLeast || rule.UpdatedAt != nil {
			t.Errorf("default rule: %+v", rule)
		}
		wantError(t, e.do(t, request{method: "PUT", path: rulePath, token: admin, body: `{"enabled":true,"kind":"surveys_answered","threshold":0}`}),
			http.StatusUnprocessableEntity, fanmail.EINVALID, "threshold")
		wantError(t, e.do(t, request{method: "PUT", path: rulePath, token: shop, body: `{"enabled":true,"kind":"surveys_answered","threshold":2}`}),
			http.StatusForbidden, fanmail.EFORBIDDEN, "")
		wantError(t, e.do(t, request{method: "PUT", path: "/api/v1/brands/999/fan-rule", token: admin, body: `{"enabled":true,"kind":"surveys_answered","threshold":2}`}),
			http.StatusNotFound, fanmail.ENOTFOUND, "")
		e.call(t, request{method: "PUT", path: rulePath, token: admin, body: `{"enabled":true,"kind":"score_at_least","points":{"61+":3,"31-60":2},"threshold":3}`}, http.StatusOK, &rule)
		if rule.IsDefault || rule.Description != "score_at_least {31-60=2,61+=3} >= 3" || rule.UpdatedAt == nil {
			t.Errorf("set rule: %+v", rule)
		}
		e.call(t, request{method: "GET", path: rulePath, token: shop}, http.StatusOK, &rule)
		if rule.Threshold != 3 || rule.Points["61+"] != 3 {
			t.Errorf("stored rule: %+v", rule)
		}
	})
}

// Every message of the loyalty endpoints has a Korean translation.
func TestAPI_LoyaltyMessagesKorean(t *testing.T) {
	for _, msg := range []string{"Loyalty is not available on this server.",
		"Send an Idempotency-Key header of 1 to 100 visible ASCII characters, new for each redemption.",
		"This parameter must be chip or point.", "This parameter must be issue, redeem, expire or reverse.",
		msgRewardNotFound, "Redemption not found."} {
		if !i18n.Has(msg) {
			t.Errorf("no Korean for %q", msg)
		}
	}
}
