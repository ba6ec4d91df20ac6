package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/config"
)

// client returns an HTTP client with its own cookie jar that does not
// follow redirects, so tests see each 303.
func client(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// response is what a test looks at in an answer.
type response struct {
	Status int
	Header http.Header
	Body   string
}

// do sends req and reads the whole answer.
func do(t *testing.T, c *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
}

func get(t *testing.T, c *http.Client, u string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, c, req)
}

// getBearer requests u with "Authorization: Bearer token".
func getBearer(t *testing.T, c *http.Client, u, token string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return do(t, c, req)
}

// /metrics answers no one by default; with a token only those who bear it;
// with an address of its own only there.
func TestHTTP_Metrics(t *testing.T) {
	t.Run("Off", func(t *testing.T) {
		ta := startApp(t, "sqlite")
		if r := get(t, client(t), ta.URL+"/metrics"); r.Status != http.StatusNotFound || strings.Contains(r.Body, "go_goroutines") {
			t.Errorf("/metrics without configuration: %d, want 404", r.Status)
		}
	})
	t.Run("Token", func(t *testing.T) {
		ta := startApp(t, "sqlite", func(cfg *config.Config) { cfg.MetricsToken = "s3cret-scrape" })
		c := client(t)
		for _, token := range []string{"", "wrong", "s3cret"} {
			if r := getBearer(t, c, ta.URL+"/metrics", token); r.Status != http.StatusUnauthorized || strings.Contains(r.Body, "go_goroutines") {
				t.Errorf("/metrics with token %q: %d, want 401", token, r.Status)
			}
		}
		if r := getBearer(t, c, ta.URL+"/metrics", "s3cret-scrape"); r.Status != http.StatusOK || !strings.Contains(r.Body, "go_goroutines") {
			t.Errorf("/metrics with the token: %d", r.Status)
		}
	})
	t.Run("Address", func(t *testing.T) {
		ta := startApp(t, "sqlite", func(cfg *config.Config) { cfg.MetricsAddr = "127.0.0.1:0" })
		c := client(t)
		if r := get(t, c, ta.URL+"/metrics"); r.Status != http.StatusNotFound {
			t.Errorf("/metrics on the main address: %d, want 404", r.Status)
		}
		if r := get(t, c, "http://"+ta.MetricsAddr()+"/metrics"); r.Status != http.StatusOK || !strings.Contains(r.Body, "go_goroutines") {
			t.Errorf("/metrics on its own address: %d", r.Status)
		}
		if r := get(t, c, "http://"+ta.MetricsAddr()+"/admin/"); r.Status != http.StatusNotFound {
			t.Errorf("the metrics address serves other pages: %d", r.Status)
		}
		if r := get(t, c, "http://"+ta.MetricsAddr()+"/debug/pprof/heap?debug=1"); r.Status != http.StatusOK || !strings.Contains(r.Body, "heap profile") {
			t.Errorf("heap profile on the metrics address: %d", r.Status)
		}
		if r := get(t, c, ta.URL+"/debug/pprof/heap?debug=1"); r.Status != http.StatusNotFound {
			t.Errorf("heap profile on the main address: %d, want 404", r.Status)
		}
	})
	t.Run("AddressAndToken", func(t *testing.T) {
		ta := startApp(t, "sqlite", func(cfg *config.Config) { cfg.MetricsAddr = "127.0.0.1:0"; cfg.MetricsToken = "s3cret-scrape" })
		c := client(t)
		for _, path := range []string{"/metrics", "/debug/pprof/heap?debug=1", "/debug/pprof/goroutine?debug=1"} {
			if r := getBearer(t, c, "http://"+ta.MetricsAddr()+path, "wrong"); r.Status != http.StatusUnauthorized {
				t.Errorf("%s with a wrong token: %d, want 401", path, r.Status)
			}
			if r := getBearer(t, c, "http://"+ta.MetricsAddr()+path, "s3cret-scrape"); r.Status != http.StatusOK {
				t.Errorf("%s with the token: %d", path, r.Status)
			}
		}
	})
}

// The scanner window of the configuration reaches the tracking service.
func TestApp_ScannerWindow(t *testing.T) {
	ta := startApp(t, "sqlite", func(cfg *config.Config) { cfg.ScannerWindow = 3 * time.Second })
	if got := ta.Tracking.BotWindow(); got != 3*time.Second {
		t.Errorf("scanner window = %v, want 3s", got)
	}
}

// postForm posts form as a browser on the same site would (Sec-Fetch-Site:
// same-origin), with extra headers set on top.
func postForm(t *testing.T, c *http.Client, u string, form url.Values, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(t, c, req)
}

