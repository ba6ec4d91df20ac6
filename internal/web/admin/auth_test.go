package admin_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/delivery/deliverytest"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/throttle"
	"github.com/fanmail/fanmail/internal/web/admin"
)

// staffEnv is the admin surface on the real router over a test database.
type staffEnv struct {
	db      *store.DB
	mux     *http.ServeMux
	staff   *staff.Service
	members *member.Service
}

const staffTestPassword = "correct horse battery"

func newStaffEnv(t *testing.T, db *store.DB) *staffEnv { return newStaffEnvMailing(t, db, nil) }

// newStaffEnvMailing is newStaffEnv whose staff sign-in links go through a
// real outbox to smtp (nil: mail is not configured).
func newStaffEnvMailing(t *testing.T, db *store.DB, smtp *channeltest.SMTPServer) *staffEnv {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	cfg := config.Default()
	cfg.BaseURL = "http://fanmail.test"
	cfg.MediaDir = t.TempDir()
	mailer := delivery.NewMailer(nil, cfg.MailFrom, logger)
	opts := staff.Options{BaseURL: cfg.BaseURL}
	var outbox *delivery.Outbox
	if smtp != nil {
		outbox = deliverytest.Start(t, db, smtp.URL())
		opts.AfterCommit = outbox.Notify
	}
	e := &staffEnv{
		db:      db,
		mux:     http.NewServeMux(),
		staff:   staff.New(db, logger, opts),
		members: member.New(db, mailer, member.Options{AgeBands: cfg.AgeBands, BaseURL: cfg.BaseURL}, logger),
	}
	if outbox != nil {
		outbox.RegisterAll(e.staff.Renderers())
	}
	d := admin.FullDeps(t, db, cfg, logger)
	d.Staff, d.Members = e.staff, e.members
	h, err := admin.New(d)
	if err != nil {
		t.Fatal(err)
	}
	h.Routes(e.mux)
	return e
}

// user creates an active staff user with staffTestPassword.
func (e *staffEnv) user(t *testing.T, email, role string) fanmail.User {
	t.Helper()
	u, err := e.staff.CreateUser(context.Background(), staff.NewUser{Email: email, Name: "박서준", Role: role, Password: staffTestPassword})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// staffResponse is a finished request.
type staffResponse struct {
	*http.Response
	Body string
}

// do serves req and returns the response with its body read.
func (e *staffEnv) do(t *testing.T, req *http.Request) staffResponse {
	t.Helper()
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return staffResponse{Response: res, Body: string(body)}
}

// get requests path with the session cookie (nil = none).
func (e *staffEnv) get(t *testing.T, path string, c *http.Cookie) staffResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if c != nil {
		req.AddCookie(c)
	}
	return e.do(t, req)
}

// post submits form to path with the session cookie (nil = none), as a
// same-origin browser would.
func (e *staffEnv) post(t *testing.T, path string, form url.Values, c *http.Cookie) staffResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if c != nil {
		req.AddCookie(c)
	}
	return e.do(t, req)
}

// signIn signs in and returns the session cookie.
func (e *staffEnv) signIn(t *testing.T, email string) *http.Cookie {
	t.Helper()
	res := e.post(t, "/admin/login", url.Values{"email": {email}, "password": {staffTestPassword}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: status %d, body:\n%s", email, res.StatusCode, res.Body)
	}
	c := sessionCookie(res)
	if c == nil {
		t.Fatalf("sign in %s: no session cookie", email)
	}
	return c
}

// sessionCookie returns the staff session cookie res sets, or nil.
func sessionCookie(res staffResponse) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == "fanmail_staff" && c.Value != "" {
			return c
		}
	}
	return nil
}

func TestLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStaffEnv(t, db)
		e.user(t, "jihoon@example.com", fanmail.RoleAdmin)

		t.Run("OK", func(t *testing.T) {
			res := e.post(t, "/admin/login", url.Values{"email": {"Jihoon@Example.com"}, "password": {staffTestPassword}}, nil)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/" {
				t.Fatalf("status %d, Location %q; want 303 to /admin/", res.StatusCode, res.Header.Get("Location"))
			}
			var c *http.Cookie
			for _, x := range res.Cookies() {
				if x.Name == "fanmail_staff" {
					c = x
				}
			}
			if c == nil || !c.HttpOnly || c.Path != "/admin" || c.SameSite != http.SameSiteLaxMode {
				t.Fatalf("session cookie = %+v; want HttpOnly, path /admin, SameSite=Lax", c)
			}
			home := e.get(t, "/admin/", c)
			if home.StatusCode != http.StatusOK || !strings.Contains(home.Body, `id="dashboard-counts"`) {
				t.Errorf("dashboard: status %d, body:\n%s", home.StatusCode, home.Body)
			}
			if !strings.Contains(home.Body, `id="mail-not-leaving"`) || !strings.Contains(home.Body, `href="/admin/mailbox"`) {
				t.Errorf("dashboard does not say mail stays in the mailbox")
			}
			u, err := e.staff.UserByID(context.Background(), 1)
			if err != nil || u.LastLoginAt == nil {
				t.Errorf("last login not recorded: %+v, %v", u, err)
			}
		})
		t.Run("BadPasswordInKorean", func(t *testing.T) {
			for _, email := range []string{"jihoon@example.com", "nobody@example.com"} {
				req := httptest.NewRequest(http.MethodPost, "/admin/login", strings.NewReader(url.Values{"email": {email}, "password": {"wrong password!"}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Accept-Language", "ko-KR,ko;q=0.9,en;q=0.8")
				res := e.do(t, req)
				if res.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s: status %d, want 401", email, res.StatusCode)
				}
				if !strings.Contains(res.Body, "이메일 주소 또는 비밀번호가 올바르지 않습니다.") {
					t.Errorf("%s: no Korean error in body:\n%s", email, res.Body)
				}
				if !strings.Contains(res.Body, `value="`+email+`"`) {
					t.Errorf("%s: typed address not kept", email)
				}
				for _, c := range res.Cookies() {
					if c.Name == "fanmail_staff" {
						t.Errorf("%s: session cookie set on failure", email)
					}
				}
			}
		})
		t.Run("TooManyFailures", func(t *testing.T) {
			e.user(t, "seoyeon@example.com", fanmail.RoleMarketer)
			try := func(password string) staffResponse {
				req := httptest.NewRequest(http.MethodPost, "/admin/login", strings.NewReader(url.Values{"email": {"seoyeon@example.com"}, "password": {password}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Accept-Language", "ko")
				return e.do(t, req)
			}
			for range staff.MaxLoginFailures {
				if res := try("guess"); res.StatusCode != http.StatusUnauthorized {
					t.Fatalf("status %d, want 401", res.StatusCode)
				}
			}
			res := try(staffTestPassword)
			if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.Body, "로그인 실패가 너무 많습니다. 15분 뒤에 다시 시도하세요.") {
				t.Errorf("status %d, want 429 with the Korean message; body:\n%s", res.StatusCode, res.Body)
			}
			for _, c := range res.Cookies() {
				if c.Name == "fanmail_staff" && c.Value != "" {
					t.Error("session started while refused")
				}
			}
		})
		t.Run("BadPasswordInEnglish", func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/admin/login", strings.NewReader(url.Values{"email": {"jihoon@example.com"}, "password": {"nope"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept-Language", "en-US")
			res := e.do(t, req)
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, "The e-mail address or password is wrong.") {
				t.Errorf("status %d, body:\n%s", res.StatusCode, res.Body)
			}
		})
		t.Run("NextIsFollowedOnlyWithinAdmin", func(t *testing.T) {
			for next, want := range map[string]string{
				"/admin/members?q=kim":      "/admin/members?q=kim",
				"https://evil.example/":     "/admin/",
				"//evil.example/admin/":     "/admin/",
				"/admin/../portal":          "/admin/",
				"/other":                    "/admin/",
				"/admin/\\evil.example":     "/admin/",
				"/admin/login?next=/admin/": "/admin/",
			} {
				res := e.post(t, "/admin/login", url.Values{"email": {"jihoon@example.com"}, "password": {staffTestPassword}, "next": {next}}, nil)
				if got := res.Header.Get("Location"); got != want {
					t.Errorf("next %q: redirected to %q, want %q", next, got, want)
				}
			}
		})
		t.Run("LoginFormKeepsNext", func(t *testing.T) {
			res := e.get(t, "/admin/members", nil)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/login?next=/admin/members" {
				t.Fatalf("anonymous: status %d Location %q", res.StatusCode, res.Header.Get("Location"))
			}
			form := e.get(t, "/admin/login?next=/admin/members", nil)
			if form.StatusCode != http.StatusOK || !strings.Contains(form.Body, `name="next" value="/admin/members"`) {
				t.Errorf("login form: status %d body:\n%s", form.StatusCode, form.Body)
			}
		})
		t.Run("CrossSitePostRefused", func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/admin/login", strings.NewReader(url.Values{"email": {"jihoon@example.com"}, "password": {staffTestPassword}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			req.Header.Set("Accept-Language", "ko")
			res := e.do(t, req)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403", res.StatusCode)
			}
			if len(res.Cookies()) != 0 {
				t.Errorf("cookies set on a refused post: %v", res.Cookies())
			}
			if !strings.Contains(res.Body, "다른 사이트에서 보낸 요청이라 거부했습니다.") {
				t.Errorf("no Korean refusal in body:\n%s", res.Body)
			}
		})
		t.Run("InactiveUserRefused", func(t *testing.T) {
			u := e.user(t, "gone@example.com", fanmail.RoleCounsellor)
			off := false
			if _, err := e.staff.UpdateUser(context.Background(), u.ID, staff.UserUpdate{Active: &off}); err != nil {
				t.Fatal(err)
			}
			res := e.post(t, "/admin/login", url.Values{"email": {"gone@example.com"}, "password": {staffTestPassword}}, nil)
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", res.StatusCode)
			}
		})
		t.Run("Logout", func(t *testing.T) {
			c := e.signIn(t, "jihoon@example.com")
			res := e.post(t, "/admin/logout", nil, c)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/login" {
				t.Fatalf("logout: status %d Location %q", res.StatusCode, res.Header.Get("Location"))
			}
			if after := e.get(t, "/admin/", c); after.StatusCode != http.StatusSeeOther {
				t.Errorf("old cookie after logout: status %d, want 303 to login", after.StatusCode)
			}
		})
	})
}

