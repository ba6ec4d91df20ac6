package portal_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/catalog"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/delivery/deliverytest"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/survey"
	"github.com/fanmail/fanmail/internal/web"
	"github.com/fanmail/fanmail/internal/web/portal"
)

// joinSite is the public site and portal on the real router, served over
// HTTP so that links in mails work, with a real SMTP server.
type joinSite struct {
	db      *store.DB
	srv     *httptest.Server
	smtp    *channeltest.SMTPServer
	members *member.Service
	loyalty *loyalty.Service

	mu  sync.Mutex
	now time.Time

	casual, ozSecond, mienc, ozoc int64
	q                             map[string]fanmail.Question
}

func newJoinSite(t *testing.T, db *store.DB) *joinSite {
	t.Helper()
	// The clock is fixed in the future: session cookies must not look
	// expired to the cookie jar, which uses the real time.
	s := &joinSite{db: db, now: time.Date(2096, 3, 1, 10, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.now
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	mux := http.NewServeMux()
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	s.smtp = channeltest.NewSMTPServer(t)
	scfg, err := email.ParseURL(s.smtp.URL())
	if err != nil {
		t.Fatal(err)
	}
	sender, err := email.New(scfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sender.Close() })
	cfg := config.Default()
	cfg.BaseURL = s.srv.URL
	cfg.MediaDir = t.TempDir()
	outbox := deliverytest.Start(t, db, s.smtp.URL())
	s.members = member.New(db, delivery.NewMailer(sender, cfg.MailFrom, logger), member.Options{
		AgeBands: cfg.AgeBands, BaseURL: cfg.BaseURL, ConfirmTTL: cfg.ConfirmTTL, MagicLinkTTL: cfg.MagicLinkTTL,
		AfterCommit: outbox.Notify,
	}, logger)
	outbox.RegisterAll(s.members.Renderers())
	s.loyalty = loyalty.New(db, logger, loyalty.Options{BaseURL: cfg.BaseURL, AfterCommit: outbox.Notify})
	outbox.RegisterAll(s.loyalty.Renderers())
	h, err := portal.New(portal.Deps{
		Config: cfg, Logger: logger,
		Sessions: &web.Sessions{DB: db, Cookie: "fanmail_member", Path: "/", TTL: time.Hour},
		Catalog:  catalog.New(db, cfg.MediaDir, logger),
		Members:  s.members,
		Loyalty:  s.loyalty,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.Routes(mux)

	s.mienc = joinBrand(t, db, "mienc", "미앤씨")
	s.ozoc = joinBrand(t, db, "ozoc", "오조크")
	s.ozSecond = joinBrand(t, db, "ozsecond", "오즈세컨")
	ctx := context.Background()
	if err := survey.New(db, logger, survey.Options{}).EnsureDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	qs, err := s.members.ProfileQuestions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.q = map[string]fanmail.Question{}
	for _, q := range qs {
		s.q[q.Key] = q
	}
	return s
}

func joinBrand(t *testing.T, db *store.DB, slug, name string) int64 {
	t.Helper()
	ctx := context.Background()
	now := db.Now()
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO brand_groups (slug, name_ko, name_en, created_at, updated_at)
		VALUES ('casual', '캐주얼', 'Casual', $1, $1) ON CONFLICT (slug) DO NOTHING`, now); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := db.SQL().QueryRowContext(ctx, `INSERT INTO brands (group_id, slug, name, created_at, updated_at)
		VALUES ((SELECT id FROM brand_groups WHERE slug = 'casual'), $1, $2, $3, $3) RETURNING id`, slug, name, now).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// bornAged returns the birth year of someone age years old on the site's clock.
func (s *joinSite) bornAged(age int) string { return strconv.Itoa(s.now.Year() - age) }

func (s *joinSite) advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = s.now.Add(d)
}

func (s *joinSite) option(t *testing.T, key, value string) string {
	t.Helper()
	for _, o := range s.q[key].Options {
		if o.Value == value {
			return strconv.FormatInt(o.ID, 10)
		}
	}
	t.Fatalf("no option %s of %s", value, key)
	return ""
}

// browser is a client with its own cookies that does not follow redirects
// and speaks Korean.
type browser struct {
	t      *testing.T
	client *http.Client
	base   string
	lang   string
}

func (s *joinSite) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.srv.URL, lang: "ko-KR,ko;q=0.9", client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type page struct {
	status   int
	location string
	body     string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	req.Header.Set("Accept-Language", b.lang)
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = b.base + path
	}
	req, _ := http.NewRequest("GET", path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, header ...string) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

// minjiForm is a complete Korean join form.
func (s *joinSite) minjiForm(t *testing.T) url.Values {
	occ, style := strconv.FormatInt(s.q["occupation"].ID, 10), strconv.FormatInt(s.q["style"].ID, 10)
	sources, sites := strconv.FormatInt(s.q["info_sources"].ID, 10), strconv.FormatInt(s.q["fashion_sites"].ID, 10)
	return url.Values{
		"lang": {"ko"}, "code": {"minji92"}, "email": {"minji@example.com"}, "name": {"김민지"},
		"birth_year": {s.bornAged(20)}, "gender": {"female"}, "phone": {"010-1234-5678"},
		"postal_code": {"04524"}, "address": {"서울특별시 중구 세종대로 110"},
		"q_" + occ:               {s.option(t, "occupation", "university")},
		"q_" + style:             {s.option(t, "style", "feminine-cute"), s.option(t, "style", "simple-character")},
		"q_" + sources:           {s.option(t, "info_sources", "sns"), "other"},
		"q_" + sources + "_text": {"유튜브 채널"},
		"q_" + sites + "_text":   {"무신사"},
		"brand":                  {strconv.FormatInt(s.mienc, 10), strconv.FormatInt(s.ozSecond, 10)},
		"consent_terms":          {"1"}, "consent_privacy": {"1"}, "consent_marketing_email": {"1"},
	}
}

func (s *joinSite) countMembers(t *testing.T) int {
	t.Helper()
	var n int
	if err := s.db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM members`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mailLink(t *testing.T, msg channeltest.Message, prefix string) string {
	t.Helper()
	links := channeltest.Links(msg.Text)
	if len(links) != 1 || !strings.Contains(links[0], prefix) {
		t.Fatalf("links in mail = %v, want one with %s", links, prefix)
	}
	return links[0]
}

func TestJoin_ConfirmByMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newJoinSite(t, db)
		b := s.browser(t)
		ctx := context.Background()

		p := b.get("/join")
		if p.status != http.StatusOK || !strings.Contains(p.body, "귀하의 직업은 무엇입니까?") || !strings.Contains(p.body, "오즈세컨") || !strings.Contains(p.body, "이용약관에 동의합니다.") {
			t.Fatalf("GET /join: %d\n%s", p.status, p.body)
		}
		p = b.post("/join", s.minjiForm(t))
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/join/done") {
			t.Fatalf("POST /join: %d %s\n%s", p.status, p.location, p.body)
		}
		if p = b.get(p.location); p.status != http.StatusOK || !strings.Contains(p.body, "메일을 보냈습니다") {
			t.Errorf("join done page: %d\n%s", p.status, p.body)
		}
		m, err := s.members.MemberByEmail(ctx, "minji@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != fanmail.MemberPending || m.Source != fanmail.SourceWeb || m.Name != "김민지" {
			t.Errorf("member after join = %+v", m)
		}
		hist, _ := s.members.Consents(ctx, m.ID)
		if len(hist) != len(fanmail.Purposes) || hist[0].IP != "127.0.0.1" || hist[0].Source != "web" {
			t.Errorf("consent history = %+v", hist)
		}
		answers, _ := s.members.Answers(ctx, m.ID)
		if len(answers) != 4 {
			t.Errorf("answers = %+v", answers)
		}

		msg := s.smtp.WaitFor(t, 1, 10*time.Second)[0]
		if msg.Subject != "[fanmail] 이메일 주소를 확인해 주세요" {
			t.Errorf("subject = %q", msg.Subject)
		}
		link := mailLink(t, msg, s.srv.URL+"/confirm?token=")
		token := confirmToken(t, link)
		// A visitor whose browser speaks English still gets the member's language.
		b.lang = "en"
		// Opening the link (as a mail scanner does) only shows the button.
		for range 2 {
			p = b.get(link)
			if p.status != http.StatusOK || !strings.Contains(p.body, `id="confirm-form"`) || !strings.Contains(p.body, "주소 확인하기") {
				t.Fatalf("confirm page: %d\n%s", p.status, p.body)
			}
		}
		if m, _ = s.members.MemberByID(ctx, m.ID); m.Status != fanmail.MemberPending {
			t.Fatalf("status after opening the link = %s, want pending", m.Status)
		}
		if _, err := s.members.OptInConfirmation(ctx, m.ID); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("opt-in evidence before confirming: %v", err)
		}
		// A cross-site post cannot confirm for the member.
		p = b.post("/confirm", url.Values{"token": {token}}, "Sec-Fetch-Site", "cross-site")
		if p.status != http.StatusForbidden {
			t.Errorf("cross-site confirm: %d", p.status)
		}
		p = b.post("/confirm", url.Values{"token": {token}}, "User-Agent", "Mozilla/5.0 (민지의 휴대폰)")
		if p.status != http.StatusOK || !strings.Contains(p.body, "이메일 주소가 확인되었습니다") {
			t.Fatalf("confirm: %d\n%s", p.status, p.body)
		}
		if m, _ = s.members.MemberByID(ctx, m.ID); m.Status != fanmail.MemberActive {
			t.Errorf("status after confirming = %s", m.Status)
		}
		ev, err := s.members.OptInConfirmation(ctx, m.ID)
		if err != nil || ev.IP != "127.0.0.1" || ev.UserAgent != "Mozilla/5.0 (민지의 휴대폰)" || !ev.ConfirmedAt.Equal(m.ConfirmedAt.UTC()) {
			t.Errorf("opt-in evidence = %+v, %v (confirmed_at %v)", ev, err, m.ConfirmedAt)
		}
		p = b.post("/confirm", url.Values{"token": {token}})
		if p.status != http.StatusGone || !strings.Contains(p.body, "이미 사용한 링크입니다.") {
			t.Errorf("reused link: %d\n%s", p.status, p.body)
		}
		p = b.get(link)
		if p.status != http.StatusGone || !strings.Contains(p.body, "이미 사용한 링크입니다.") {
			t.Errorf("reopened link: %d\n%s", p.status, p.body)
		}
		p = b.get("/confirm?token=" + url.QueryEscape("forged.token"))
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "This link is not valid.") {
			t.Errorf("forged link (English browser): %d\n%s", p.status, p.body)
		}
		p = b.post("/confirm", url.Values{"token": {"forged.token"}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "This link is not valid.") {
			t.Errorf("forged token posted: %d\n%s", p.status, p.body)
		}
	})
}

