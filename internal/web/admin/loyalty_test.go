package admin_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/delivery/deliverytest"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// loyaltyMember is a member of the shop env holding chips of 오즈세컨 and
// a gift certificate, with a reward of 3 chips in the catalogue.
type loyaltyMember struct {
	member      fanmail.Member
	issue       fanmail.LedgerEntry
	reward      fanmail.Reward
	certificate fanmail.Certificate
}

func newLoyaltyMember(t *testing.T, e *shopEnv, addr string, chips int64, certExpires time.Time) loyaltyMember {
	t.Helper()
	ctx := context.Background()
	lm := loyaltyMember{member: storetest.MustCreateMember(t, e.db, addr)}
	brand := e.brands["ozsecond"]
	code, err := link.New(e.db).NewCode(ctx, link.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	err = e.db.InTx(ctx, func(tx *store.Tx) error {
		if lm.issue, _, err = tx.Issue(ctx, fanmail.LedgerEntry{MemberID: lm.member.ID, BrandID: brand, Unit: fanmail.UnitChip,
			Amount: chips, Reason: fanmail.ReasonBrandWelcome, Ref: "test:welcome:" + addr}); err != nil {
			return err
		}
		lm.certificate, _, err = tx.IssueCertificate(ctx, fanmail.Certificate{Code: code, MemberID: lm.member.ID,
			BrandID: brand, Value: 10000, Reason: fanmail.ReasonFanReward, Ref: "test:fan:" + addr, ExpiresAt: &certExpires})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := e.loyalty.Rewards(ctx, store.RewardFilter{BrandID: brand})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) > 0 {
		lm.reward = rs[0]
	} else if lm.reward, err = e.loyalty.CreateReward(ctx, fanmail.Reward{BrandID: brand, Kind: fanmail.RewardProduct,
		Name: "에코백", NameEn: "Eco bag", Cost: 3, Active: true}); err != nil {
		t.Fatal(err)
	}
	return lm
}

var formKey = regexp.MustCompile(`name="key" value="([^"]+)"`)

func (e *shopEnv) balance(t *testing.T, memberID int64) int64 {
	t.Helper()
	n, err := e.loyalty.Balance(context.Background(), memberID, e.brands["ozsecond"], fanmail.UnitChip)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Shop staff look a member up, redeem chips for a reward and a gift
// certificate by its code, each once however often the form is posted;
// the result page gives a clear reason for what cannot be redeemed, and
// the receipts reach the member.
func TestShopTerminal_Redeem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newShopEnv(t, db)
		c := e.staffUser(t, "seojun@example.com", fanmail.RoleShopStaff, e.shopID)
		lm := newLoyaltyMember(t, e, "jin72@example.com", 5, db.Now().Add(30*24*time.Hour))
		mid := strconv.FormatInt(lm.member.ID, 10)

		if res := e.send(t, "GET", "/admin/shop", nil, c); !strings.Contains(res.body, `id="redeem-link"`) {
			t.Errorf("the shop terminal does not lead to redemption")
		}
		if res := e.send(t, "GET", "/admin/shop/redeem?q=jin72", nil, c); res.StatusCode != http.StatusOK ||
			!strings.Contains(res.body, "/admin/shop/redeem/members/"+mid) {
			t.Fatalf("member search: %d\n%s", res.StatusCode, res.body)
		}
		res := e.send(t, "GET", "/admin/shop/redeem/members/"+mid, nil, c)
		confirmURL := "/admin/shop/redeem/members/" + mid + "/rewards/" + strconv.FormatInt(lm.reward.ID, 10)
		for _, want := range []string{"칩 5개", "에코백", confirmURL, lm.certificate.Code} {
			if !strings.Contains(res.body, want) {
				t.Errorf("member's redemption page lacks %q", want)
			}
		}

		confirm := e.send(t, "GET", confirmURL, nil, c)
		key := formKey.FindStringSubmatch(confirm.body)
		if confirm.StatusCode != http.StatusOK || key == nil || !strings.Contains(confirm.body, "5 → 2") {
			t.Fatalf("confirm page: %d\n%s", confirm.StatusCode, confirm.body)
		}
		wantAccess(t, db, fanmail.AccessView, "member:"+mid+" redeem", 1)
		form := url.Values{"key": {key[1]}, "member_id": {mid}, "reward_id": {strconv.FormatInt(lm.reward.ID, 10)}}
		first := e.send(t, "POST", "/admin/shop/redeem", form, c)
		again := e.send(t, "POST", "/admin/shop/redeem", form, c)
		loc := first.Header.Get("Location")
		if first.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/shop/redemptions/") || again.Header.Get("Location") != loc {
			t.Fatalf("redeem twice: %d %s, then %s", first.StatusCode, loc, again.Header.Get("Location"))
		}
		redemption := strings.TrimPrefix(loc, "/admin/shop/redemptions/")
		wantAccess(t, db, fanmail.AccessEdit, "member:"+mid+" redemption "+redemption, 1)
		if b := e.balance(t, lm.member.ID); b != 2 {
			t.Errorf("balance after a double post: %d, want 2", b)
		}
		result := e.send(t, "GET", loc, nil, c)
		if result.StatusCode != http.StatusOK || !strings.Contains(result.body, "교환했습니다") || !strings.Contains(result.body, `id="result-balance">2<`) {
			t.Errorf("result page: %d\n%s", result.StatusCode, result.body)
		}
		wantAccess(t, db, fanmail.AccessView, "member:"+mid+" redemption "+redemption, 1)
		id, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/admin/shop/redemptions/"), 10, 64)
		if red, err := db.RedemptionByID(ctx, id); err != nil || red.ShopID != e.shopID || red.StaffID == 0 {
			t.Errorf("redemption %+v (%v) does not name the shop and staff member", red, err)
		}

		// Too few chips now: no form on the confirm page, and a post says why.
		if res := e.send(t, "GET", confirmURL, nil, c); formKey.MatchString(res.body) || !strings.Contains(res.body, "칩이 부족합니다.") {
			t.Errorf("confirm page without the chips offers the redemption")
		}
		form.Set("key", "another")
		if res := e.send(t, "POST", "/admin/shop/redeem", form, c); res.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(res.body, "칩이 부족합니다.") {
			t.Errorf("redeem over the balance: %d\n%s", res.StatusCode, res.body)
		}

		// A gift certificate, scanned or typed loosely.
		typed := strings.ToLower(strings.ReplaceAll(lm.certificate.Code, "-", " "))
		check := e.send(t, "GET", "/admin/shop/redeem/certificate?code="+url.QueryEscape(typed), nil, c)
		ckey := formKey.FindStringSubmatch(check.body)
		if check.StatusCode != http.StatusOK || ckey == nil || !strings.Contains(check.body, "10,000원") {
			t.Fatalf("certificate check: %d\n%s", check.StatusCode, check.body)
		}
		wantAccess(t, db, fanmail.AccessView, "member:"+mid+" certificate", 1)
		cform := url.Values{"key": {ckey[1]}, "code": {lm.certificate.Code}}
		if res := e.send(t, "POST", "/admin/shop/redeem", cform, c); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("redeem certificate: %d\n%s", res.StatusCode, res.body)
		}
		forged := lm.certificate.Code[:len(lm.certificate.Code)-2] + "00"
		if forged == lm.certificate.Code {
			forged = lm.certificate.Code[:len(lm.certificate.Code)-2] + "11"
		}
		expired := newLoyaltyMember(t, e, "old@example.com", 1, db.Now().Add(time.Minute))
		deliverytest.WaitIdle(t, db)                                               // no receipt in flight when the clock jumps past its lease
		db.Now = func() time.Time { return time.Now().UTC().Add(2 * time.Minute) } // within the session's hour
		for _, tt := range []struct {
			name, code string
			status     int
			reason     string
		}{
			{"Used", lm.certificate.Code, http.StatusConflict, "이미 사용된 상품권입니다."},
			{"Forged", forged, http.StatusUnprocessableEntity, "올바른 상품권 코드가 아닙니다"},
			{"Expired", expired.certificate.Code, http.StatusGone, "유효기간이 지난 상품권입니다."},
		} {
			res := e.send(t, "GET", "/admin/shop/redeem/certificate?code="+url.QueryEscape(tt.code), nil, c)
			if res.StatusCode != tt.status || !strings.Contains(res.body, tt.reason) || formKey.MatchString(res.body) {
				t.Errorf("%s certificate check: %d, want %d with %q and no form", tt.name, res.StatusCode, tt.status, tt.reason)
			}
			res = e.send(t, "POST", "/admin/shop/redeem", url.Values{"key": {"k-" + tt.name}, "code": {tt.code}}, c)
			if res.StatusCode != tt.status || !strings.Contains(res.body, tt.reason) {
				t.Errorf("%s certificate redemption: %d, want %d with %q\n%s", tt.name, res.StatusCode, tt.status, tt.reason, res.body)
			}
		}

		// Both receipts reach the member through the outbox.
		msgs := e.smtp.WaitForMatching(t, 2, 10*time.Second, func(m channeltest.Message) bool { return strings.Contains(m.Subject, "교환 영수증") })
		if len(msgs) != 2 || !strings.Contains(msgs[0].Text+msgs[1].Text, "강남점") || !strings.Contains(msgs[0].Text+msgs[1].Text, lm.certificate.Code) {
			t.Errorf("receipts: %d mails", len(msgs))
		}

		counsellor := e.staffUser(t, "counsel@example.com", fanmail.RoleCounsellor, 0)
		if res := e.send(t, "GET", "/admin/shop/redeem", nil, counsellor); res.StatusCode != http.StatusForbidden {
			t.Errorf("a counsellor at the redemption desk: %d, want 403", res.StatusCode)
		}
	})
}