// A session cookie the browser brought to the sign-in (perhaps planted by
// someone who signed in themselves) is not carried over: its session is
// deleted and a new one starts.
func TestLogin_SessionFixation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStaffEnv(t, db)
		e.user(t, "jihoon@example.com", fanmail.RoleAdmin)
		e.user(t, "intruder@example.com", fanmail.RoleCounsellor)
		planted := e.signIn(t, "intruder@example.com")
		res := e.post(t, "/admin/login", url.Values{"email": {"jihoon@example.com"}, "password": {staffTestPassword}}, planted)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in: status %d", res.StatusCode)
		}
		fresh := sessionCookie(res)
		if fresh == nil || fresh.Value == planted.Value {
			t.Fatalf("session cookie after sign-in = %v, want a new one", fresh)
		}
		if got := e.get(t, "/admin/", planted); got.StatusCode != http.StatusSeeOther {
			t.Errorf("planted session after the sign-in: status %d, want 303 to the login", got.StatusCode)
		}
		if got := e.get(t, "/admin/users", fresh); got.StatusCode != http.StatusOK {
			t.Errorf("new session: status %d", got.StatusCode)
		}
	})
}

// postFrom submits form to path from the client at addr.
func (e *staffEnv) postFrom(t *testing.T, addr, path string, form url.Values) staffResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "ko")
	req.RemoteAddr = addr + ":40000"
	return e.do(t, req)
}

