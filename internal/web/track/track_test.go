package track_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/tracking"
	"github.com/fanmail/fanmail/internal/tracking/trackingtest"
	"github.com/fanmail/fanmail/internal/web"
	"github.com/fanmail/fanmail/internal/web/track"
)

var (
	testURLs      = tracking.URLs{Base: "https://fan.example.com", Secret: []byte("test-tracking-key")}
	webhookSecret = []byte("provider-shared-secret")
)

type env struct {
	db  *store.DB
	svc *tracking.Service
	srv *httptest.Server
}

// newEnv serves the tracking routes on a root mux whose catch-all is behind
// cross-origin protection, as in the app (the portal owns "/").
func newEnv(t *testing.T, db *store.DB) env {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	svc := tracking.New(db, logger, tracking.Options{URLs: testURLs})
	t.Cleanup(func() { svc.Close(context.Background()) })
	h, err := track.New(track.Deps{Logger: logger, Tracking: svc, WebhookSecret: webhookSecret})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", web.CrossOrigin(func(w http.ResponseWriter, r *http.Request, status int, err error) {
		http.Error(w, "refused", status)
	}, http.NotFoundHandler()))
	h.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return env{db: db, svc: svc, srv: srv}
}

// local turns a mailed URL into one of the test server.
func (e env) local(u string) string { return e.srv.URL + strings.TrimPrefix(u, testURLs.Base) }

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func do(t *testing.T, method, url string, body io.Reader, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestOpenAndClick(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := trackingtest.Seed(t, db, trackingtest.Options{TrackPeople: true, SentAgo: time.Hour,
			Links: []string{"https://shop.example.com/ozsecond?utm_source=fanmail"}})
		other := trackingtest.Seed(t, db, trackingtest.Options{SentAgo: time.Hour, Links: []string{"https://evil.example.net/"}})
		a := c.Sends[0]

		res, body := do(t, "GET", e.local(testURLs.Open(a.Token)), nil, nil)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/gif" || !strings.HasPrefix(body, "GIF89a") ||
			!strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
			t.Errorf("pixel: %d %v %q", res.StatusCode, res.Header, body)
		}
		res, _ = do(t, "HEAD", e.local(testURLs.Open(a.Token)), nil, nil)
		if res.StatusCode != 200 {
			t.Errorf("HEAD pixel: %d", res.StatusCode)
		}
		res, _ = do(t, "GET", e.local(testURLs.Click(a.Token, c.Links[0])), nil, nil)
		if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "https://shop.example.com/ozsecond?utm_source=fanmail" {
			t.Errorf("click: %d Location %q", res.StatusCode, res.Header.Get("Location"))
		}

		forged := []string{
			e.local(altered(testURLs.Open(a.Token))),
			e.local(altered(testURLs.Click(a.Token, c.Links[0]))),
			strings.Replace(e.local(testURLs.Open(a.Token)), a.Token, tracking.NewSendToken(), 1),
			strings.TrimSuffix(e.local(testURLs.Open(a.Token)), ".gif"),
			// a valid signature for a link of another campaign: no open redirect
			e.local(testURLs.Click(a.Token, other.Links[0])),
			// the signature of link 1 on link 2
			strings.Replace(e.local(testURLs.Click(a.Token, c.Links[0])), "/"+itoa(c.Links[0])+"/", "/"+itoa(other.Links[0])+"/", 1),
		}
		for _, u := range forged {
			if res, _ := do(t, "GET", u, nil, nil); res.StatusCode != 404 || res.Header.Get("Location") != "" {
				t.Errorf("GET %s: %d, want 404", u, res.StatusCode)
			}
		}

		if err := e.svc.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ev := range trackingtest.Events(t, db, c.ID) {
			got = append(got, ev.Kind+map[bool]string{true: "/bot", false: ""}[ev.IsBot])
		}
		if strings.Join(got, " ") != "open open/bot click" {
			t.Errorf("events = %v", got)
		}
		if n := trackingtest.Count(t, db, `SELECT COUNT(*) FROM events`); n != 3 {
			t.Errorf("%d events in all, want 3", n)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// altered changes the last character of the signature in a mailed URL.
func altered(u string) string {
	suffix := ""
	if strings.HasSuffix(u, ".gif") {
		u, suffix = strings.TrimSuffix(u, ".gif"), ".gif"
	}
	last := "A"
	if strings.HasSuffix(u, "A") {
		last = "B"
	}
	return u[:len(u)-1] + last + suffix
}

func TestUnsubscribe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		c := trackingtest.Seed(t, db, trackingtest.Options{Name: "오즈세컨 봄 세일", SentAgo: time.Hour})
		a := c.Sends[0]
		page := e.local(testURLs.Unsubscribe(a.Token))
		consents := func() int {
			return trackingtest.Count(t, db, `SELECT COUNT(*) FROM consents WHERE member_id = $1`, a.MemberID)
		}

		// The page names who the mail came from, never the campaign's
		// internal name.
		snd, err := db.CreateSender(ctx, fanmail.Sender{Name: "오즈세컨 강남점", FromName: "오즈세컨", FromEmail: "news@ozsecond.example"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, `UPDATE campaigns SET sender_id = $1 WHERE id = $2`, snd.ID, c.ID); err != nil {
			t.Fatal(err)
		}

		t.Run("GET changes nothing", func(t *testing.T) {
			res, body := do(t, "GET", page, nil, nil)
			if res.StatusCode != 200 || !strings.Contains(body, "광고성 메일 수신을 거부하시겠습니까?") ||
				!strings.Contains(body, `action="`+strings.TrimPrefix(page, e.srv.URL)+`"`) || !strings.Contains(body, "오즈세컨에서 보낸 메일입니다.") {
				t.Errorf("GET: %d\n%s", res.StatusCode, body)
			}
			if strings.Contains(body, "봄 세일") {
				t.Errorf("the page shows the campaign's internal name:\n%s", body)
			}
			res, body = do(t, "GET", page+"?lang=en", nil, nil)
			if !strings.Contains(body, "Do you want to stop receiving marketing e-mail") {
				t.Errorf("GET ?lang=en: %d\n%s", res.StatusCode, body)
			}
			if consents() != 1 || trackingtest.Count(t, db, `SELECT COUNT(*) FROM suppressions`) != 0 || len(trackingtest.Events(t, db, c.ID)) != 0 {
				t.Error("GET changed something")
			}
		})

		t.Run("ErrForged", func(t *testing.T) {
			bad := strings.Replace(page, "/u/"+a.Token+"/", "/u/"+tracking.NewSendToken()+"/", 1)
			for _, method := range []string{"GET", "POST"} {
				res, body := do(t, method, bad, strings.NewReader("List-Unsubscribe=One-Click"),
					map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
				if res.StatusCode != 404 || !strings.Contains(body, "올바르지 않은 수신 거부 링크입니다") {
					t.Errorf("%s forged: %d\n%s", method, res.StatusCode, body)
				}
			}
			if consents() != 1 || trackingtest.Count(t, db, `SELECT COUNT(*) FROM suppressions`) != 0 {
				t.Error("a forged link changed something")
			}
		})

		t.Run("TestMail", func(t *testing.T) {
			// A test mail's link is signed like any other, for a send that
			// does not exist: it says so instead of showing an error.
			test := e.local(testURLs.Unsubscribe(tracking.TestToken))
			for _, method := range []string{"GET", "POST"} {
				res, body := do(t, method, test, strings.NewReader("List-Unsubscribe=One-Click"), nil)
				if res.StatusCode != 200 || !strings.Contains(body, `id="unsubscribe-test"`) || strings.Contains(body, "<form") {
					t.Errorf("%s a test mail's link: %d\n%s", method, res.StatusCode, body)
				}
			}
			if consents() != 1 || trackingtest.Count(t, db, `SELECT COUNT(*) FROM suppressions`) != 0 {
				t.Error("a test mail's link changed something")
			}
		})

		t.Run("POST one-click", func(t *testing.T) {
			// As a mail provider sends it (RFC 8058): cross-site, no cookie, no token.
			res, body := do(t, "POST", page, strings.NewReader("List-Unsubscribe=One-Click"), map[string]string{
				"Content-Type":   "application/x-www-form-urlencoded",
				"Origin":         "https://mail.example.net",
				"Sec-Fetch-Site": "cross-site",
			})
			if res.StatusCode != 200 || !strings.Contains(body, "수신 거부되었습니다") {
				t.Fatalf("POST: %d\n%s", res.StatusCode, body)
			}
			hist, err := db.ConsentHistory(ctx, a.MemberID)
			if err != nil {
				t.Fatal(err)
			}
			if len(hist) != 2 || hist[1].Granted || hist[1].Source != "unsubscribe" || hist[1].Purpose != fanmail.PurposeMarketingEmail || hist[1].IP != "127.0.0.1" {
				t.Errorf("consent history = %+v", hist)
			}
			if ok, _ := db.IsSuppressed(ctx, a.Email); !ok {
				t.Error("not suppressed")
			}
			if es := trackingtest.Events(t, db, c.ID); len(es) != 1 || es[0].Kind != "unsubscribe" || es[0].SendID != a.ID {
				t.Errorf("events = %+v", es)
			}
			// The page now says so, and a second POST changes nothing.
			if _, body := do(t, "GET", page, nil, nil); !strings.Contains(body, `id="unsubscribe-done"`) || strings.Contains(body, "<form") {
				t.Errorf("GET after unsubscribing:\n%s", body)
			}
			if res, _ := do(t, "POST", page, nil, nil); res.StatusCode != 200 || consents() != 2 || len(trackingtest.Events(t, db, c.ID)) != 1 {
				t.Errorf("second POST: %d, %d consent rows", res.StatusCode, consents())
			}
		})
	})
}

func TestWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		c := trackingtest.Seed(t, db, trackingtest.Options{Members: 2, SentAgo: time.Hour})
		body := []byte(`{"events":[{"type":"bounce","bounce_type":"hard","token":"` + c.Sends[0].Token + `"},` +
			`{"type":"complaint","email":"` + c.Sends[1].Email + `"}]}`)
		url := e.srv.URL + "/webhooks/bounces/postmark"
		json := map[string]string{"Content-Type": "application/json"}

		for name, sig := range map[string]string{
			"missing":        "",
			"wrong secret":   tracking.SignWebhook([]byte("guess"), body),
			"other body":     tracking.SignWebhook(webhookSecret, []byte(`{"events":[]}`)),
			"not hex":        "sha256=zz",
			"truncated hmac": tracking.SignWebhook(webhookSecret, body)[:40],
		} {
			h := map[string]string{"Content-Type": "application/json", tracking.WebhookSignatureHeader: sig}
			res, rb := do(t, "POST", url, bytes.NewReader(body), h)
			if res.StatusCode != 401 || !strings.Contains(rb, `"unauthorized"`) {
				t.Errorf("%s signature: %d %s", name, res.StatusCode, rb)
			}
		}
		if n := trackingtest.Count(t, db, `SELECT COUNT(*) FROM suppressions`); n != 0 {
			t.Fatalf("%d suppressions after refused webhooks", n)
		}
		if n := trackingtest.Count(t, db, `SELECT COUNT(*) FROM events`); n != 0 {
			t.Fatalf("%d events after refused webhooks", n)
		}

		json[tracking.WebhookSignatureHeader] = tracking.SignWebhook(webhookSecret, body)
		res, rb := do(t, "POST", url, bytes.NewReader(body), json)
		if res.StatusCode != 200 || strings.TrimSpace(rb) != `{"applied":2,"duplicate":0,"unknown":0,"invalid":0}` {
			t.Fatalf("good signature: %d %s", res.StatusCode, rb)
		}
		for _, s := range c.Sends {
			if ok, _ := db.IsSuppressed(ctx, s.Email); !ok {
				t.Errorf("send %d not suppressed", s.ID)
			}
		}
		if res, _ := do(t, "POST", e.srv.URL+"/webhooks/bounces/Bad..Name", bytes.NewReader(body), json); res.StatusCode != 404 {
			t.Errorf("bad provider name: %d", res.StatusCode)
		}
		bad := []byte(`{"events":"nope"}`)
		json[tracking.WebhookSignatureHeader] = tracking.SignWebhook(webhookSecret, bad)
		if res, _ := do(t, "POST", url, bytes.NewReader(bad), json); res.StatusCode != 422 {
			t.Errorf("bad body: %d", res.StatusCode)
		}
	})
}

// Every text the templates show has a Korean translation.
func TestTemplatesTranslated(t *testing.T) {
	re := regexp.MustCompile(`\{\{t \.Lang "([^"]+)"`)
	err := fs.WalkDir(os.DirFS("templates"), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile("templates/" + path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !i18n.Has(m[1]) {
				t.Errorf("%s: no Korean for %q", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
