package app

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/fanmail/fanmail/internal/channel/channeltest"
)

// TestBrowser_Mailbox starts fanmail as the README's first command does, with
// no relay: the admin says mail is not leaving, a visitor joins, staff find
// the opt-in mail in the mailbox (list, HTML, text, raw) and its link
// confirms the member.
func TestBrowser_Mailbox(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		needBrowser(t)
		ta := startApp(t, engine, noRelay)
		b := newBrowser(t, ta.URL)
		const email = "jiwoo.han@example.com"

		b.signInAdmin(ta)
		b.waitVisible("#mail-not-leaving")
		if got := b.text("#mail-status"); !strings.Contains(got, "내장 메일함") {
			t.Errorf("dashboard mail status = %q; want it to name the built-in mailbox", got)
		}
		b.click("#banner-mailbox")
		b.waitVisible("#mailbox-empty")
		b.waitVisible("#relay")

		b.open("/join?lang=ko")
		b.waitVisible("#join-form")
		b.fill("#reg-code", "jiwoo_h")
		b.fill("#reg-email", email)
		b.fill("#reg-name", "한지우")
		b.fill("#reg-birth-year", "1993")
		b.choose("#reg-gender", "female")
		b.fill("#reg-phone", "010-7777-3456")
		b.fill("#reg-postal-code", "48058")
		b.fill("#reg-address", "부산광역시 해운대구 센텀중앙로 79")
		b.check(optionBox("occupation", "회사원(전문직)"))
		b.check(optionBox("style", "심플하면서도 여성스러움이 가미된 캐릭터 스타일"))
		b.check(optionBox("info_sources", "SNS"))
		b.check(optionBox("wanted_info", "이벤트나 세일 소식"))
		b.check(brandBox("casual", "오즈세컨"))
		b.check(`input[name="consent_terms"]`)
		b.check(`input[name="consent_privacy"]`)
		b.check(`input[name="consent_marketing_email"]`)
		b.click("#join-submit")
		b.waitVisible("#join-done")
		kept := ta.waitMailbox(t, email)

		// The list, newest first, then the message.
		b.open("/admin/mailbox?lang=ko")
		b.waitVisible("#mailbox")
		if rows := b.texts("#mailbox tbody tr"); len(rows) == 0 || !strings.Contains(rows[0], email) || !strings.Contains(rows[0], "이메일 주소를 확인해 주세요") {
			t.Fatalf("mailbox rows = %q; want the opt-in mail first", rows)
		}
		b.click("#mailbox tbody tr:first-child a")
		b.waitVisible("#mailbox-html")
		if sandbox := b.attr("#mailbox-html", "sandbox"); sandbox != "" {
			t.Errorf("the mail's frame allows %q; want a bare sandbox", sandbox)
		}
		text := b.text("#mailbox-text")
		if !strings.Contains(text, "한지우") {
			t.Errorf("text part does not greet the member:\n%s", text)
		}
		raw := b.attr("#mailbox-raw", "href")

		// The HTML the frame shows, under its own policy.
		b.open("/admin/mailbox/" + strconv.FormatInt(kept.ID, 10) + "/html")
		if html := b.html(); !strings.Contains(html, "/confirm") {
			t.Errorf("the mail's HTML has no confirmation link:\n%.500s", html)
		}
		c := ta.signIn(t)
		r := get(t, c, ta.URL+raw)
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "message/rfc822" || !strings.Contains(r.Body, "Subject: ") {
			t.Errorf("raw message: %d %q\n%.300s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}

		// The link confirms, with the page's button when it has one.
		b.open(mailLink(t, channeltest.Message{Subject: kept.Subject, Text: text}, "/confirm"))
		if b.count(`form[method="post"][action*="/confirm"] button`) > 0 {
			b.click(`form[method="post"][action*="/confirm"] button`)
		}
		b.waitVisible("#confirmed")
		m, err := ta.Members.MemberByEmail(context.Background(), email)
		if err != nil || !m.IsActive() {
			t.Errorf("member after confirming: %+v, %v; want active", m, err)
		}
		if n := len(ta.SMTP.Messages()); n != 0 {
			t.Errorf("%d mails reached an SMTP server with no relay set", n)
		}
	})
}
