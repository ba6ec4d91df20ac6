package admin_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/delivery/deliverytest"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/survey"
	"github.com/fanmail/fanmail/internal/web/admin"
)

// shopEnv is the staff UI with a real SMTP server, the default profile
// survey, a casual brand group and a shop.
type shopEnv struct {
	db      *store.DB
	mux     *http.ServeMux
	smtp    *channeltest.SMTPServer
	staff   *staff.Service
	members *member.Service
	surveys *survey.Service
	loyalty *loyalty.Service
	shopID  int64
	brands  map[string]int64
	q       map[string]fanmail.Question
}

const shopTestPassword = "correct horse battery staple"

func newShopEnv(t *testing.T, db *store.DB) *shopEnv {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	e := &shopEnv{db: db, mux: http.NewServeMux(), smtp: channeltest.NewSMTPServer(t), staff: staff.New(db, logger, staff.Options{})}
	scfg, err := email.ParseURL(e.smtp.URL())
	if err != nil {
		t.Fatal(err)
	}
	sender, err := email.New(scfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sender.Close() })
	cfg := config.Default()
	cfg.BaseURL = "http://fanmail.test"
	cfg.MediaDir = t.TempDir()
	mailer := delivery.NewMailer(sender, cfg.MailFrom, logger)
	outbox := deliverytest.Start(t, db, e.smtp.URL())
	e.members = member.New(db, mailer, member.Options{AgeBands: cfg.AgeBands, BaseURL: cfg.BaseURL, AfterCommit: outbox.Notify}, logger)
	outbox.RegisterAll(e.members.Renderers())
	e.loyalty = loyalty.New(db, logger, loyalty.Options{BaseURL: cfg.BaseURL, AfterCommit: outbox.Notify})
	outbox.RegisterAll(e.loyalty.Renderers())
	d := admin.FullDeps(t, db, cfg, logger)
	d.Staff, d.Members, d.Loyalty = e.staff, e.members, e.loyalty
	h, err := admin.New(d)
	if err != nil {
		t.Fatal(err)
	}
	h.Routes(e.mux)

	now := db.Now()
	if err := db.SQL().QueryRowContext(ctx, `INSERT INTO shops (code, name, created_at) VALUES ('GN01', '강남점', $1) RETURNING id`, now).Scan(&e.shopID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO brand_groups (slug, name_ko, name_en, created_at, updated_at) VALUES ('casual', '캐주얼', 'Casual', $1, $1)`, now); err != nil {
		t.Fatal(err)
	}
	e.brands = map[string]int64{}
	for _, b := range [][2]string{{"mienc", "미앤씨"}, {"ozsecond", "오즈세컨"}} {
		var id int64
		if err := db.SQL().QueryRowContext(ctx, `INSERT INTO brands (group_id, slug, name, created_at, updated_at)
			VALUES ((SELECT id FROM brand_groups WHERE slug = 'casual'), $1, $2, $3, $3) RETURNING id`, b[0], b[1], now).Scan(&id); err != nil {
			t.Fatal(err)
		}
		e.brands[b[0]] = id
	}
	e.surveys = ensureSurveys(t, db)
	qs, _ := e.surveys.Questions(ctx, fanmail.SurveyProfile, false)
	e.q = map[string]fanmail.Question{}
	for _, q := range qs {
		e.q[q.Key] = q
	}
	return e
}

// staffUser creates a staff user and returns their session cookie.
func (e *shopEnv) staffUser(t *testing.T, email, role string, shopID int64) *http.Cookie {
	t.Helper()
	if _, err := e.staff.CreateUser(context.Background(), staff.NewUser{Email: email, Name: "박서준", Role: role, ShopID: shopID, Password: shopTestPassword}); err != nil {
		t.Fatal(err)
	}
	res := e.send(t, "POST", "/admin/login", url.Values{"email": {email}, "password": {shopTestPassword}}, nil)
	for _, c := range res.Cookies() {
		if c.Name == "fanmail_staff" && c.Value != "" {
			return c
		}
	}
	t.Fatalf("sign in %s: %d, no session cookie\n%s", email, res.StatusCode, res.body)
	return nil
}

type shopResponse struct {
	*http.Response
	body string
}

// send serves a same-origin request (form may be nil) in Korean.
func (e *shopEnv) send(t *testing.T, method, path string, form url.Values, c *http.Cookie, header ...string) shopResponse {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
	if method == "POST" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	req.Header.Set("Accept-Language", "ko")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if c != nil {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return shopResponse{Response: res, body: string(b)}
}

func (e *shopEnv) opt(t *testing.T, key, value string) string {
	t.Helper()
	for _, o := range e.q[key].Options {
		if o.Value == value {
			return strconv.FormatInt(o.ID, 10)
		}
	}
	t.Fatalf("no option %s of %s", value, key)
	return ""
}

func (e *shopEnv) customerForm(t *testing.T) url.Values {
	qid := func(k string) string { return "q_" + strconv.FormatInt(e.q[k].ID, 10) }
	return url.Values{
		"code": {"jin72"}, "email": {"jin72@example.com"}, "name": {"이진호"}, "birth_year": {strconv.Itoa(thisYear() - 25)},
		"gender": {"male"}, "phone": {"010-9876-5432"}, "lang": {"ko"},
		qid("occupation"): {e.opt(t, "occupation", "freelancer")},
		qid("style"):      {e.opt(t, "style", "urban-casual")},
		"brand":           {strconv.FormatInt(e.brands["ozsecond"], 10)},
		"consent_terms":   {"1"}, "consent_privacy": {"1"}, "consent_marketing_sms": {"1"},
	}
}

func thisYear() int { return time.Now().UTC().Year() }

func TestShopTerminal_Register(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newShopEnv(t, db)
		ctx := context.Background()
		c := e.staffUser(t, "seojun@example.com", fanmail.RoleShopStaff, e.shopID)

		res := e.send(t, "GET", "/admin/shop", nil, c)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "강남점") || !strings.Contains(res.body, "귀하의 직업은 무엇입니까?") || !strings.Contains(res.body, "오즈세컨") {
			t.Fatalf("GET /admin/shop: %d\n%s", res.StatusCode, res.body)
		}
		res = e.send(t, "POST", "/admin/shop", e.customerForm(t), c)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/shop?registered=") {
			t.Fatalf("POST /admin/shop: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
		}
		m, err := e.members.MemberByEmail(ctx, "jin72@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if m.Source != fanmail.SourceShop || m.ShopID != e.shopID || m.Status != fanmail.MemberPending || m.Name != "이진호" {
			t.Errorf("member = %+v", m)
		}
		hist, _ := e.members.Consents(ctx, m.ID)
		for _, h := range hist {
			if h.Source != fanmail.SourceShop {
				t.Errorf("consent %s recorded from %q, want shop", h.Purpose, h.Source)
			}
		}
		if cur, _ := e.members.CurrentConsents(ctx, m.ID); !cur[fanmail.PurposeMarketingSMS] || cur[fanmail.PurposeMarketingEmail] {
			t.Errorf("current consents = %v", cur)
		}
		if ids, _ := e.members.Brands(ctx, m.ID); len(ids) != 1 || ids[0] != e.brands["ozsecond"] {
			t.Errorf("brands = %v", ids)
		}
		msg := e.smtp.WaitFor(t, 1, 10*time.Second)[0]
		if msg.Subject != "[fanmail] 이메일 주소를 확인해 주세요" || len(channeltest.Links(msg.Text)) != 1 {
			t.Errorf("confirmation mail: %q\n%s", msg.Subject, msg.Text)
		}
		res = e.send(t, "GET", res.Header.Get("Location"), nil, c)
		if !strings.Contains(res.body, "이진호(jin72) 고객을 등록했습니다.") {
			t.Errorf("no confirmation after registering:\n%s", res.body)
		}

		// The same customer again: a clear conflict, nothing new stored.
		res = e.send(t, "POST", "/admin/shop", e.customerForm(t), c)
		if res.StatusCode != http.StatusConflict || !strings.Contains(res.body, "이미 가입된 이메일 주소입니다.") || !strings.Contains(res.body, `value="이진호"`) {
			t.Errorf("duplicate: %d\n%s", res.StatusCode, res.body)
		}
		// A cross-site post is refused.
		form := e.customerForm(t)
		form.Set("email", "other@example.com")
		form.Set("code", "other")
		res = e.send(t, "POST", "/admin/shop", form, c, "Sec-Fetch-Site", "cross-site")
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site post: %d", res.StatusCode)
		}
		if _, err := e.members.MemberByEmail(ctx, "other@example.com"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("cross-site post stored a member: %v", err)
		}
	})
}

func TestShopTerminal_Access(t *testing.T) {
	e := newShopEnv(t, storetest.OpenSQLite(t))
	if res := e.send(t, "GET", "/admin/shop", nil, nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous: %d", res.StatusCode)
	}
	marketer := e.staffUser(t, "mina@example.com", fanmail.RoleMarketer, 0)
	if res := e.send(t, "GET", "/admin/shop", nil, marketer); res.StatusCode != http.StatusForbidden {
		t.Errorf("marketer: %d", res.StatusCode)
	}
	if res := e.send(t, "POST", "/admin/shop", e.customerForm(t), marketer); res.StatusCode != http.StatusForbidden {
		t.Errorf("marketer POST: %d", res.StatusCode)
	}
	// Shop staff without a shop get a clear message.
	noShop := e.staffUser(t, "noshop@example.com", fanmail.RoleShopStaff, 0)
	res := e.send(t, "POST", "/admin/shop", e.customerForm(t), noShop)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "직원 계정에 매장이 지정되어 있지 않습니다.") {
		t.Errorf("shop staff without a shop: %d\n%s", res.StatusCode, res.body)
	}
	if _, err := e.members.MemberByEmail(context.Background(), "jin72@example.com"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
		t.Errorf("refused registrations stored a member: %v", err)
	}
}