// confirmToken returns the token of a confirmation link.
func confirmToken(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("confirmation link %q has no token", link)
	}
	return u.Query().Get("token")
}

func TestJoin_ExpiredLink(t *testing.T) {
	s := newJoinSite(t, storetest.OpenSQLite(t))
	b := s.browser(t)
	form := s.minjiForm(t)
	form.Set("lang", "en")
	if p := b.post("/join", form); p.status != http.StatusSeeOther {
		t.Fatalf("POST /join: %d\n%s", p.status, p.body)
	}
	link := mailLink(t, s.smtp.WaitFor(t, 1, 10*time.Second)[0], "/confirm?token=")
	s.advance(73 * time.Hour)
	p := b.get(link)
	if p.status != http.StatusGone || !strings.Contains(p.body, "This link has expired.") {
		t.Errorf("expired link: %d\n%s", p.status, p.body)
	}
	p = b.post("/confirm", url.Values{"token": {confirmToken(t, link)}})
	if p.status != http.StatusGone || !strings.Contains(p.body, "This link has expired.") {
		t.Errorf("expired link posted: %d\n%s", p.status, p.body)
	}
	m, _ := s.members.MemberByEmail(context.Background(), "minji@example.com")
	if m.Status != fanmail.MemberPending {
		t.Errorf("status after an expired link = %s", m.Status)
	}
}

