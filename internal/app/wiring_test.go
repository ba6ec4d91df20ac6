package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// The retention job, run from the compliance page, erases a member inactive
// past FANMAIL_RETAIN_INACTIVE_MEMBERS through member erasure (their address
// then sits on the suppression list as a hash) and records it in the access
// log; an active member is left alone.
func TestApp_RetentionErasesInactiveMembers(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		ta := startApp(t, engine)
		ctx := context.Background()
		old := storetest.MustCreateMember(t, ta.DB(), "old.member@example.com")
		fresh := storetest.MustCreateMember(t, ta.DB(), "fresh.member@example.com")
		long := time.Now().Add(-4 * 365 * 24 * time.Hour).UTC()
		if _, err := ta.DB().SQL().ExecContext(ctx, `UPDATE members SET status = 'active', created_at = $1 WHERE id = $2`, long, old.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := ta.DB().SQL().ExecContext(ctx, `UPDATE members SET status = 'active' WHERE id = $1`, fresh.ID); err != nil {
			t.Fatal(err)
		}

		admin := ta.signIn(t)
		if r := postForm(t, admin, ta.URL+"/admin/compliance/run/retention", url.Values{}); r.Status != http.StatusSeeOther {
			t.Fatalf("run retention: %d\n%s", r.Status, r.Body)
		}
		got, err := ta.Members.MemberByID(ctx, old.ID)
		if err != nil || got.ErasedAt == nil || got.Email == "old.member@example.com" {
			t.Fatalf("inactive member after the retention job: %+v, %v; want erased", got, err)
		}
		if got, err := ta.Members.MemberByID(ctx, fresh.ID); err != nil || got.ErasedAt != nil {
			t.Errorf("active member after the retention job: %+v, %v; want kept", got, err)
		}
		es, _, err := ta.DB().AccessEntries(ctx, store.AccessFilter{Action: fanmail.AccessErase})
		if err != nil || len(es) != 1 || es[0].Target != fmt.Sprintf("member:%d", old.ID) || es[0].Actor != "system:retention" {
			t.Errorf("access log erasures: %+v, %v; want one by system:retention of member %d", es, err, old.ID)
		}
	})
}

// An administrator's override of the ad rule is written to the
// tamper-evident access log with its reason, in the override's transaction.
func TestApp_AdOverrideInAccessLog(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		ta := startApp(t, engine)
		ctx := context.Background()
		admin, err := ta.Staff.UserByEmail(ctx, ta.AdminEmail)
		if err != nil {
			t.Fatal(err)
		}
		snd, err := ta.Campaigns.CreateSender(ctx, fanmail.Sender{Name: "오즈세컨", FromName: "오즈세컨", FromEmail: "news@ozsecond.example", Kind: fanmail.SenderBrand})
		if err != nil {
			t.Fatal(err)
		}
		c, err := ta.Campaigns.CreateCampaign(ctx, fanmail.Campaign{Name: "가격 정정", Kind: fanmail.CampaignTransactional,
			SenderID: snd.ID, Subject: "주문하신 상품 가격 정정", Body: "<p>정정된 가격: 39,000원 (특가 아님)</p>"})
		if err != nil {
			t.Fatal(err)
		}
		const reason = "주문 고객 전원에게 보내는 가격 정정 안내"
		if _, err := ta.Campaigns.OverrideAdRule(ctx, c.ID, fanmail.RoleAdmin, admin.ID, reason); err != nil {
			t.Fatal(err)
		}
		es, _, err := ta.DB().AccessEntries(ctx, store.AccessFilter{Action: fanmail.AccessAdOverride})
		if err != nil || len(es) != 1 || es[0].Target != fmt.Sprintf("campaign:%d", c.ID) || es[0].Reason != reason ||
			es[0].UserID != admin.ID || es[0].Actor != admin.Email {
			t.Errorf("access log overrides: %+v, %v", es, err)
		}
		if check, err := ta.DB().VerifyAccessLog(ctx); err != nil || check.Broken != 0 || check.Checked == 0 {
			t.Errorf("access log chain after the override: %+v, %v", check, err)
		}
	})
}
