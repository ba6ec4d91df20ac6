package app

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// testApp is a whole fanmail process for end-to-end tests: the real App
// serving HTTP on 127.0.0.1 with its job queue, mailing to an in-process SMTP
// server.
type testApp struct {
	*App
	URL           string // base URL without a trailing slash, e.g. http://127.0.0.1:41234
	SMTP          *channeltest.SMTPServer
	AdminEmail    string // the first admin account printed by Prepare
	AdminPassword string
	Logs          *logBuffer // everything the app logged
}

// eachEngine runs fn on a fresh SQLite file and on a fresh PostgreSQL schema
// (skipped, or failed when required, without FANMAIL_TEST_POSTGRES_URL).
func eachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { fn(t, engine) })
	}
}

// databaseURL returns the URL of a fresh, empty database for engine.
func databaseURL(t *testing.T, engine string) string {
	t.Helper()
	switch engine {
	case "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "fanmail.db")
	case "postgres":
		base := storetest.PostgresURL(t)
		schema := storetest.NewSchema(t, base)
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("parse %s: %v", storetest.PostgresURLEnv, err)
		}
		// pgx sends unknown URL parameters as run-time parameters, so every
		// pooled connection (River's too) works in the test's schema.
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	t.Fatalf("unknown engine %q", engine)
	return ""
}

var (
	printedEmail    = regexp.MustCompile(`e-mail:\s+(\S+)`)
	printedPassword = regexp.MustCompile(`password:\s+(\S+)`)
)

// startApp opens, prepares (demo data, profile survey, first admin) and runs
// fanmail on engine ("sqlite" or "postgres") until the test ends; configure
// changes the test's configuration first.
func startApp(t *testing.T, engine string, configure ...func(*config.Config)) *testApp {
	t.Helper()
	dbURL := databaseURL(t, engine)
	smtp := channeltest.NewSMTPServer(t)
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// Runs last (cleanups run in reverse), after the app has stopped.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("app log:\n%s", logs.String())
		}
	})

	// Bind first: the mailed links need the port, and the config is fixed
	// once the app is open.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.HTTPAddr = ln.Addr().String()
	cfg.BaseURL = "http://" + ln.Addr().String()
	cfg.DatabaseURL = dbURL
	cfg.SMTPURL = smtp.URL()
	cfg.MediaDir = t.TempDir()
	cfg.Workers = 2
	for _, f := range configure {
		f(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		ln.Close()
		t.Fatal(err)
	}

	ctx := context.Background()
	a, err := Open(ctx, cfg, logger)
	if err != nil {
		ln.Close()
		t.Fatalf("open app: %v", err)
	}
	var out bytes.Buffer
	if err := a.Prepare(ctx, &out); err != nil {
		ln.Close()
		a.Close()
		t.Fatalf("prepare app: %v", err)
	}
	ta := &testApp{App: a, URL: cfg.BaseURL, SMTP: smtp, Logs: logs}
	if m := printedEmail.FindStringSubmatch(out.String()); m != nil {
		ta.AdminEmail = m[1]
	}
	if m := printedPassword.FindStringSubmatch(out.String()); m != nil {
		ta.AdminPassword = m[1]
	}
	// A test that restarts on its database (configure set DatabaseURL)
	// finds the admin made by the first start.
	if (ta.AdminEmail == "" || ta.AdminPassword == "") && cfg.DatabaseURL == dbURL {
		ln.Close()
		a.Close()
		t.Fatalf("Prepare printed no admin account:\n%s", out.String())
	}

	a.UseListener(ln) // the port the base URL names
	if err := a.ListenMetrics(); err != nil {
		a.Close()
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("app run: %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Errorf("app did not stop within 60s of cancellation")
		}
	})
	return ta
}

// waitMail waits for the n-th message (1-based) to arrive and returns it.
func (ta *testApp) waitMail(t *testing.T, n int) channeltest.Message {
	t.Helper()
	msgs := ta.SMTP.WaitFor(t, n, 60*time.Second)
	return msgs[n-1]
}

// mailLink returns the link in msg's text body whose path is path (e.g.
// "/confirm"), failing the test when there is none.
func mailLink(t *testing.T, msg channeltest.Message, path string) string {
	t.Helper()
	for _, l := range channeltest.Links(msg.Text) {
		if u, err := url.Parse(l); err == nil && u.Path == path {
			return l
		}
	}
	t.Fatalf("mail %q has no %s link; text:\n%s", msg.Subject, path, msg.Text)
	return ""
}

// confirmByMail confirms a membership as a person does: it opens the
// confirmation link (a page with one button), then presses the button.
func confirmByMail(t *testing.T, c *http.Client, link string) {
	t.Helper()
	if r := get(t, c, link); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="confirm-form"`) {
		t.Fatalf("confirmation page: %d\n%s", r.Status, r.Body)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	u.RawQuery = ""
	if r := postForm(t, c, u.String(), url.Values{"token": {mustQuery(t, link, "token")}}); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="confirmed"`) {
		t.Fatalf("confirm: %d\n%s", r.Status, r.Body)
	}
}

// mustQuery returns query parameter name of link, failing without one.
func mustQuery(t *testing.T, link, name string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Query().Get(name) == "" {
		t.Fatalf("link %q has no %s", link, name)
	}
	return u.Query().Get(name)
}

// assertNoPersonalData fails the test when the app's log holds any of the
// given e-mail addresses or phone numbers (in any of the usual spellings).
func (ta *testApp) assertNoPersonalData(t *testing.T, values ...string) {
	t.Helper()
	log := strings.ToLower(ta.Logs.String())
	for _, v := range values {
		forms := []string{strings.ToLower(v)}
		if digits := onlyDigits(v); len(digits) >= 9 && !strings.Contains(v, "@") {
			forms = append(forms, digits, "+82"+strings.TrimPrefix(digits, "0"))
		}
		for _, f := range forms {
			if strings.Contains(log, f) {
				t.Errorf("the app log contains personal data %q", f)
			}
		}
	}
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// logBuffer collects log output from many goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
