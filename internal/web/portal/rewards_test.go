package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/web"
)

// rewardsMember is a signed-in member holding chips of a brand, a gift
// certificate, and a catalogue of two rewards.
type rewardsMember struct {
	member      fanmail.Member
	browser     *browser
	bag, gift   fanmail.Reward
	certificate fanmail.Certificate
}

func newRewardsMember(t *testing.T, s *joinSite, addr string, chips int64) rewardsMember {
	t.Helper()
	ctx := context.Background()
	rm := rewardsMember{member: storetest.MustCreateMember(t, s.db, addr), browser: s.browser(t)}
	const password = "correct horse battery staple"
	if err := s.members.SetPassword(ctx, rm.member.ID, password); err != nil {
		t.Fatal(err)
	}
	if p := rm.browser.post("/login/password", url.Values{"email": {addr}, "password": {password}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d\n%s", addr, p.status, p.body)
	}
	code, err := link.New(s.db).NewCode(ctx, link.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	exp := s.db.Now().Add(90 * 24 * time.Hour)
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, _, err := tx.Issue(ctx, fanmail.LedgerEntry{MemberID: rm.member.ID, BrandID: s.ozSecond, Unit: fanmail.UnitChip,
			Amount: chips, Reason: fanmail.ReasonSurveyAnswered, Ref: "test:survey:" + addr}); err != nil {
			return err
		}
		rm.certificate, _, err = tx.IssueCertificate(ctx, fanmail.Certificate{Code: code, MemberID: rm.member.ID,
			BrandID: s.ozSecond, Value: 10000, Reason: fanmail.ReasonFanReward, Ref: "test:fan:" + addr, ExpiresAt: &exp})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if rm.bag, err = s.loyalty.CreateReward(ctx, fanmail.Reward{BrandID: s.ozSecond, Kind: fanmail.RewardProduct,
		Name: "에코백", NameEn: "Eco bag", Cost: 3, Active: true}); err != nil {
		t.Fatal(err)
	}
	if rm.gift, err = s.loyalty.CreateReward(ctx, fanmail.Reward{BrandID: s.ozSecond, Kind: fanmail.RewardCertificate,
		Name: "3만원 상품권", NameEn: "Gift certificate", Cost: 6, Value: 30000, Active: true}); err != nil {
		t.Fatal(err)
	}
	return rm
}

var hiddenKey = regexp.MustCompile(`name="key" value="([^"]+)"`)

// A member sees chips, chip numbers, certificates with a barcode and the
// rewards they afford; a redemption is confirmed once, even when posted
// twice, and its receipt mail arrives.
func TestPortal_RewardsAndRedemption(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newJoinSite(t, db)
		rm := newRewardsMember(t, s, "jin72@example.com", 5)
		b := rm.browser

		p := b.get("/portal/rewards")
		if p.status != http.StatusOK {
			t.Fatalf("rewards page: %d\n%s", p.status, p.body)
		}
		for _, want := range []string{"내 칩과 혜택", "오즈세컨", "칩 5개", "No:10001–10005", "브랜드 설문 응답", "에코백",
			"/portal/rewards/" + strconv.FormatInt(rm.bag.ID, 10) + "/redeem", rm.certificate.Code, `<svg class="barcode"`,
			"10,000원", "사용 가능", "rewards-no-consent", "칩 1개 더 필요"} {
			if !strings.Contains(p.body, want) {
				t.Errorf("rewards page lacks %q", want)
			}
		}
		if strings.Contains(p.body, "/portal/rewards/"+strconv.FormatInt(rm.gift.ID, 10)+"/redeem") {
			t.Errorf("the page offers a reward the member cannot afford")
		}

		confirm := b.get("/portal/rewards/" + strconv.FormatInt(rm.bag.ID, 10) + "/redeem")
		key := hiddenKey.FindStringSubmatch(confirm.body)
		if confirm.status != http.StatusOK || key == nil || !strings.Contains(confirm.body, "칩 3개로 교환하기") {
			t.Fatalf("confirm page: %d\n%s", confirm.status, confirm.body)
		}
		if bal, _ := s.loyalty.Balance(ctx, rm.member.ID, s.ozSecond, fanmail.UnitChip); bal != 5 {
			t.Errorf("the confirm page spent chips: balance %d", bal)
		}
		form := url.Values{"key": {key[1]}}
		first := b.post("/portal/rewards/"+strconv.FormatInt(rm.bag.ID, 10)+"/redeem", form)
		second := b.post("/portal/rewards/"+strconv.FormatInt(rm.bag.ID, 10)+"/redeem", form)
		if first.status != http.StatusSeeOther || !strings.HasPrefix(first.location, "/portal/redemptions/") || second.location != first.location {
			t.Fatalf("double submit: %d %s, then %d %s; want the same redemption twice", first.status, first.location, second.status, second.location)
		}
		if bal, _ := s.loyalty.Balance(ctx, rm.member.ID, s.ozSecond, fanmail.UnitChip); bal != 2 {
			t.Errorf("balance after a double submit %d, want 2", bal)
		}
		receipt := b.get(first.location)
		if receipt.status != http.StatusOK || !strings.Contains(receipt.body, "교환되었습니다") || !strings.Contains(receipt.body, "에코백") {
			t.Errorf("receipt page: %d\n%s", receipt.status, receipt.body)
		}

		// Not enough chips left for the gift certificate: the confirm page
		// says so and a forged post is refused with the reason.
		gift := "/portal/rewards/" + strconv.FormatInt(rm.gift.ID, 10) + "/redeem"
		if p := b.get(gift); p.status != http.StatusOK || hiddenKey.MatchString(p.body) || !strings.Contains(p.body, "칩이 부족합니다.") {
			t.Errorf("confirm page without the chips: %d", p.status)
		}
		if p := b.post(gift, url.Values{"key": {"k-gift"}}); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "칩이 부족합니다.") {
			t.Errorf("redeeming over the balance: %d\n%s", p.status, p.body)
		}

		// Nobody else sees the receipt.
		other := newRewardsMember(t, s, "minho@example.com", 1)
		if p := other.browser.get(first.location); p.status != http.StatusNotFound {
			t.Errorf("another member's receipt: %d", p.status)
		}
		if p := other.browser.get("/portal/rewards?lang=en"); p.status != http.StatusOK || !strings.Contains(p.body, "My chips and rewards") || !strings.Contains(p.body, "1 chips") {
			t.Errorf("English rewards page: %d", p.status)
		}

		msgs := s.smtp.WaitForMatching(t, 1, 10*time.Second, func(m channeltest.Message) bool { return strings.Contains(m.Subject, "교환 영수증") })
		if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "교환 영수증") || msgs[0].To[0] != "jin72@example.com" ||
			!strings.Contains(msgs[0].Text, "남은 칩: 2개") {
			t.Errorf("receipt mails: %+v", msgs)
		}
	})
}

// Every label of ledger reasons, certificate states and fan rule kinds
// has a Korean translation (the templates' own texts are checked by
// TestMemberTemplates_Translated).
func TestLoyaltyLabels_Translated(t *testing.T) {
	for _, l := range []string{web.LedgerReason(fanmail.ReasonBrandWelcome), web.LedgerReason(fanmail.ReasonSurveyAnswered),
		web.LedgerReason(fanmail.ReasonFanReward), web.LedgerReason(fanmail.ReasonRedemption), web.LedgerReason(fanmail.ReasonManual),
		web.LedgerReason(fanmail.ReasonExpiry), web.LedgerReason(fanmail.ReasonReversal), web.CertificateState(fanmail.CertIssued),
		web.CertificateState(fanmail.CertRedeemed), web.CertificateState(fanmail.CertExpired), web.CertificateState(fanmail.CertVoid),
		web.FanRuleKind(fanmail.FanShareAtLeast), web.FanRuleKind(fanmail.FanScoreAtLeast), web.FanRuleKind(fanmail.FanSurveysAnswered)} {
		if !i18n.Has(l) {
			t.Errorf("no Korean for %q", l)
		}
	}
}