// Staff see a member's balances, ledger, fan decisions with their rule and
// values, and certificates; a marketer reverses an entry with a note.
func TestAdmin_MemberLoyalty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newShopEnv(t, db)
		marketer := e.staffUser(t, "yuna@example.com", fanmail.RoleMarketer, 0)
		shopStaff := e.staffUser(t, "seojun@example.com", fanmail.RoleShopStaff, e.shopID)
		lm := newLoyaltyMember(t, e, "jin72@example.com", 3, db.Now().Add(30*24*time.Hour))
		brand := e.brands["ozsecond"]
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, _, err := tx.RecordFanDecision(ctx, fanmail.FanDecision{MemberID: lm.member.ID, BrandID: brand, IsFan: true,
				Rule: "share_at_least wardrobe_share >= 2", Values: "wardrobe_share=31-60 (position 2)", ResponseID: 7}); err != nil {
				return err
			}
			_, err := tx.AddFanMembership(ctx, lm.member.ID, brand)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		page := "/admin/members/" + strconv.FormatInt(lm.member.ID, 10)
		reverse := page + "/ledger/" + strconv.FormatInt(lm.issue.ID, 10) + "/reverse"
		res := e.send(t, "GET", page, nil, marketer)
		for _, want := range []string{`id="member-loyalty"`, "No:10001–10003", "브랜드 선택 환영 칩", "share_at_least wardrobe_share &gt;= 2",
			"wardrobe_share=31-60 (position 2)", lm.certificate.Code, "사용 가능", reverse} {
			if !strings.Contains(res.body, want) {
				t.Errorf("member page lacks %q", want)
			}
		}
		if res := e.send(t, "GET", page, nil, shopStaff); res.StatusCode != http.StatusOK || strings.Contains(res.body, reverse) {
			t.Errorf("shop staff see the member (%d) with a reverse link", res.StatusCode)
		}
		if res := e.send(t, "GET", reverse, nil, shopStaff); res.StatusCode != http.StatusForbidden {
			t.Errorf("shop staff reverse page: %d, want 403", res.StatusCode)
		}
		if res := e.send(t, "GET", reverse, nil, marketer); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "취소 사유") {
			t.Fatalf("reverse page: %d", res.StatusCode)
		}
		ledger := fmt.Sprintf("member:%d ledger %d", lm.member.ID, lm.issue.ID)
		wantAccess(t, db, fanmail.AccessView, ledger, 1)
		if res := e.send(t, "POST", reverse, url.Values{"note": {" "}}, marketer); res.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(res.body, "취소하는 이유를 적어 주세요.") {
			t.Errorf("reverse without a note: %d", res.StatusCode)
		}
		res = e.send(t, "POST", reverse, url.Values{"note": {"중복 지급"}}, marketer)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), page) {
			t.Fatalf("reverse: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
		}
		wantAccess(t, db, fanmail.AccessEdit, ledger+" reverse", 1)
		if b := e.balance(t, lm.member.ID); b != 0 {
			t.Errorf("balance after the reversal %d, want 0", b)
		}
		res = e.send(t, "GET", page, nil, marketer)
		if !strings.Contains(res.body, "중복 지급") || !strings.Contains(res.body, "취소됨") || strings.Contains(res.body, reverse) {
			t.Errorf("member page after the reversal does not show it")
		}
		if res := e.send(t, "POST", reverse, url.Values{"note": {"again"}}, marketer); res.StatusCode != http.StatusConflict {
			t.Errorf("reversing twice: %d, want 409", res.StatusCode)
		}
	})
}

