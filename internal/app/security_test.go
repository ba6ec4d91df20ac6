package app

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// TestHTTP_SecurityHeaders checks the security headers on a route of every
// kind of every surface, signed in and out, found and not: each answer
// forbids inline script and framing, sniffing, and full referrers.
func TestHTTP_SecurityHeaders(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		ta := startApp(t, engine)
		staff := ta.signIn(t)
		token := ta.apiToken(t)
		member := storetest.MustCreateMember(t, ta.DB(), "jiwoo.han@example.com")
		home := get(t, client(t), ta.URL+"/")
		css := staticCSS.FindString(home.Body)

		type check struct {
			name, method, path string
			c                  *http.Client // signed in to the admin; nil: signed out
			referrer           string       // the Referrer-Policy wanted
			bearer             bool         // with the API token
		}
		const origin = "strict-origin-when-cross-origin"
		checks := []check{
			{"portal home", "GET", "/", nil, origin, false},
			{"portal catalogue", "GET", "/catalog", nil, origin, false},
			{"join form", "GET", "/join", nil, origin, false},
			{"member sign-in", "GET", "/login", nil, origin, false},
			{"portal signed out", "GET", "/portal", nil, origin, false},
			{"portal not found", "GET", "/no-such-page", nil, origin, false},
			{"portal form refused", "POST", "/login", nil, origin, false},
			{"staff sign-in", "GET", "/admin/login", nil, origin, false},
			{"admin signed out", "GET", "/admin/", nil, origin, false},
			{"dashboard", "GET", "/admin/", staff, origin, false},
			{"members", "GET", "/admin/members", staff, origin, false},
			{"member", "GET", fmt.Sprintf("/admin/members/%d", member.ID), staff, origin, false},
			{"campaigns", "GET", "/admin/campaigns", staff, origin, false},
			{"segment builder", "GET", "/admin/segments/new", staff, origin, false},
			{"imports", "GET", "/admin/imports", staff, origin, false},
			{"admin not found", "GET", "/admin/no-such-page", staff, origin, false},
			{"OpenAPI", "GET", "/api/openapi.json", nil, origin, false},
			{"API without token", "GET", "/api/v1/members", nil, origin, false},
			{"API members", "GET", "/api/v1/members", nil, origin, true},
			{"API member", "GET", fmt.Sprintf("/api/v1/members/%d", member.ID), nil, origin, true},
			{"API no endpoint", "GET", "/api/v1/nothing", nil, origin, true},
			{"open pixel", "GET", "/t/o/token/sig.gif", nil, "no-referrer", false},
			{"click", "GET", "/t/c/token/1/sig", nil, "no-referrer", false},
			{"unsubscribe page", "GET", "/u/token/sig", nil, "no-referrer", false},
			{"one-click unsubscribe", "POST", "/u/token/sig", nil, "no-referrer", false},
			{"bounce webhook", "POST", "/webhooks/bounces/acme", nil, origin, false},
			{"static", "GET", css, nil, origin, false},
			{"health", "GET", "/healthz", nil, origin, false},
			{"readiness", "GET", "/readyz", nil, origin, false},
			{"metrics", "GET", "/metrics", nil, origin, false},
		}
		for _, ck := range checks {
			t.Run(ck.name, func(t *testing.T) {
				c := ck.c
				if c == nil {
					c = client(t)
				}
				req, err := http.NewRequest(ck.method, ta.URL+ck.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				if ck.bearer {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				r := do(t, c, req)
				checkSecurityHeaders(t, r.Header, ck.referrer, false)
			})
		}
	})
}

// checkSecurityHeaders fails t unless h carries fanmail's security headers
// with the Referrer-Policy referrer and, with https, HSTS.
func checkSecurityHeaders(t *testing.T, h http.Header, referrer string, https bool) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-") {
		t.Errorf("Content-Security-Policy %q allows something unsafe", csp)
	}
	for name, want := range map[string]string{
		"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": referrer,
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := h.Get("Strict-Transport-Security"); (got != "") != https {
		t.Errorf("Strict-Transport-Security = %q with an https base URL %v", got, https)
	}
}

// TestApp_HSTS checks that an https base URL turns on HSTS, for every
// surface.
func TestApp_HSTS(t *testing.T) {
	cfg := config.Default()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "fanmail.db")
	cfg.BaseURL = "https://crm.example.com"
	cfg.MediaDir = t.TempDir()
	a, err := Open(t.Context(), cfg, slog.New(slog.NewTextHandler(t.Output(), nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	for _, path := range []string{"/", "/admin/login", "/api/openapi.json", "/u/token/sig", "/healthz"} {
		w := httptest.NewRecorder()
		a.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		referrer := "strict-origin-when-cross-origin"
		if strings.HasPrefix(path, "/u/") {
			referrer = "no-referrer"
		}
		t.Run(path, func(t *testing.T) { checkSecurityHeaders(t, w.Header(), referrer, true) })
	}
}
