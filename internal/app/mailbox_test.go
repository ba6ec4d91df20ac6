package app

import (
	"context"
	"encoding/json"
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
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/store"
)

// noRelay starts the app as the README's first command does: no SMTP URL.
func noRelay(c *config.Config) { c.SMTPURL = "" }

// waitMailbox waits until the mailbox holds a message matching query and
// returns the newest such message, or fails the test after a minute.
func (ta *testApp) waitMailbox(t *testing.T, query string) store.MailboxMessage {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		ms, err := ta.DB().MailboxMessages(t.Context(), store.MailboxFilter{Query: query})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) > 0 {
			return ms[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail for %q reached the mailbox within a minute", query)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var (
	formTag     = regexp.MustCompile(`(?s)<form([^>]*)>(.*?)</form>`)
	formAction  = regexp.MustCompile(`action="([^"]*confirm[^"]*)"`)
	hiddenInput = regexp.MustCompile(`<input[^>]*type="hidden"[^>]*>`)
	inputAttr   = regexp.MustCompile(`(name|value)="([^"]*)"`)
)

// confirmByLink opens a confirmation link as a member does: the page it
// shows, and its confirm button when it has one.
func confirmByLink(t *testing.T, c *http.Client, link string) {
	t.Helper()
	r := get(t, c, link)
	if r.Status >= 400 {
		t.Fatalf("confirmation link: %d\n%s", r.Status, r.Body)
	}
	var target, body string
	for _, f := range formTag.FindAllStringSubmatch(r.Body, -1) {
		if a := formAction.FindStringSubmatch(f[1]); a != nil && strings.Contains(strings.ToLower(f[1]), `method="post"`) {
			target, body = a[1], f[2]
		}
	}
	if target == "" {
		return // the link alone confirmed
	}
	form := url.Values{}
	for _, in := range hiddenInput.FindAllString(body, -1) {
		var name, value string
		for _, a := range inputAttr.FindAllStringSubmatch(in, -1) {
			if a[1] == "name" {
				name = a[2]
			} else {
				value = html.UnescapeString(a[2])
			}
		}
		form.Set(name, value)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	action, err := u.Parse(html.UnescapeString(target))
	if err != nil {
		t.Fatal(err)
	}
	if r := postForm(t, c, action.String(), form); r.Status >= 400 {
		t.Fatalf("confirm button: %d\n%s", r.Status, r.Body)
	}
}

// TestMailbox_ZeroConfig starts fanmail with no relay on each engine: a
// visitor joins, the opt-in mail is in the mailbox (admin, API, raw) and its
// link confirms; a campaign goes there too. Restarted with a relay, fanmail
// sends new mail and none of the mail kept in the mailbox.
func TestMailbox_ZeroConfig(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		dbURL := databaseURL(t, engine)
		const email = "seoyeon.kang@example.com"
		var adminEmail, adminPassword string // printed by the first start only
		t.Run("no relay", func(t *testing.T) {
			ta := startApp(t, engine, noRelay, func(c *config.Config) { c.DatabaseURL = dbURL })
			c := client(t)
			if r := postForm(t, c, ta.URL+"/join", joinForm(t, ta, "seoyeon_k", email, "강서연", "010-4444-0987")); r.Status != http.StatusSeeOther {
				t.Fatalf("join: %d\n%s", r.Status, r.Body)
			}
			kept := ta.waitMailbox(t, email)
			if kept.Kind != fanmail.MessageOptIn || kept.To != email {
				t.Errorf("kept mail: kind %q to %q; want %q to the member", kept.Kind, kept.To, fanmail.MessageOptIn)
			}

			adminEmail, adminPassword = ta.AdminEmail, ta.AdminPassword
			admin := ta.signIn(t)
			list := get(t, admin, ta.URL+"/admin/mailbox?q=seoyeon")
			if list.Status != http.StatusOK || !strings.Contains(list.Body, email) || !strings.Contains(list.Body, `id="mail-not-leaving"`) {
				t.Fatalf("mailbox list: %d\n%s", list.Status, list.Body)
			}
			page := get(t, admin, ta.URL+"/admin/mailbox/"+strconv.FormatInt(kept.ID, 10))
			if page.Status != http.StatusOK || !strings.Contains(page.Body, `id="mailbox-html"`) {
				t.Fatalf("mailbox message: %d\n%s", page.Status, page.Body)
			}
			frame := get(t, admin, ta.URL+"/admin/mailbox/"+strconv.FormatInt(kept.ID, 10)+"/html")
			if csp := frame.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || strings.Contains(csp, "script-src") ||
				!strings.Contains(frame.Body, "/confirm") {
				t.Errorf("mail HTML: CSP %q, body:\n%.300s", csp, frame.Body)
			}
			raw := get(t, admin, ta.URL+"/admin/mailbox/"+strconv.FormatInt(kept.ID, 10)+"/raw")
			if raw.Header.Get("Content-Type") != "message/rfc822" || !strings.Contains(raw.Body, "Message-ID:") {
				t.Errorf("raw mail: %q\n%.300s", raw.Header.Get("Content-Type"), raw.Body)
			}

			token := ta.apiToken(t)
			api := getBearer(t, c, ta.URL+"/api/v1/mailbox?q="+url.QueryEscape(email), token)
			var listed struct {
				On   bool `json:"on"`
				Data []struct {
					ID   int64  `json:"id"`
					Kind string `json:"kind"`
				} `json:"data"`
			}
			if err := json.Unmarshal([]byte(api.Body), &listed); err != nil || !listed.On || len(listed.Data) != 1 || listed.Data[0].ID != kept.ID {
				t.Fatalf("GET /api/v1/mailbox: %d %v\n%s", api.Status, err, api.Body)
			}
			one := getBearer(t, c, ta.URL+"/api/v1/mailbox/"+strconv.FormatInt(kept.ID, 10), token)
			var parsed struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal([]byte(one.Body), &parsed); err != nil {
				t.Fatalf("GET /api/v1/mailbox/{id}: %d %v", one.Status, err)
			}
			confirmByLink(t, c, mailLinkIn(t, parsed.Text, "/confirm"))
			m, err := ta.DB().MemberByEmail(t.Context(), email)
			if err != nil || !m.IsActive() {
				t.Fatalf("member after confirming: %+v, %v; want active", m, err)
			}

			// A campaign to the confirmed member lands in the mailbox too.
			snd, err := ta.Campaigns.CreateSender(t.Context(), fanmail.Sender{Name: "오즈세컨", FromName: "오즈세컨", FromEmail: "news@ozsecond.example", Kind: fanmail.SenderBrand})
			if err != nil {
				t.Fatal(err)
			}
			cp, err := ta.Campaigns.CreateCampaign(t.Context(), fanmail.Campaign{Name: "배송 안내", Kind: fanmail.CampaignTransactional,
				SenderID: snd.ID, Subject: "배송 일정 안내", Body: "안녕하세요, 배송 일정을 알려 드립니다."})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ta.Campaigns.Schedule(t.Context(), cp.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
			if got := ta.waitMailbox(t, "배송 일정"); got.Kind != "campaign" || got.To != email {
				t.Errorf("campaign mail kept: kind %q to %q", got.Kind, got.To)
			}
			if n := len(ta.SMTP.Messages()); n != 0 {
				t.Errorf("%d mails reached an SMTP server with no relay set", n)
			}
		})

		t.Run("relay set", func(t *testing.T) {
			ta := startApp(t, engine, func(c *config.Config) { c.DatabaseURL = dbURL })
			ta.AdminEmail, ta.AdminPassword = adminEmail, adminPassword
			c := client(t)
			if r := postForm(t, c, ta.URL+"/login", url.Values{"email": {email}}); r.Status != http.StatusSeeOther {
				t.Fatalf("sign-in link: %d", r.Status)
			}
			signin := ta.waitMail(t, 1)
			counts, err := ta.DB().MessageCounts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if counts["queued"] != 0 || counts["failed"] != 0 {
				t.Errorf("outbox after restart: %v; want every message sent or being sent", counts)
			}
			for _, msg := range ta.SMTP.Messages() {
				if msg.Subject != signin.Subject {
					t.Errorf("a mail kept in the mailbox was sent after the relay was set: %q", msg.Subject)
				}
			}
			if r := get(t, ta.signIn(t), ta.URL+"/admin/"); strings.Contains(r.Body, `id="mail-not-leaving"`) {
				t.Errorf("with a relay set the admin still says mail is not leaving")
			}
		})
	})
}

// mailLinkIn returns the link in text whose path is path.
func mailLinkIn(t *testing.T, text, path string) string {
	t.Helper()
	return mailLink(t, channeltest.Message{Subject: "mailbox", Text: text}, path)
}