func TestJoin_Refused(t *testing.T) {
	s := newJoinSite(t, storetest.OpenSQLite(t))
	b := s.browser(t)

	// A cross-site post is refused before anything is stored.
	p := b.post("/join", s.minjiForm(t), "Sec-Fetch-Site", "cross-site")
	if p.status != http.StatusForbidden || !strings.Contains(p.body, "다른 사이트에서 보낸 요청이라 거부했습니다.") {
		t.Errorf("cross-site POST: %d\n%s", p.status, p.body)
	}
	if n := s.countMembers(t); n != 0 {
		t.Errorf("%d members after a cross-site post", n)
	}

	// Under 14: the form comes back with what was typed and a clear message.
	form := s.minjiForm(t)
	form.Set("birth_year", s.bornAged(12))
	p = b.post("/join", form)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "만 14세 미만은 법정대리인의 동의가 필요하여") ||
		!strings.Contains(p.body, `value="김민지"`) || !strings.Contains(p.body, `value="유튜브 채널"`) {
		t.Errorf("under 14: %d\n%s", p.status, p.body)
	}
	// Missing required consent.
	form = s.minjiForm(t)
	form.Del("consent_privacy")
	if p = b.post("/join", form); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "이용약관과 개인정보 처리방침에 동의해야 합니다.") {
		t.Errorf("missing consent: %d\n%s", p.status, p.body)
	}
	if n := s.countMembers(t); n != 0 {
		t.Errorf("%d members after refused forms", n)
	}
	// Duplicate address.
	if p = b.post("/join", s.minjiForm(t)); p.status != http.StatusSeeOther {
		t.Fatalf("first join: %d\n%s", p.status, p.body)
	}
	form = s.minjiForm(t)
	form.Set("code", "minji_two")
	if p = b.post("/join", form); p.status != http.StatusConflict || !strings.Contains(p.body, "이미 가입된 이메일 주소입니다.") {
		t.Errorf("duplicate address: %d\n%s", p.status, p.body)
	}
	if n := s.countMembers(t); n != 1 {
		t.Errorf("%d members, want 1", n)
	}
}