// A guesser is refused while the owner, elsewhere, signs in; when guesses
// from many clients lock the account, the owner gets in with a mailed link.
func TestLogin_Throttled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		smtp := channeltest.NewSMTPServer(t)
		e := newStaffEnvMailing(t, db, smtp)
		e.user(t, "jihoon@example.com", fanmail.RoleAdmin)
		login := func(addr, password string) staffResponse {
			return e.postFrom(t, addr, "/admin/login", url.Values{"email": {"jihoon@example.com"}, "password": {password}})
		}
		for range staff.MaxLoginFailures {
			login("198.51.100.66", "guess")
		}
		if res := login("198.51.100.66", staffTestPassword); res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("guesser: status %d, want 429", res.StatusCode)
		}
		if res := login("203.0.113.7", staffTestPassword); res.StatusCode != http.StatusSeeOther {
			t.Errorf("owner elsewhere: status %d, want 303", res.StatusCode)
		}
		for i := range throttle.DefaultSignInLimits.Account.Max {
			login(fmt.Sprintf("192.0.2.%d", i+1), "guess")
		}
		res := login("203.0.113.7", staffTestPassword)
		if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.Body, `<details open id="login-mail">`) ||
			!strings.Contains(res.Body, "이 계정의 로그인 실패가 너무 많습니다.") {
			t.Fatalf("owner of a locked account: status %d, body:\n%s", res.StatusCode, res.Body)
		}
		for _, addr := range []string{"nobody@example.com", "jihoon@example.com"} {
			res = e.postFrom(t, "203.0.113.7", "/admin/login/mail", url.Values{"email": {addr}})
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login?flash=") {
				t.Fatalf("ask for a link for %s: status %d, Location %q", addr, res.StatusCode, res.Header.Get("Location"))
			}
		}
		if flash := e.get(t, res.Header.Get("Location")+"&lang=ko", nil); !strings.Contains(flash.Body, "로그인 링크를 메일로 보냈습니다") {
			t.Errorf("no Korean notice after asking for a link:\n%s", flash.Body)
		}
		msg := smtp.WaitFor(t, 1, 10*time.Second)[0]
		links := channeltest.Links(msg.Text)
		if len(links) != 1 || msg.To[0] != "jihoon@example.com" {
			t.Fatalf("mail to %v with links %v", msg.To, links)
		}
		path := strings.TrimPrefix(links[0], "http://fanmail.test")
		confirm := e.get(t, path, nil)
		if confirm.StatusCode != http.StatusOK || !strings.Contains(confirm.Body, `id="login-link-confirm"`) {
			t.Fatalf("link page: status %d, body:\n%s", confirm.StatusCode, confirm.Body)
		}
		token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(confirm.Body)[1]
		res = e.postFrom(t, "203.0.113.7", "/admin/login/link", url.Values{"token": {token}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/" {
			t.Fatalf("sign in with the link: status %d, Location %q", res.StatusCode, res.Header.Get("Location"))
		}
		if c := sessionCookie(res); c == nil || e.get(t, "/admin/users", c).StatusCode != http.StatusOK {
			t.Error("no working session after the link")
		}
		res = e.postFrom(t, "203.0.113.7", "/admin/login/link", url.Values{"token": {token}})
		if res.StatusCode != http.StatusGone || !strings.Contains(res.Body, `id="link-error"`) {
			t.Errorf("link used twice: status %d", res.StatusCode)
		}
	})
}