// Marketers keep the rewards catalogue and each brand's fan rule.
func TestAdmin_RewardsAndFanRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newShopEnv(t, db)
		marketer := e.staffUser(t, "yuna@example.com", fanmail.RoleMarketer, 0)
		shopStaff := e.staffUser(t, "seojun@example.com", fanmail.RoleShopStaff, e.shopID)
		brand := strconv.FormatInt(e.brands["mienc"], 10)

		res := e.send(t, "GET", "/admin/loyalty", nil, marketer)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "share_at_least wardrobe_share &gt;= 2") || !strings.Contains(res.body, "기본값") {
			t.Fatalf("loyalty page: %d\n%s", res.StatusCode, res.body)
		}
		if res := e.send(t, "GET", "/admin/loyalty", nil, shopStaff); res.StatusCode != http.StatusForbidden {
			t.Errorf("shop staff on the loyalty page: %d", res.StatusCode)
		}

		bad := url.Values{"brand_id": {brand}, "kind": {"certificate"}, "name": {"3만원 상품권"}, "cost": {"20"}, "active": {"1"}}
		if res := e.send(t, "POST", "/admin/loyalty/rewards", bad, marketer); res.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(res.body, "금액은 1원에서 10,000,000원 사이여야 합니다.") || !strings.Contains(res.body, "3만원 상품권") {
			t.Errorf("certificate reward without a value: %d", res.StatusCode)
		}
		bad.Set("value", "30,000")
		if res := e.send(t, "POST", "/admin/loyalty/rewards", bad, marketer); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create reward: %d\n%s", res.StatusCode, res.body)
		}
		rs, _ := e.loyalty.Rewards(context.Background(), store.RewardFilter{})
		if len(rs) != 1 || rs[0].Value != 30000 || !rs[0].Active {
			t.Fatalf("rewards: %+v", rs)
		}
		edit := "/admin/loyalty/rewards/" + strconv.FormatInt(rs[0].ID, 10)
		if res := e.send(t, "GET", edit+"/edit", nil, marketer); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "3만원 상품권") {
			t.Errorf("edit form: %d", res.StatusCode)
		}
		if res := e.send(t, "POST", edit, url.Values{"name": {"3만원 상품권"}, "cost": {"25"}, "value": {"30000"}}, marketer); res.StatusCode != http.StatusSeeOther {
			t.Errorf("withdraw reward: %d\n%s", res.StatusCode, res.body)
		}
		if r, _ := e.loyalty.Reward(context.Background(), rs[0].ID); r.Active || r.Cost != 25 {
			t.Errorf("reward after edit: %+v", r)
		}

		rule := "/admin/loyalty/rules/" + brand
		if res := e.send(t, "GET", rule+"/edit", nil, marketer); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "wardrobe_share") {
			t.Errorf("rule form: %d", res.StatusCode)
		}
		if res := e.send(t, "POST", rule, url.Values{"enabled": {"1"}, "kind": {"surveys_answered"}, "threshold": {"0"}}, marketer); res.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(res.body, "설문 수는 1에서 1000 사이여야 합니다.") {
			t.Errorf("rule with no threshold: %d", res.StatusCode)
		}
		if res := e.send(t, "POST", rule, url.Values{"enabled": {"1"}, "kind": {"score_at_least"}, "points": {"61+ 3"}, "threshold": {"3"}}, marketer); res.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(html.UnescapeString(res.body), "61+ = 3") {
			t.Errorf("rule with unreadable points: %d", res.StatusCode)
		}
		if res := e.send(t, "POST", rule, url.Values{"enabled": {"1"}, "kind": {"score_at_least"}, "points": {"61+ = 3\r\n31-60 = 2\r\n"},
			"threshold": {"3"}}, marketer); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save score rule: %d\n%s", res.StatusCode, res.body)
		}
		if res := e.send(t, "GET", "/admin/loyalty", nil, marketer); !strings.Contains(html.UnescapeString(res.body), "score_at_least {31-60=2,61+=3} >= 3") {
			t.Errorf("loyalty page lacks the new rule")
		}
	})
}