// signIn signs b in as the member with the address through a mailed link and
// returns the portal page.
func (s *joinSite) signIn(t *testing.T, b *browser, address string, mailsBefore int) page {
	t.Helper()
	p := b.post("/login", url.Values{"email": {address}})
	if p.status != http.StatusSeeOther || p.location != "/login/sent" {
		t.Fatalf("POST /login: %d %s\n%s", p.status, p.location, p.body)
	}
	link := mailLink(t, s.smtp.WaitFor(t, mailsBefore+1, 10*time.Second)[mailsBefore], "/login/link?token=")
	p = b.get(link)
	if p.status != http.StatusOK || !strings.Contains(p.body, "님으로 로그인할까요?") {
		t.Fatalf("GET sign-in link: %d\n%s", p.status, p.body)
	}
	token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(p.body)
	if token == nil {
		t.Fatalf("no token in the sign-in page")
	}
	p = b.post("/login/link", url.Values{"token": {token[1]}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/portal") {
		t.Fatalf("POST /login/link: %d %s\n%s", p.status, p.location, p.body)
	}
	return b.get(p.location)
}

func TestPortal_MagicLinkShowsBrands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newJoinSite(t, db)
		b := s.browser(t)
		ctx := context.Background()
		if p := b.get("/portal"); p.status != http.StatusSeeOther || p.location != "/login" {
			t.Errorf("portal without a session: %d %s", p.status, p.location)
		}
		if p := b.post("/join", s.minjiForm(t)); p.status != http.StatusSeeOther {
			t.Fatalf("join: %d\n%s", p.status, p.body)
		}
		s.smtp.WaitFor(t, 1, 10*time.Second)

		// Unknown addresses get the same page and no mail.
		if p := b.post("/login", url.Values{"email": {"nobody@example.com"}}); p.status != http.StatusSeeOther || p.location != "/login/sent" {
			t.Errorf("unknown address: %d %s", p.status, p.location)
		}
		p := s.signIn(t, b, "minji@example.com", 1)
		if p.status != http.StatusOK {
			t.Fatalf("portal: %d\n%s", p.status, p.body)
		}
		myBrands := regexp.MustCompile(`<li class="my-brand">([^<]+)`).FindAllStringSubmatch(p.body, -1)
		var names []string
		for _, m := range myBrands {
			names = append(names, strings.TrimSpace(m[1]))
		}
		if strings.Join(names, ",") != "미앤씨,오즈세컨" {
			t.Errorf("brands on the portal = %v\n%s", names, p.body)
		}
		if !strings.Contains(p.body, "김민지님, 안녕하세요.") || !strings.Contains(p.body, "유튜브 채널") {
			t.Errorf("portal page lacks the profile:\n%s", p.body)
		}
		m, _ := s.members.MemberByEmail(ctx, "minji@example.com")
		if m.Status != fanmail.MemberActive || m.LoginCount != 1 {
			t.Errorf("member after magic-link sign-in: %s, %d logins", m.Status, m.LoginCount)
		}
		if n := len(s.smtp.Messages()); n != 2 {
			t.Errorf("%d mails, want 2 (none for the unknown address)", n)
		}

		// The brands page says whether picking a brand mails a chip: only
		// with consent to advertising by e-mail.
		note := b.get("/portal/brands")
		consent, _ := s.members.MarketingConsent(ctx, m.ID)
		if strings.Contains(note.body, `id="no-chip-mail"`) == consent {
			t.Errorf("brands page with e-mail marketing consent %v: no-chip-mail note shown = %v", consent, !consent)
		}
		if p := b.post("/portal/consents/"+fanmail.PurposeMarketingEmail, url.Values{"granted": {map[bool]string{true: "1", false: "0"}[!consent]}}); p.status >= 400 {
			t.Fatalf("changing the consent: %d\n%s", p.status, p.body)
		}
		if now, _ := s.members.MarketingConsent(ctx, m.ID); now == consent {
			t.Fatalf("the consent did not change")
		} else if note := b.get("/portal/brands"); strings.Contains(note.body, `id="no-chip-mail"`) == now {
			t.Errorf("brands page with e-mail marketing consent %v: no-chip-mail note shown = %v", now, !now)
		}

		// Edit brands: counts follow.
		form := url.Values{"brand": {strconv.FormatInt(s.ozoc, 10), strconv.FormatInt(s.ozSecond, 10)}}
		if p = b.post("/portal/brands", form); p.status != http.StatusSeeOther {
			t.Fatalf("POST /portal/brands: %d\n%s", p.status, p.body)
		}
		if ids, _ := s.members.Brands(ctx, m.ID); len(ids) != 2 || ids[0] != s.ozoc || ids[1] != s.ozSecond {
			t.Errorf("brands after editing = %v", ids)
		}
		if c, _ := s.members.BrandCounts(ctx, s.mienc); len(c) != 0 {
			t.Errorf("미앤씨 counts after dropping it = %v", c)
		}
		if c, _ := s.members.BrandCounts(ctx, s.ozoc); len(c) != 1 || c[0].Gender != "female" || c[0].AgeBand != "19-20" || c[0].Count != 1 {
			t.Errorf("오조크 counts = %v", c)
		}

		// Visits: the pages above were one visit; pages after a pause of
		// 30 minutes or more start another, shorter pauses do not.
		visits := func() int {
			m, _ := s.members.MemberByID(ctx, m.ID)
			return m.VisitCount
		}
		if n := visits(); n != 1 {
			t.Errorf("%d visits after signing in and browsing, want 1", n)
		}
		s.advance(29 * time.Minute) // (the session lasts an hour)
		b.get("/portal/profile")
		if n := visits(); n != 1 {
			t.Errorf("%d visits after a pause of 29 minutes, want 1", n)
		}
		s.advance(store.VisitGap)
		if p = b.get("/portal"); p.status != http.StatusOK {
			t.Fatalf("portal after a pause: %d", p.status)
		}
		if n := visits(); n != 2 {
			t.Errorf("%d visits after a pause of 30 minutes, want 2", n)
		}

		// Sign out ends the session.
		if p = b.post("/logout", nil); p.status != http.StatusSeeOther {
			t.Errorf("logout: %d", p.status)
		}
		if p = b.get("/portal"); p.status != http.StatusSeeOther {
			t.Errorf("portal after logout: %d", p.status)
		}
		if n := visits(); n != 2 {
			t.Errorf("%d visits after signing out, want 2", n)
		}
	})
}