func TestRoles(t *testing.T) {
	db := storetest.OpenSQLite(t)
	e := newStaffEnv(t, db)
	shop, err := db.UpsertShop(context.Background(), fanmail.Shop{Code: "myeongdong", Name: "명동점"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.staff.CreateUser(context.Background(), staff.NewUser{Email: "shop@example.com", Role: fanmail.RoleShopStaff, ShopID: shop.ID, Password: staffTestPassword}); err != nil {
		t.Fatal(err)
	}
	e.user(t, "counsel@example.com", fanmail.RoleCounsellor)
	e.user(t, "admin@example.com", fanmail.RoleAdmin)

	res := e.post(t, "/admin/login", url.Values{"email": {"shop@example.com"}, "password": {staffTestPassword}}, nil)
	if res.Header.Get("Location") != "/admin/shop" {
		t.Errorf("shop staff land on %q, want /admin/shop", res.Header.Get("Location"))
	}
	shopC := e.signIn(t, "shop@example.com")
	counselC := e.signIn(t, "counsel@example.com")
	adminC := e.signIn(t, "admin@example.com")

	tests := []struct {
		who  string
		c    *http.Cookie
		path string
		want int
	}{
		{"shop", shopC, "/admin/users", http.StatusForbidden},
		{"shop", shopC, "/admin/tokens", http.StatusForbidden},
		{"shop", shopC, "/admin/catalog", http.StatusForbidden},
		{"shop", shopC, "/admin/members", http.StatusOK},
		{"shop", shopC, "/admin/", http.StatusSeeOther},
		{"counsellor", counselC, "/admin/users", http.StatusForbidden},
		{"counsellor", counselC, "/admin/members", http.StatusOK},
		{"counsellor", counselC, "/admin/", http.StatusOK},
		{"admin", adminC, "/admin/users", http.StatusOK},
		{"admin", adminC, "/admin/tokens", http.StatusOK},
		{"admin", adminC, "/admin/members", http.StatusOK},
		{"nobody", nil, "/admin/users", http.StatusSeeOther},
	}
	for _, tt := range tests {
		if got := e.get(t, tt.path, tt.c); got.StatusCode != tt.want {
			t.Errorf("%s GET %s: status %d, want %d", tt.who, tt.path, got.StatusCode, tt.want)
		}
	}
	// Posting is checked too, not only pages.
	if got := e.post(t, "/admin/users", url.Values{"email": {"x@example.com"}, "role": {"admin"}, "password": {staffTestPassword}}, shopC); got.StatusCode != http.StatusForbidden {
		t.Errorf("shop staff creating a user: status %d, want 403", got.StatusCode)
	}
	// The menu shows shop staff only the terminal and member look-up.
	page := e.get(t, "/admin/members", shopC)
	for _, hidden := range []string{`href="/admin/users"`, `href="/admin/catalog"`, `href="/admin/imports"`, `href="/admin/survey"`} {
		if strings.Contains(page.Body, hidden) {
			t.Errorf("shop staff menu shows %s", hidden)
		}
	}
	for _, shown := range []string{`href="/admin/shop"`, `href="/admin/members"`} {
		if !strings.Contains(page.Body, shown) {
			t.Errorf("shop staff menu lacks %s", shown)
		}
	}
}

// Every English text of the staff, token and member pages has a Korean
// translation.
func TestStaffTemplates_Korean(t *testing.T) {
	re := regexp.MustCompile(`t \$?\.Lang "([^"]+)"`)
	files := []string{"layout.html", "login.html", "login_link.html", "dashboard.html", "users.html", "users_edit.html",
		"tokens.html", "tokens_created.html", "members.html", "members_view.html", "members_edit.html",
		"_member_loyalty.html", "loyalty.html", "loyalty_reward_form.html", "loyalty_rule_form.html", "loyalty_reverse.html",
		"shop_redeem.html", "shop_redeem_member.html", "shop_redeem_confirm.html", "shop_redeem_result.html"}
	for _, name := range files {
		b, err := os.ReadFile("templates/" + name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !i18n.Has(m[1]) {
				t.Errorf("%s: no Korean for %q", name, m[1])
			}
		}
	}
	for _, msg := range []string{"Administrator", "Marketer", "Counsellor", "Shop staff", "Service centre",
		"Privacy policy", "Staff user created.", "Saved.", "Token revoked.", "Member deactivated.",
		"Password changed; the user's sessions were ended.", "New staff user", "Edit staff user",
		"Reward saved.", "Fan rule saved.", "Entry reversed.", "New reward", "Edit reward", "Fan rule", "Reverse entry",
		"Write one answer value and its points a line, e.g. %s."} {
		if !i18n.Has(msg) {
			t.Errorf("no Korean for %q", msg)
		}
	}
}