var staticCSS = regexp.MustCompile(`/static/[0-9a-f]+/app\.css`)

// TestHTTP_Operations checks the operator's endpoints, static assets and the
// OpenAPI document on the running process.
func TestHTTP_Operations(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		ta := startApp(t, engine, func(cfg *config.Config) { cfg.MetricsToken = "prometheus-scrape-token" })
		c := client(t)

		if r := get(t, c, ta.URL+"/healthz"); r.Status != http.StatusOK || strings.TrimSpace(r.Body) != "ok" {
			t.Errorf("/healthz: %d %q", r.Status, r.Body)
		}
		if r := get(t, c, ta.URL+"/readyz"); r.Status != http.StatusOK || strings.TrimSpace(r.Body) != "ready" {
			t.Errorf("/readyz: %d %q", r.Status, r.Body)
		}

		home := get(t, c, ta.URL+"/?lang=ko")
		if home.Status != http.StatusOK || !strings.Contains(home.Body, "오즈세컨") {
			t.Fatalf("home: status %d; want 200 listing the demo brand 오즈세컨", home.Status)
		}
		css := staticCSS.FindString(home.Body)
		if css == "" {
			t.Fatalf("home links no /static/{hash}/app.css")
		}
		r := get(t, c, ta.URL+css)
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
			t.Errorf("%s: %d %s", css, r.Status, r.Header.Get("Content-Type"))
		}
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
			t.Errorf("%s: Cache-Control %q, want a year and immutable", css, cc)
		}
		if r := get(t, c, ta.URL+"/static/0000/nothing.css"); r.Status != http.StatusNotFound {
			t.Errorf("unknown static file: %d, want 404", r.Status)
		}

		r = get(t, c, ta.URL+"/api/openapi.json")
		var doc struct {
			OpenAPI string         `json:"openapi"`
			Paths   map[string]any `json:"paths"`
		}
		if r.Status != http.StatusOK {
			t.Fatalf("/api/openapi.json: %d", r.Status)
		}
		if err := json.Unmarshal([]byte(r.Body), &doc); err != nil {
			t.Fatalf("/api/openapi.json: %v", err)
		}
		if !strings.HasPrefix(doc.OpenAPI, "3.") || doc.Paths["/api/v1/members"] == nil {
			t.Errorf("/api/openapi.json: version %q, %d paths; want OpenAPI 3 with /api/v1/members", doc.OpenAPI, len(doc.Paths))
		}
		if r := get(t, c, ta.URL+"/api/v1/members"); r.Status != http.StatusUnauthorized {
			t.Errorf("/api/v1/members without a token: %d, want 401", r.Status)
		}

		metrics := getBearer(t, c, ta.URL+"/metrics", "prometheus-scrape-token")
		for _, want := range []string{
			`fanmail_http_requests_total{route="GET /healthz",status="200"} 1`,
			`fanmail_http_requests_total{route="GET /{$}",status="200"} 1`,
			`fanmail_http_request_duration_seconds_bucket{route="GET /readyz"`,
			`go_goroutines`,
		} {
			if !strings.Contains(metrics.Body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
}

// TestHTTP_AdminSignIn signs in with the password Prepare printed and checks
// that forged and wrong sign-ins are refused.
func TestHTTP_AdminSignIn(t *testing.T) {
	ta := startApp(t, "sqlite")
	login := ta.URL + "/admin/login"

	c := client(t)
	if r := get(t, c, ta.URL+"/admin/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
		t.Errorf("/admin/ signed out: %d to %q, want 303 to the sign-in page", r.Status, r.Header.Get("Location"))
	}

	wrong := postForm(t, c, login+"?lang=ko", url.Values{"email": {ta.AdminEmail}, "password": {ta.AdminPassword + "x"}})
	if wrong.Status != http.StatusUnauthorized || !strings.Contains(wrong.Body, `id="login-error"`) {
		t.Errorf("wrong password: %d, want 401 with the error shown", wrong.Status)
	}

	// A form posted from another site is refused before the password is
	// even looked at.
	forged := postForm(t, c, login, url.Values{"email": {ta.AdminEmail}, "password": {ta.AdminPassword}},
		"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if forged.Status != http.StatusForbidden {
		t.Errorf("cross-site sign-in: %d, want 403", forged.Status)
	}
	if r := get(t, c, ta.URL+"/admin/"); r.Status == http.StatusOK {
		t.Fatalf("signed in after a forged or wrong sign-in")
	}

	ok := postForm(t, c, login, url.Values{"email": {ta.AdminEmail}, "password": {ta.AdminPassword}})
	if ok.Status != http.StatusSeeOther || ok.Header.Get("Location") != "/admin/" {
		t.Fatalf("sign-in with the printed password: %d to %q, want 303 to /admin/", ok.Status, ok.Header.Get("Location"))
	}
	dash := get(t, c, ta.URL+"/admin/")
	if dash.Status != http.StatusOK || !strings.Contains(dash.Body, `id="dashboard-counts"`) {
		t.Errorf("/admin/ signed in: %d, want the dashboard", dash.Status)
	}
	if strings.Contains(ta.Logs.String(), ta.AdminPassword) {
		t.Errorf("the app log contains the admin password")
	}
}

// joinForm returns a complete, valid join form with the profile survey
// answered.
func joinForm(t *testing.T, ta *testApp, code, email, name, phone string) url.Values {
	t.Helper()
	qs, err := ta.Members.ProfileQuestions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{
		"lang": {"ko"}, "code": {code}, "email": {email}, "name": {name}, "phone": {phone},
		"birth_year": {"1988"}, "gender": {"female"}, "postal_code": {"06236"}, "address": {"서울특별시 강남구 테헤란로 152"},
		"consent_terms": {"1"}, "consent_privacy": {"1"}, "consent_marketing_sms": {"1"},
	}
	for _, q := range qs {
		switch q.Kind {
		case fanmail.QuestionText:
			form.Set(fmt.Sprintf("q_%d_text", q.ID), "스타일쉐어")
		default:
			form.Set(fmt.Sprintf("q_%d", q.ID), fmt.Sprint(q.Options[0].ID))
		}
	}
	return form
}

// signIn returns a client signed in to the admin as the first admin.
func (ta *testApp) signIn(t *testing.T) *http.Client {
	t.Helper()
	c := client(t)
	r := postForm(t, c, ta.URL+"/admin/login", url.Values{"email": {ta.AdminEmail}, "password": {ta.AdminPassword}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d, want 303", r.Status)
	}
	return c
}

// apiToken returns a new API token with the admin role.
func (ta *testApp) apiToken(t *testing.T) string {
	t.Helper()
	admin, err := ta.Staff.UserByEmail(t.Context(), ta.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := ta.Staff.CreateToken(t.Context(), "test", fanmail.RoleAdmin, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

// TestHTTP_RegistrationLogsNoPersonalData registers a member over HTTP (with
// a refused attempt first), requests sign-in links for a member and a
// stranger, and checks that nothing logged names an address or phone number.
func TestHTTP_RegistrationLogsNoPersonalData(t *testing.T) {
	ta := startApp(t, "sqlite")
	c := client(t)
	const (
		email    = "Hyejin.Choi@Example.com"
		phone    = "010-5555-0123"
		stranger = "nobody.here@example.org"
	)
	form := joinForm(t, ta, "hyejin_c", email, "최혜진", phone)

	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("email", "hyejin.choi@")
	if r := postForm(t, c, ta.URL+"/join", bad); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "hyejin_c") {
		t.Errorf("join with a bad address: %d, want 422 showing what was typed", r.Status)
	}

	r := postForm(t, c, ta.URL+"/join", form)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/join/done") {
		t.Fatalf("join: %d to %q, want 303 to /join/done\n%s", r.Status, r.Header.Get("Location"), r.Body)
	}
	if r := postForm(t, c, ta.URL+"/join", form); r.Status != http.StatusConflict && r.Status != http.StatusUnprocessableEntity {
		t.Errorf("joining twice: %d, want 409 or 422", r.Status)
	}
	ta.waitMail(t, 1)

	for _, addr := range []string{stranger, email} {
		r := postForm(t, c, ta.URL+"/login", url.Values{"email": {addr}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login/sent" {
			t.Errorf("sign-in link for an address: %d to %q, want 303 to /login/sent", r.Status, r.Header.Get("Location"))
		}
	}
	signin := ta.waitMail(t, 2)
	if len(signin.To) != 1 || !strings.EqualFold(signin.To[0], email) {
		t.Errorf("sign-in mail went to %v, want the member only", signin.To)
	}

	log := ta.Logs.String()
	for _, want := range []string{`route="POST /join"`, `msg="message sent" kind=optin`} {
		if !strings.Contains(log, want) {
			t.Errorf("the app log lacks %q; is the log captured?", want)
		}
	}
	ta.assertNoPersonalData(t, email, phone, stranger, "hyejin.choi@")
}