func TestPortal_WithdrawConsent(t *testing.T) {
	s := newJoinSite(t, storetest.OpenSQLite(t))
	b := s.browser(t)
	ctx := context.Background()
	if p := b.post("/join", s.minjiForm(t)); p.status != http.StatusSeeOther {
		t.Fatalf("join: %d", p.status)
	}
	s.smtp.WaitFor(t, 1, 10*time.Second)
	s.signIn(t, b, "minji@example.com", 1)
	m, _ := s.members.MemberByEmail(ctx, "minji@example.com")

	p := b.get("/portal/consents")
	if p.status != http.StatusOK || !strings.Contains(p.body, `action="/portal/consents/marketing_email"`) || strings.Contains(p.body, `action="/portal/consents/terms"`) {
		t.Fatalf("consents page: %d\n%s", p.status, p.body)
	}
	s.advance(time.Minute)
	p = b.post("/portal/consents/marketing_email", url.Values{"granted": {"0"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d\n%s", p.status, p.body)
	}
	cur, _ := s.members.CurrentConsents(ctx, m.ID)
	if cur[fanmail.PurposeMarketingEmail] {
		t.Error("marketing e-mail consent still granted after withdrawal")
	}
	hist, _ := s.members.Consents(ctx, m.ID)
	last := hist[len(hist)-1]
	if last.Purpose != "marketing_email" || last.Granted || last.Source != "portal" || last.IP != "127.0.0.1" || !last.CreatedAt.Equal(s.now) {
		t.Errorf("withdrawal record = %+v", last)
	}
	if p = b.get(p.location); !strings.Contains(p.body, "동의를 철회했습니다.") {
		t.Errorf("no confirmation after withdrawal:\n%s", p.body)
	}
	// The SMS consents left unticked at joining were declined, never
	// withdrawn; only the e-mail one was.
	history := p.body[strings.Index(p.body, `id="consent-history"`):]
	if strings.Count(history, "<td>동의 안 함</td>") != 2 || strings.Count(history, "<td>철회</td>") != 1 {
		t.Errorf("consent history decisions:\n%s", history)
	}
	// Times are in the company time zone, labelled (joined 10:00 UTC).
	if !strings.Contains(history, "<td>2096-03-01 19:00 KST</td>") {
		t.Errorf("consent history times are not in KST:\n%s", history)
	}
	// Terms cannot be withdrawn on their own; a cross-site post changes nothing.
	if p = b.post("/portal/consents/terms", url.Values{"granted": {"0"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("withdrawing terms: %d", p.status)
	}
	if p = b.post("/portal/consents/marketing_email", url.Values{"granted": {"1"}}, "Sec-Fetch-Site", "cross-site"); p.status != http.StatusForbidden {
		t.Errorf("cross-site consent post: %d", p.status)
	}
	if n, _ := s.members.Consents(ctx, m.ID); len(n) != len(hist) {
		t.Errorf("refused posts were recorded")
	}
}

func TestPortal_ProfileAndPassword(t *testing.T) {
	s := newJoinSite(t, storetest.OpenSQLite(t))
	b := s.browser(t)
	ctx := context.Background()
	if p := b.post("/join", s.minjiForm(t)); p.status != http.StatusSeeOther {
		t.Fatalf("join: %d", p.status)
	}
	s.smtp.WaitFor(t, 1, 10*time.Second)
	s.signIn(t, b, "minji@example.com", 1)

	p := b.get("/portal/profile")
	if p.status != http.StatusOK || !strings.Contains(p.body, `value="서울특별시 중구 세종대로 110"`) {
		t.Fatalf("profile form: %d\n%s", p.status, p.body)
	}
	form := s.minjiForm(t)
	form.Set("name", "김민지")
	form.Set("address", "부산광역시 해운대구")
	form.Set("birth_year", s.bornAged(34))
	if p = b.post("/portal/profile", form); p.status != http.StatusSeeOther {
		t.Fatalf("save profile: %d\n%s", p.status, p.body)
	}
	m, _ := s.members.MemberByEmail(ctx, "minji@example.com")
	if m.Address != "부산광역시 해운대구" || m.BirthYear != s.now.Year()-34 {
		t.Errorf("member after profile edit = %+v", m)
	}
	if c, _ := s.members.BrandCounts(ctx, s.mienc); len(c) != 1 || c[0].AgeBand != "30-34" {
		t.Errorf("미앤씨 counts after the birth year changed = %v", c)
	}
	form.Set("birth_year", s.bornAged(6))
	if p = b.post("/portal/profile", form); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "만 14세 미만") {
		t.Errorf("invalid profile: %d\n%s", p.status, p.body)
	}

	if p = b.post("/portal/password", url.Values{"password": {"새비밀번호12345"}, "password_again": {"다른비밀번호"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("mismatched passwords: %d", p.status)
	}
	if p = b.post("/portal/password", url.Values{"password": {"새비밀번호12345"}, "password_again": {"새비밀번호12345"}}); p.status != http.StatusSeeOther {
		t.Fatalf("set password: %d\n%s", p.status, p.body)
	}
	// A fresh browser signs in with the password.
	b2 := s.browser(t)
	if p = b2.post("/login/password", url.Values{"email": {"minji@example.com"}, "password": {"틀린비밀번호"}}); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "이메일 주소") {
		t.Errorf("wrong password: %d\n%s", p.status, p.body)
	}
	if p = b2.post("/login/password", url.Values{"email": {"minji@example.com"}, "password": {"새비밀번호12345"}}); p.status != http.StatusSeeOther {
		t.Fatalf("password sign-in: %d\n%s", p.status, p.body)
	}
	if p = b2.get("/portal"); p.status != http.StatusOK {
		t.Errorf("portal after password sign-in: %d", p.status)
	}
	// Deactivation ends every session.
	if err := s.members.Deactivate(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if p = b2.get("/portal"); p.status != http.StatusSeeOther {
		t.Errorf("portal of a deactivated member: %d", p.status)
	}
}

// A session cookie the browser brought to a sign-in (perhaps planted) is
// not carried over: its session is deleted and a new one starts.
func TestPortal_SignInDropsPlantedSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newJoinSite(t, db)
		ctx := context.Background()
		first := s.browser(t)
		if p := first.post("/join", s.minjiForm(t)); p.status != http.StatusSeeOther {
			t.Fatalf("join: %d", p.status)
		}
		s.smtp.WaitFor(t, 1, 10*time.Second)
		s.signIn(t, first, "minji@example.com", 1)
		m, err := s.members.MemberByEmail(ctx, "minji@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.members.SetPassword(ctx, m.ID, "새비밀번호12345"); err != nil {
			t.Fatal(err)
		}
		base, _ := url.Parse(s.srv.URL)
		planted := first.client.Jar.Cookies(base)
		second := s.browser(t)
		second.client.Jar.SetCookies(base, planted)
		if p := second.post("/login/password", url.Values{"email": {"minji@example.com"}, "password": {"새비밀번호12345"}}); p.status != http.StatusSeeOther {
			t.Fatalf("password sign-in: %d\n%s", p.status, p.body)
		}
		if got := second.client.Jar.Cookies(base); len(got) != 1 || got[0].Value == planted[0].Value {
			t.Errorf("cookies after the sign-in = %v, want one new session", got)
		}
		if p := first.get("/portal"); p.status != http.StatusSeeOther {
			t.Errorf("planted session after the sign-in: %d, want 303 to the login", p.status)
		}
		if p := second.get("/portal"); p.status != http.StatusOK {
			t.Errorf("new session: %d", p.status)
		}
	})
}

// Every English text of the member pages, and of the registration form
// they share with the shop terminal, has a Korean translation.
func TestMemberTemplates_Translated(t *testing.T) {
	pattern := regexp.MustCompile(`t \$?\.Lang "((?:[^"\\]|\\.)*)"`)
	files := []string{"../admin/templates/shop.html", "../admin/templates/survey.html", "../templates/_registration.html"}
	for _, name := range []string{"join", "join_done", "confirm", "login", "login_sent", "login_link", "portal", "portal_consents", "portal_password",
		"survey", "survey_thanks", "portal_rewards", "portal_redeem", "portal_redemption"} {
		files = append(files, filepath.Join("templates", name+".html"))
	}
	var msgs []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pattern.FindAllStringSubmatch(string(b), -1) {
			msgs = append(msgs, strings.ReplaceAll(m[1], `\"`, `"`))
		}
	}
	for _, c := range member.ConsentItems {
		msgs = append(msgs, c.Label)
	}
	msgs = append(msgs, "Terms of service", "Collection and use of personal information", "Advertising by e-mail",
		"Advertising by SMS", "SMS advertising at night (21:00–08:00)", "Website", "Shop", "Import", "API", "Staff", "My page",
		"Your profile was saved.", "Your brands were saved.", "Your consent was recorded.", "Your consent was withdrawn.",
		"Your password was saved.", "You are signed out.", "Single choice", "Multiple choice", "Free text",
		"Question added.", "Question hidden from the forms.", "Question shown on the forms.", "Option added.", "Option removed.")
	// Messages of errors the member service returns.
	literal := regexp.MustCompile(`(?:Errorf\(fanmail\.[A-Z]+, |FieldError\("[a-z_]+", |Message: |orConflict\(err, "[a-z]+", |orInvalid\(err, "[a-z]+", )"((?:[^"\\]|\\.)+)"`)
	for _, pat := range []string{"../../member/*.go", "../../store/links.go", "../../store/questions.go", "../../store/members.go",
		"../../survey/*.go", "../../store/surveys.go", "../../store/invitations.go", "../../../survey.go"} {
		paths, _ := filepath.Glob(pat)
		for _, p := range paths {
			if strings.HasSuffix(p, "_test.go") || strings.Contains(p, "import") || strings.Contains(p, "export") || strings.Contains(p, "csv") || strings.Contains(p, "search") {
				continue
			}
			b, _ := os.ReadFile(p)
			for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
				msgs = append(msgs, m[1])
			}
		}
	}
	if len(msgs) < 150 {
		t.Fatalf("found only %d messages; is the pattern broken?", len(msgs))
	}
	for _, msg := range msgs {
		if !i18n.Has(msg) {
			t.Errorf("no Korean for %q", msg)
		}
	}
}
