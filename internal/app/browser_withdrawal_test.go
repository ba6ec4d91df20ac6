package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
)

// TestBrowser_WithdrawalNoticeAndCampaign is a member's withdrawal of
// advertising consent as issue 11 asks to show it: the member withdraws in
// the portal, staff run the result-notice job from the compliance page, the
// notice (Network Act art. 50(7)) reaches the member, and an advertising
// campaign sent afterwards reaches the member who kept their consent but not
// the one who withdrew.
func TestBrowser_WithdrawalNoticeAndCampaign(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		needBrowser(t)
		ta := startApp(t, engine)
		leaver := campaignMember{Code: "hana93", Name: "한하나", Email: "hana.han@example.com", Phone: "010-4444-0101",
			Gender: fanmail.GenderFemale, BirthYear: 1993, Marketing: true}
		stayer := campaignMember{Code: "donghoon90", Name: "이동훈", Email: "donghoon.lee@example.com", Phone: "010-4444-0202",
			Gender: fanmail.GenderMale, BirthYear: 1990, Marketing: true}
		seedCampaignMembers(t, ta, []campaignMember{leaver, stayer})
		subject := func(part, to string) func(channeltest.Message) bool {
			return func(m channeltest.Message) bool {
				return strings.Contains(m.Subject, part) && len(m.To) == 1 && strings.EqualFold(m.To[0], to)
			}
		}

		// The member signs in with a mailed link and withdraws their
		// consent to advertising by e-mail.
		b := newBrowser(t, ta.URL)
		b.open("/login")
		b.fill("#login-email", leaver.Email)
		b.click(`#login-link-form button[type="submit"]`)
		b.waitVisible("#login-sent")
		signin := ta.SMTP.WaitForMatching(t, 1, 60*time.Second, subject("로그인 링크", leaver.Email))[0]
		b.open(mailLink(t, signin, "/login/link"))
		b.waitVisible("#login-link-confirm")
		b.click(`#login-link-confirm button[type="submit"]`)
		b.waitVisible("#portal")
		b.open("/portal/consents")
		b.waitVisible("#consent-" + fanmail.PurposeMarketingEmail)
		b.click("#consent-" + fanmail.PurposeMarketingEmail + ` button[type="submit"]`)
		// The press reloads the page with a notice; until then the old row
		// shows.
		for deadline := time.Now().Add(30 * time.Second); !strings.Contains(b.location(), "flash="); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no page after withdrawing: %s", b.describe())
			}
		}
		b.waitVisible("#portal-consents-edit")
		if got := b.text("#consent-" + fanmail.PurposeMarketingEmail); !strings.Contains(got, "동의하지 않음") {
			t.Fatalf("consent row after withdrawing: %q", got)
		}

		// Staff run the result notices from the compliance page.
		staff := newBrowser(t, ta.URL)
		staff.signInAdmin(ta)
		staff.open("/admin/compliance")
		staff.click(`form[action="/admin/compliance/run/notices"] button[type="submit"]`)
		staff.waitVisible("body")
		notices := ta.SMTP.WaitForMatching(t, 1, 60*time.Second, func(m channeltest.Message) bool {
			return subject("수신동의 처리 결과", leaver.Email)(m) && strings.Contains(m.Text, "전자우편(이메일): 수신 동의 철회")
		})
		if !strings.Contains(notices[0].Text, leaver.Name) {
			t.Errorf("withdrawal notice does not name the member:\n%s", notices[0].Text)
		}

		// An advertising campaign to every consenting member afterwards.
		snd, err := ta.Campaigns.CreateSender(context.Background(), fanmail.Sender{Name: "오즈세컨 강남점", FromName: "오즈세컨",
			FromEmail: "news@ozsecond.example.com", Kind: fanmail.SenderBrand, Address: "서울특별시 강남구 테헤란로 152", Phone: "02-555-0152"})
		if err != nil {
			t.Fatal(err)
		}
		cp, err := ta.Campaigns.CreateCampaign(context.Background(), fanmail.Campaign{Name: "봄 신상품", Kind: fanmail.CampaignMarketing,
			IsAd: true, SenderID: snd.ID, Subject: "봄 신상품 안내", Body: "<p>{{.Member.Name}}님, 봄 신상품이 도착했습니다.</p>\n{{footer}}"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ta.Campaigns.Schedule(context.Background(), cp.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		ta.SMTP.WaitForMatching(t, 1, campaignFinishTimeout, subject("봄 신상품 안내", stayer.Email))
		deadline := time.Now().Add(campaignFinishTimeout)
		for {
			c, err := ta.Campaigns.Campaign(context.Background(), cp.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status == fanmail.CampaignFinished {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("campaign still %s", c.Status)
			}
			time.Sleep(100 * time.Millisecond)
		}
		for _, m := range ta.SMTP.Messages() {
			if strings.Contains(m.Subject, "봄 신상품 안내") && strings.EqualFold(m.To[0], leaver.Email) {
				t.Errorf("the campaign reached the member who withdrew")
			}
		}
	})
}
