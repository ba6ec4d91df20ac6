package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

var formKey = regexp.MustCompile(`name="key" value="([^"]+)"`)

// TestE2E_Redemption runs the whole app: staff add a reward, redeem a
// member's chips at the shop terminal, the member redeems in the portal,
// and both receipt mails arrive at the SMTP server through the outbox,
// without the member's address in the log.
func TestE2E_Redemption(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		ta := startApp(t, engine)
		ctx := context.Background()
		db := ta.DB()
		const addr, password = "jiwoo.han@example.com", "correct horse battery staple"
		m := storetest.MustCreateMember(t, db, addr)
		if err := ta.Members.SetPassword(ctx, m.ID, password); err != nil {
			t.Fatal(err)
		}
		oz, err := db.BrandBySlug(ctx, "ozsecond", false)
		if err != nil {
			t.Fatalf("demo brand ozsecond: %v", err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := tx.Issue(ctx, fanmail.LedgerEntry{MemberID: m.ID, BrandID: oz.ID, Unit: fanmail.UnitChip, Amount: 5,
				Reason: fanmail.ReasonSurveyAnswered, Ref: "e2e:survey"})
			return err
		}); err != nil {
			t.Fatal(err)
		}

		staff := client(t)
		if r := postForm(t, staff, ta.URL+"/admin/login", url.Values{"email": {ta.AdminEmail}, "password": {ta.AdminPassword}}); r.Status != http.StatusSeeOther {
			t.Fatalf("admin sign-in: %d", r.Status)
		}
		r := postForm(t, staff, ta.URL+"/admin/loyalty/rewards", url.Values{"brand_id": {fmt.Sprint(oz.ID)}, "kind": {"product"},
			"name": {"에코백"}, "name_en": {"Eco bag"}, "cost": {"2"}, "active": {"1"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create reward: %d\n%s", r.Status, r.Body)
		}
		rs, err := ta.Loyalty.Rewards(ctx, store.RewardFilter{BrandID: oz.ID})
		if err != nil {
			t.Fatal(err)
		}
		var reward fanmail.Reward // the new one, beside the demo's certificate
		for _, rw := range rs {
			if rw.Name == "에코백" {
				reward = rw
			}
		}
		if reward.ID == 0 || reward.Kind != fanmail.RewardProduct || reward.Cost != 2 {
			t.Fatalf("rewards: %+v, want the 에코백", rs)
		}

		// At the shop terminal.
		confirm := get(t, staff, fmt.Sprintf("%s/admin/shop/redeem/members/%d/rewards/%d", ta.URL, m.ID, reward.ID))
		key := formKey.FindStringSubmatch(confirm.Body)
		if confirm.Status != http.StatusOK || key == nil {
			t.Fatalf("shop confirm page: %d\n%s", confirm.Status, confirm.Body)
		}
		r = postForm(t, staff, ta.URL+"/admin/shop/redeem", url.Values{"key": {key[1]}, "member_id": {fmt.Sprint(m.ID)},
			"reward_id": {fmt.Sprint(reward.ID)}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/shop/redemptions/") {
			t.Fatalf("shop redemption: %d %s\n%s", r.Status, r.Header.Get("Location"), r.Body)
		}

		// In the member portal.
		member := client(t)
		if r := postForm(t, member, ta.URL+"/login/password", url.Values{"email": {addr}, "password": {password}}); r.Status != http.StatusSeeOther {
			t.Fatalf("member sign-in: %d", r.Status)
		}
		page := get(t, member, ta.URL+"/portal/rewards")
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "칩 3개") || !strings.Contains(page.Body, "에코백") {
			t.Fatalf("rewards page: %d\n%s", page.Status, page.Body)
		}
		confirm = get(t, member, fmt.Sprintf("%s/portal/rewards/%d/redeem", ta.URL, reward.ID))
		key = formKey.FindStringSubmatch(confirm.Body)
		if key == nil {
			t.Fatalf("portal confirm page: %d\n%s", confirm.Status, confirm.Body)
		}
		r = postForm(t, member, fmt.Sprintf("%s/portal/rewards/%d/redeem", ta.URL, reward.ID), url.Values{"key": {key[1]}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("portal redemption: %d\n%s", r.Status, r.Body)
		}
		if b, _ := ta.Loyalty.Balance(ctx, m.ID, oz.ID, fanmail.UnitChip); b != 1 {
			t.Errorf("balance after two redemptions %d, want 1", b)
		}

		receipts := ta.SMTP.WaitForMatching(t, 2, 30*time.Second, func(msg channeltest.Message) bool {
			return strings.Contains(msg.Subject, "교환 영수증")
		})
		for _, msg := range receipts {
			if len(msg.To) != 1 || msg.To[0] != addr || !strings.Contains(msg.Text, "에코백 (오즈세컨)") {
				t.Errorf("receipt %q to %v:\n%s", msg.Subject, msg.To, msg.Text)
			}
		}
		if !strings.Contains(receipts[0].Text+receipts[1].Text, "남은 칩: 1개") {
			t.Errorf("no receipt says 1 chip is left")
		}
		ta.assertNoPersonalData(t, addr)
	})
}
