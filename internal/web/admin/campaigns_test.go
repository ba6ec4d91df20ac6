package admin

// These tests live inside the package so they can mount the campaign, sender
// and order routes themselves, whether or not Routes registers them yet.

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/campaign"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/delivery/deliverytest"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/order"
	"github.com/fanmail/fanmail/internal/segment"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/tracking"
	"github.com/fanmail/fanmail/internal/web"
)

const cmpPassword = "correct horse battery"

// cmpEnv is the staff UI with the campaign, sender and order pages over a
// test database, mailing to an in-process SMTP server.
type cmpEnv struct {
	db    *store.DB
	mux   *http.ServeMux
	smtp  *channeltest.SMTPServer
	staff *staff.Service
	cfg   config.Config
}

func newCmpEnv(t *testing.T, db *store.DB) *cmpEnv {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	e := &cmpEnv{db: db, mux: http.NewServeMux(), smtp: channeltest.NewSMTPServer(t), staff: staff.New(db, logger, staff.Options{})}
	e.cfg = config.Default()
	e.cfg.BaseURL = "http://fanmail.test"
	e.cfg.MediaDir = t.TempDir()
	e.cfg.SMTPURL = e.smtp.URL()
	scfg, err := email.ParseURL(e.smtp.URL())
	if err != nil {
		t.Fatal(err)
	}
	sender, err := email.New(scfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sender.Close() })
	mailer := delivery.NewMailer(sender, "팬메일 <no-reply@fanmail.test>", logger)
	outbox := deliverytest.Start(t, db, e.smtp.URL())
	orders := order.New(db, mailer, order.Options{AfterCommit: outbox.Notify}, logger)
	outbox.RegisterAll(orders.Renderers())
	d := FullDeps(t, db, e.cfg, logger)
	d.Staff, d.Orders = e.staff, orders
	d.Members = member.New(db, mailer, member.Options{AgeBands: e.cfg.AgeBands, BaseURL: e.cfg.BaseURL}, logger)
	h, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	inner := http.NewServeMux()
	h.authRoutes(inner)
	h.campaignRoutes(inner)
	h.senderRoutes(inner)
	h.orderRoutes(inner)
	e.mux.Handle("/admin/", web.CrossOrigin(h.errorPage, inner))
	return e
}

func (e *cmpEnv) user(t *testing.T, addr, role string) *http.Cookie {
	t.Helper()
	if _, err := e.staff.CreateUser(context.Background(), staff.NewUser{Email: addr, Name: "박서준", Role: role, Password: cmpPassword}); err != nil {
		t.Fatal(err)
	}
	res := e.post(t, "/admin/login", url.Values{"email": {addr}, "password": {cmpPassword}}, nil)
	for _, c := range res.Cookies() {
		if c.Name == "fanmail_staff" && c.Value != "" {
			return c
		}
	}
	t.Fatalf("sign in %s: status %d, no session cookie", addr, res.StatusCode)
	return nil
}

type cmpResponse struct {
	*http.Response
	Body string
}

func (e *cmpEnv) do(t *testing.T, req *http.Request, c *http.Cookie) cmpResponse {
	t.Helper()
	if c != nil {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return cmpResponse{Response: res, Body: string(body)}
}

func (e *cmpEnv) get(t *testing.T, path string, c *http.Cookie) cmpResponse {
	t.Helper()
	return e.do(t, httptest.NewRequest(http.MethodGet, path, nil), c)
}

func (e *cmpEnv) post(t *testing.T, path string, form url.Values, c *http.Cookie) cmpResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return e.do(t, req, c)
}

// wantStatus fails unless res has status; with a Location it also checks
// the redirect target's path.
func wantStatus(t *testing.T, res cmpResponse, status int, location string) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d; Location %q; body:\n%s", res.StatusCode, status, res.Header.Get("Location"), res.Body)
	}
	if location != "" {
		loc, _ := url.Parse(res.Header.Get("Location"))
		if loc == nil || loc.Path != location {
			t.Fatalf("Location %q, want path %s", res.Header.Get("Location"), location)
		}
	}
}

var idInLocation = regexp.MustCompile(`/(\d+)(?:\?|$)`)

func locationID(t *testing.T, res cmpResponse) int64 {
	t.Helper()
	m := idInLocation.FindStringSubmatch(res.Header.Get("Location"))
	if m == nil {
		t.Fatalf("no id in Location %q", res.Header.Get("Location"))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// cmpMember stores an active member, with marketing consent when consent.
func cmpMember(t *testing.T, db *store.DB, addr, name, gender string, consent bool, brand int64) fanmail.Member {
	t.Helper()
	ctx := context.Background()
	var m fanmail.Member
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		m, err = tx.CreateMember(ctx, fanmail.Member{Email: addr, Name: name, Gender: gender, BirthYear: 1999, Lang: "ko",
			Status: fanmail.MemberActive, Source: fanmail.SourceWeb})
		if err != nil {
			return err
		}
		if brand != 0 {
			if _, err := tx.AddBrandPreference(ctx, m.ID, brand, gender, ""); err != nil {
				return err
			}
		}
		return tx.AddConsent(ctx, fanmail.Consent{MemberID: m.ID, Purpose: fanmail.PurposeMarketingEmail, Channel: "email",
			Granted: consent, Source: "web", Version: fanmail.ConsentWordingVersion})
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// cmpCatalogue stores 오즈세컨 with one new product and returns the brand.
func cmpCatalogue(t *testing.T, db *store.DB) fanmail.Brand {
	t.Helper()
	ctx := context.Background()
	g, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	oz, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "ozsecond", Name: "오즈세컨", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateProduct(ctx, fanmail.Product{BrandID: oz.ID, Code: "OZ-COAT-01", Name: "울 코트", Shelf: "new",
		Price: 259000, Published: true}); err != nil {
		t.Fatal(err)
	}
	return oz
}

func senderValues(name, address, phone string) url.Values {
	return url.Values{"name": {name}, "kind": {"brand"}, "from_name": {"오즈세컨"}, "from_email": {"news@ozsecond.example"},
		"reply_to": {""}, "address": {address}, "phone": {phone}}
}

func TestSenderPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCmpEnv(t, db)
		c := e.user(t, "marketer@example.com", fanmail.RoleMarketer)
		counsel := e.user(t, "counsel@example.com", fanmail.RoleCounsellor)

		if res := e.get(t, "/admin/senders", counsel); res.StatusCode != http.StatusForbidden {
			t.Errorf("counsellor: status %d, want 403", res.StatusCode)
		}
		wantStatus(t, e.get(t, "/admin/senders/new?lang=ko", c), http.StatusOK, "")

		t.Run("ErrInvalid", func(t *testing.T) {
			f := senderValues("오즈세컨 강남점", "", "")
			f.Set("from_email", "not an address")
			res := e.post(t, "/admin/senders?lang=ko", f, c)
			wantStatus(t, res, http.StatusUnprocessableEntity, "")
			if !strings.Contains(res.Body, `id="error-from_email"`) || !strings.Contains(res.Body, `value="오즈세컨 강남점"`) {
				t.Errorf("form does not show the error and what was typed:\n%s", res.Body)
			}
		})

		res := e.post(t, "/admin/senders", senderValues("오즈세컨 강남점", "서울특별시 강남구 테헤란로 1", "02-555-0101"), c)
		wantStatus(t, res, http.StatusSeeOther, "/admin/senders")
		list := e.get(t, "/admin/senders", c)
		if !strings.Contains(list.Body, "오즈세컨 강남점") || !strings.Contains(list.Body, "02-555-0101") {
			t.Fatalf("list lacks the sender:\n%s", list.Body)
		}
		ss, _ := db.Senders(context.Background())
		if len(ss) != 1 {
			t.Fatalf("%d senders", len(ss))
		}
		id := ss[0].ID

		f := senderValues("오즈세컨 본사", "서울특별시 강남구 테헤란로 2", "1588-1234")
		f.Set("kind", "centre")
		wantStatus(t, e.post(t, fmt.Sprintf("/admin/senders/%d", id), f, c), http.StatusSeeOther, "/admin/senders")
		got, _ := db.SenderByID(context.Background(), id)
		if got.Name != "오즈세컨 본사" || got.Kind != fanmail.SenderCentre || got.Phone != "1588-1234" {
			t.Errorf("updated sender %+v", got)
		}
		edit := e.get(t, fmt.Sprintf("/admin/senders/%d", id), c)
		if !strings.Contains(edit.Body, `value="1588-1234"`) {
			t.Errorf("edit form lacks the phone")
		}

		// A sender a campaign uses stays; an unused one goes.
		if _, err := db.CreateCampaign(context.Background(), fanmail.Campaign{Name: "봄", Kind: fanmail.CampaignMarketing,
			Status: fanmail.CampaignDraft, SenderID: id, Timezone: "Asia/Seoul"}); err != nil {
			t.Fatal(err)
		}
		res = e.post(t, fmt.Sprintf("/admin/senders/%d/delete", id), nil, c)
		wantStatus(t, res, http.StatusSeeOther, fmt.Sprintf("/admin/senders/%d", id))
		if _, err := db.SenderByID(context.Background(), id); err != nil {
			t.Errorf("used sender deleted: %v", err)
		}
		wantStatus(t, e.post(t, "/admin/senders", senderValues("임시", "", ""), c), http.StatusSeeOther, "/admin/senders")
		ss, _ = db.Senders(context.Background())
		var tmp int64
		for _, s := range ss {
			if s.Name == "임시" {
				tmp = s.ID
			}
		}
		wantStatus(t, e.post(t, fmt.Sprintf("/admin/senders/%d/delete", tmp), nil, c), http.StatusSeeOther, "/admin/senders")
		if _, err := db.SenderByID(context.Background(), tmp); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("unused sender not deleted: %v", err)
		}
	})
}

func campaignValues(name string, sender, segment int64, subject, body string) url.Values {
	return url.Values{"name": {name}, "kind": {"marketing"}, "is_ad": {"1"}, "sender_id": {strconv.FormatInt(sender, 10)},
		"segment_id": {strconv.FormatInt(segment, 10)}, "subject": {subject}, "preheader": {"이번 주에만"},
		"body": {body}, "track_people": {"1"}}
}

// TestCampaignPages walks a campaign from draft to finished through the
// staff UI: compose, preview as a Korean member, test mail, schedule, live
// progress, pause and resume, statistics.
func TestCampaignPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCmpEnv(t, db)
		ctx := context.Background()
		c := e.user(t, "marketer@example.com", fanmail.RoleMarketer)
		oz := cmpCatalogue(t, db)
		minji := cmpMember(t, db, "minji@example.com", "김민지", fanmail.GenderFemale, true, oz.ID)
		cmpMember(t, db, "seoyeon@example.com", "이서연", fanmail.GenderFemale, false, 0)
		cmpMember(t, db, "jihoon@example.com", "박지훈", fanmail.GenderMale, true, 0)
		seg, err := segment.New(db, e.cfg.AgeBands, slog.New(slog.DiscardHandler)).Create(ctx, "20대 여성",
			fanmail.SegmentRules{Op: fanmail.SegmentAnd, Conditions: []fanmail.SegmentCondition{
				{Field: fanmail.FieldGender, Op: fanmail.OpIn, Values: []string{fanmail.GenderFemale}}}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, e.post(t, "/admin/senders", senderValues("오즈세컨 강남점", "서울특별시 강남구 테헤란로 1", "02-555-0101"), c),
			http.StatusSeeOther, "/admin/senders")
		ss, _ := db.Senders(ctx)
		sender := ss[0].ID

		newForm := e.get(t, "/admin/campaigns/new?lang=ko", c)
		wantStatus(t, newForm, http.StatusOK, "")
		for _, want := range []string{"오즈세컨 강남점", "20대 여성", `href="/admin/segments"`, "{{footer}}"} {
			if !strings.Contains(html.UnescapeString(newForm.Body), want) {
				t.Errorf("new campaign form lacks %q", want)
			}
		}

		t.Run("ErrTemplate", func(t *testing.T) {
			res := e.post(t, "/admin/campaigns?lang=en", campaignValues("봄 신상품", sender, seg.ID, "봄 신상품", "<p>{{.Member.Nmae}}</p>"), c)
			wantStatus(t, res, http.StatusUnprocessableEntity, "")
			if !strings.Contains(res.Body, `id="error-body"`) || !strings.Contains(res.Body, "Template line 1: unknown merge field .Member.Nmae.") {
				t.Errorf("template error not shown next to the body:\n%s", res.Body)
			}
			// In Korean, with the line number and the field filled in.
			res = e.post(t, "/admin/campaigns?lang=ko", campaignValues("봄 신상품", sender, seg.ID, "봄 신상품", "<p>\n{{.Member.Nmae}}</p>"), c)
			if want := "템플릿 2번째 줄: 알 수 없는 병합 필드 .Member.Nmae."; !strings.Contains(html.UnescapeString(res.Body), want) {
				t.Errorf("Korean form lacks %q:\n%s", want, res.Body)
			}
		})

		body := "<p>{{.Member.Name}}님, 봄 신상품이 나왔어요.</p>\n{{products \"ozsecond\" \"new\" 2}}\n{{footer}}"
		res := e.post(t, "/admin/campaigns", campaignValues("봄 신상품", sender, seg.ID, "{{.Member.Name}}님을 위한 봄 신상품", body), c)
		wantStatus(t, res, http.StatusSeeOther, "")
		id := locationID(t, res)
		base := fmt.Sprintf("/admin/campaigns/%d", id)

		page := e.get(t, base+"?lang=ko", c)
		wantStatus(t, page, http.StatusOK, "")
		for _, want := range []string{`id="test-form"`, `id="schedule-form"`, `data-status="draft"`, "20대 여성"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("draft page lacks %s", want)
			}
		}
		// The segment matches two members; the one without marketing
		// consent is left out, and the page says so and why.
		leftOut := regexp.MustCompile(`(?s)id="campaign-left-out">.*?지금 해당하는 회원은 2명이며, 그중 1명은.*?` +
			`id="left-out-no-consent">마케팅 수신 동의 없음: 1<.*?이서연</a></td><td>마케팅 수신 동의 없음</td>`)
		if !leftOut.MatchString(page.Body) {
			t.Errorf("draft page does not say who is left out and why:\n%s", page.Body)
		}
		if list := e.get(t, "/admin/campaigns", c); !strings.Contains(list.Body, base) {
			t.Errorf("campaign list lacks the campaign")
		}

		t.Run("Preview", func(t *testing.T) {
			res := e.get(t, base+"/preview?lang=ko&q=minji@example.com", c)
			wantStatus(t, res, http.StatusOK, "")
			text := html.UnescapeString(res.Body)
			frame := fmt.Sprintf(`src="%s/preview/html?member=%d"`, base, minji.ID)
			for _, want := range []string{
				`id="preview-html"`, `sandbox=""`, frame,
				"(광고) 김민지님을 위한 봄 신상품",
				"List-Unsubscribe-Post", "울 코트", "259,000원", "서울특별시 강남구 테헤란로 1",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("preview lacks %q", want)
				}
			}
			if !regexp.MustCompile(`(?s)<pre id="preview-text"[^>]*>.*김민지님, 봄 신상품이 나왔어요\.`).MatchString(res.Body) {
				t.Errorf("text part not personalised:\n%s", res.Body)
			}
			// The mail's HTML is the frame's own answer, with a policy that
			// allows the mail's inline styles but no script, framed only by
			// fanmail itself.
			if strings.Contains(res.Body, "<p>김민지님") {
				t.Error("mail HTML is in the preview page itself")
			}
			mail := e.get(t, fmt.Sprintf("%s/preview/html?member=%d", base, minji.ID), c)
			wantStatus(t, mail, http.StatusOK, "")
			if !strings.Contains(mail.Body, "<p>김민지님, 봄 신상품이 나왔어요.</p>") || !strings.Contains(mail.Body, `style="`) {
				t.Errorf("preview frame lacks the personalised mail HTML:\n%s", mail.Body)
			}
			csp := mail.Header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "style-src 'unsafe-inline'", "frame-ancestors 'self'", "sandbox"} {
				if !strings.Contains(csp, want) {
					t.Errorf("preview frame policy %q lacks %s", csp, want)
				}
			}
			if strings.Contains(csp, "script-src") {
				t.Errorf("preview frame policy %q allows scripts", csp)
			}
			cmpMember(t, db, "seohyun@example.com", "김서현", fanmail.GenderFemale, false, 0)
			picker := e.get(t, base+"/preview?q=김", c)
			if !strings.Contains(picker.Body, fmt.Sprintf("member=%d", minji.ID)) || strings.Contains(picker.Body, `id="preview-html"`) {
				t.Errorf("search did not offer a choice:\n%s", picker.Body)
			}
		})

		t.Run("TestSend", func(t *testing.T) {
			res := e.post(t, base+"/test", url.Values{"to": {"tester@example.com"}, "member_id": {strconv.FormatInt(minji.ID, 10)}}, c)
			wantStatus(t, res, http.StatusSeeOther, base)
			msg := e.smtp.WaitFor(t, 1, 10*time.Second)[0]
			if msg.To[0] != "tester@example.com" || msg.Subject != "[TEST] (광고) 김민지님을 위한 봄 신상품" || !strings.Contains(msg.Text, "김민지님, 봄 신상품이 나왔어요.") {
				t.Errorf("test mail to %v: %q\n%s", msg.To, msg.Subject, msg.Text)
			}
			bad := e.post(t, base+"/test?lang=ko", url.Values{"to": {"not an address"}}, c)
			wantStatus(t, bad, http.StatusUnprocessableEntity, "")
			if !strings.Contains(bad.Body, `id="error-to"`) {
				t.Errorf("bad address not shown next to the field:\n%s", bad.Body)
			}
		})

		t.Run("ScheduleRefused", func(t *testing.T) {
			wantStatus(t, e.post(t, "/admin/senders", senderValues("주소 없는 발신자", "", ""), c), http.StatusSeeOther, "/admin/senders")
			ss, _ := db.Senders(ctx)
			var bare int64
			for _, s := range ss {
				if s.Name == "주소 없는 발신자" {
					bare = s.ID
				}
			}
			res := e.post(t, "/admin/campaigns", campaignValues("주소 없음", bare, 0, "안내", "<p>안녕하세요</p>"), c)
			wantStatus(t, res, http.StatusSeeOther, "")
			other := fmt.Sprintf("/admin/campaigns/%d", locationID(t, res))
			refused := e.post(t, other+"/schedule?lang=en", url.Values{"when": {"now"}, "timezone": {"Asia/Seoul"}, "zone": {"company"}}, c)
			wantStatus(t, refused, http.StatusUnprocessableEntity, "")
			if !strings.Contains(refused.Body, `id="schedule-refused"`) || !strings.Contains(refused.Body, `id="error-sender_id"`) {
				t.Errorf("missing sender details not shown next to the sender:\n%s", refused.Body)
			}
			// With a complete sender, the body without {{footer}} is refused.
			f := campaignValues("주소 없음", sender, 0, "안내", "<p>안녕하세요</p>")
			wantStatus(t, e.post(t, other, f, c), http.StatusSeeOther, other)
			refused = e.post(t, other+"/schedule?lang=ko", url.Values{"when": {"now"}, "timezone": {"Asia/Seoul"}, "zone": {"company"}}, c)
			wantStatus(t, refused, http.StatusUnprocessableEntity, "")
			if !strings.Contains(refused.Body, `id="error-body"`) {
				t.Errorf("missing footer not shown next to the body:\n%s", refused.Body)
			}
			bad := e.post(t, other+"/schedule", url.Values{"when": {"later"}, "send_at": {"tomorrow"}, "timezone": {"Asia/Seoul"}}, c)
			wantStatus(t, bad, http.StatusUnprocessableEntity, "")
			if !strings.Contains(bad.Body, `id="error-send_at"`) {
				t.Errorf("bad time not shown next to the field:\n%s", bad.Body)
			}
		})

		t.Run("ScheduleLaterInMemberZones", func(t *testing.T) {
			res := e.post(t, "/admin/campaigns", campaignValues("도쿄 시각", sender, seg.ID, "안내", "<p>안녕하세요</p>{{footer}}"), c)
			wantStatus(t, res, http.StatusSeeOther, "")
			lid := locationID(t, res)
			later := db.Now().Add(72 * time.Hour).In(time.FixedZone("JST", 9*3600)).Truncate(time.Minute)
			res = e.post(t, fmt.Sprintf("/admin/campaigns/%d/schedule", lid), url.Values{"when": {"later"},
				"send_at": {later.Format("2006-01-02T15:04")}, "timezone": {"Asia/Tokyo"}, "zone": {"member"}}, c)
			wantStatus(t, res, http.StatusSeeOther, fmt.Sprintf("/admin/campaigns/%d", lid))
			got, err := db.CampaignByID(ctx, lid)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != fanmail.CampaignScheduled || !got.MemberTZ || got.Timezone != "Asia/Tokyo" || got.SendAt == nil || !got.SendAt.Equal(later) {
				t.Errorf("scheduled %s member_tz=%v zone=%s at %v; want %v", got.Status, got.MemberTZ, got.Timezone, got.SendAt, later)
			}
			page := e.get(t, fmt.Sprintf("/admin/campaigns/%d", lid), c)
			if !strings.Contains(page.Body, later.Format("2006-01-02 15:04")+" JST") || !strings.Contains(page.Body, `id="campaign-unschedule"`) {
				t.Errorf("scheduled page:\n%s", page.Body)
			}
			wantStatus(t, e.post(t, fmt.Sprintf("/admin/campaigns/%d/unschedule", lid), nil, c), http.StatusSeeOther, "")
			if got, _ := db.CampaignByID(ctx, lid); got.Status != fanmail.CampaignDraft {
				t.Errorf("after unschedule: %s", got.Status)
			}
		})

		// Schedule for now, in the member's time zone choice kept off.
		res = e.post(t, base+"/schedule", url.Values{"when": {"now"}, "timezone": {"Asia/Seoul"}, "zone": {"company"}}, c)
		wantStatus(t, res, http.StatusSeeOther, base)
		frag := e.get(t, base+"/progress?lang=ko", c)
		wantStatus(t, frag, http.StatusOK, "")
		if !strings.Contains(frag.Body, `hx-trigger="every 2s"`) || !strings.Contains(frag.Body, `data-status="scheduled"`) ||
			strings.Contains(frag.Body, "<html") {
			t.Errorf("scheduled fragment:\n%s", frag.Body)
		}

		// The engine (the app's own campaign service) starts and sends it.
		relay, err := email.ParseRelayURL(e.smtp.URL())
		if err != nil {
			t.Fatal(err)
		}
		// PollInterval 1ns: the engine sees at once what the pages changed.
		engine := campaign.New(db, campaign.Options{BaseURL: e.cfg.BaseURL, Relays: []email.Relay{relay}, PollInterval: time.Nanosecond}, nil)
		t.Cleanup(func() { engine.Close() })
		if err := engine.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		frag = e.get(t, base+"/progress", c)
		if !strings.Contains(frag.Body, `data-status="sending"`) || !strings.Contains(frag.Body, `id="campaign-pause"`) ||
			!strings.Contains(frag.Body, `hx-trigger="every 2s"`) {
			t.Fatalf("sending fragment:\n%s", frag.Body)
		}
		total := regexp.MustCompile(`id="progress-total">(\d+)<`).FindStringSubmatch(frag.Body)
		if total == nil || total[1] == "0" {
			t.Errorf("progress shows no sends:\n%s", frag.Body)
		}

		wantStatus(t, e.post(t, base+"/pause", nil, c), http.StatusSeeOther, base)
		frag = e.get(t, base+"/progress", c)
		if !strings.Contains(frag.Body, `data-status="paused"`) || !strings.Contains(frag.Body, `id="campaign-resume"`) ||
			strings.Contains(frag.Body, "hx-trigger") {
			t.Errorf("paused fragment:\n%s", frag.Body)
		}
		if n, _ := engine.SendDue(ctx); n != 0 {
			t.Errorf("a paused campaign sent %d mails", n)
		}
		// Pausing twice reports the conflict instead of failing.
		res = e.post(t, base+"/pause", nil, c)
		wantStatus(t, res, http.StatusSeeOther, base)
		if !strings.Contains(res.Header.Get("Location"), "flash=") {
			t.Errorf("no message about the conflict: %s", res.Header.Get("Location"))
		}
		wantStatus(t, e.post(t, base+"/resume", nil, c), http.StatusSeeOther, base)
		if _, err := engine.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		if err := engine.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		msgs := e.smtp.WaitFor(t, 2, 10*time.Second)
		if last := msgs[len(msgs)-1]; last.To[0] != "minji@example.com" || last.Subject != "(광고) 김민지님을 위한 봄 신상품" {
			t.Errorf("campaign mail to %v: %q", last.To, last.Subject)
		}

		frag = e.get(t, base+"/progress?lang=ko", c)
		if !strings.Contains(frag.Body, `data-status="finished"`) || strings.Contains(frag.Body, "hx-trigger") ||
			!strings.Contains(frag.Body, `id="progress-sent">1<`) {
			t.Errorf("finished fragment:\n%s", frag.Body)
		}

		t.Run("Statistics", func(t *testing.T) {
			var sendID int64
			if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM sends WHERE campaign_id = $1 AND state = 'sent'`, id).Scan(&sendID); err != nil {
				t.Fatal(err)
			}
			var linkID int64
			var linkURL string
			if err := db.SQL().QueryRowContext(ctx, `SELECT id, url FROM links WHERE campaign_id = $1 ORDER BY id LIMIT 1`, id).Scan(&linkID, &linkURL); err != nil {
				t.Fatalf("no tracked link: %v", err)
			}
			// At the start of an hour: the chart's one bucket holds them all,
			// whatever the time the test runs at.
			at := db.Now().Truncate(time.Hour).Add(time.Hour)
			if err := db.InsertEvents(ctx, []store.Event{
				{CampaignID: id, SendID: sendID, MemberID: minji.ID, Kind: tracking.KindDelivered, CreatedAt: at},
				{CampaignID: id, SendID: sendID, MemberID: minji.ID, Kind: tracking.KindOpen, CreatedAt: at},
				{CampaignID: id, SendID: sendID, MemberID: minji.ID, Kind: tracking.KindOpen, CreatedAt: at.Add(time.Minute)},
				{CampaignID: id, SendID: sendID, MemberID: minji.ID, Kind: tracking.KindClick, LinkID: linkID, CreatedAt: at.Add(2 * time.Minute)},
				{CampaignID: id, SendID: sendID, MemberID: minji.ID, Kind: tracking.KindClick, LinkID: linkID, IsBot: true, CreatedAt: at},
			}); err != nil {
				t.Fatal(err)
			}
			res := e.get(t, base+"?lang=ko", c)
			wantStatus(t, res, http.StatusOK, "")
			for _, want := range []*regexp.Regexp{
				regexp.MustCompile(`(?s)id="stat-sent">.*?class="count">1<`),
				regexp.MustCompile(`(?s)id="stat-opened">.*?class="count">1<.*?100\.0%`),
				regexp.MustCompile(`(?s)id="stat-opens">.*?class="count">2<`),
				regexp.MustCompile(`(?s)id="stat-clicked">.*?class="count">1<`),
				regexp.MustCompile(`(?s)id="stat-unsubscribed">.*?class="count">0<`),
				regexp.MustCompile(`(?s)id="campaign-links">.*?` + regexp.QuoteMeta(html.EscapeString(linkURL)) + `.*?class="flagged">1<`),
				// The scanner's click is shown as flagged, with the window.
				regexp.MustCompile(`id="campaign-flagged">링크 검사기로 표시해 위 집계에서 뺀 열람 0건, 클릭 1건 \(HEAD 요청, 그리고 발송 후 10s 안의 클릭\)`),
				regexp.MustCompile(`id="campaign-chart-data">\{"labels":\["[0-9-]+ [0-9]+:00"\],"opens":\[2\],"clicks":\[1\]`),
				regexp.MustCompile(`chart\.umd\.min\.js`),
			} {
				if !want.MatchString(res.Body) {
					t.Errorf("statistics page does not match %s", want)
				}
			}
			if !strings.Contains(res.Body, "열람") {
				t.Errorf("statistics are not in Korean")
			}
		})
	})
}

// While the relay refuses fanmail's login, the campaign page says so: how
// often, when last, and the relay's reply.
func TestCampaignPage_RelayErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCmpEnv(t, db)
		ctx := context.Background()
		c := e.user(t, "marketer@example.com", fanmail.RoleMarketer)
		cmpMember(t, db, "minji@example.com", "김민지", fanmail.GenderFemale, true, 0)
		relaySrv := channeltest.NewSMTPServer(t, channeltest.WithAuth("fanmail", "s3cret-pw"))
		relay, err := email.ParseRelayURL("smtp://fanmail:wr0ng-pw@" + relaySrv.Addr() + "?tls=none")
		if err != nil {
			t.Fatal(err)
		}
		engine := campaign.New(db, campaign.Options{BaseURL: e.cfg.BaseURL, Relays: []email.Relay{relay}}, nil)
		t.Cleanup(func() { engine.Close() })
		snd, err := engine.CreateSender(ctx, fanmail.Sender{Name: "오즈세컨 강남점", FromName: "오즈세컨", FromEmail: "news@ozsecond.example",
			Kind: fanmail.SenderBrand, Address: "서울특별시 강남구 테헤란로 1", Phone: "02-555-0101"})
		if err != nil {
			t.Fatal(err)
		}
		camp, err := engine.CreateCampaign(ctx, fanmail.Campaign{Name: "봄 신상품", IsAd: true, SenderID: snd.ID,
			Subject: "봄 신상품", Body: "<p>{{.Member.Name}}님</p>\n{{footer}}"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := engine.Schedule(ctx, camp.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if err := engine.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := engine.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		frag := e.get(t, fmt.Sprintf("/admin/campaigns/%d/progress?lang=ko", camp.ID), c)
		wantStatus(t, frag, http.StatusOK, "")
		body := html.UnescapeString(frag.Body)
		if !strings.Contains(body, `id="campaign-relay-errors"`) || !strings.Contains(body, "발송이 1번 실패") ||
			!strings.Contains(body, "535") || strings.Contains(body, "wr0ng-pw") {
			t.Errorf("no relay error on the campaign page:\n%s", frag.Body)
		}
	})
}

// Every English text of the campaign, sender and order pages has a Korean
// translation.
func TestCampaignTemplates_Korean(t *testing.T) {
	re := regexp.MustCompile(`t \$?\.Lang "([^"]+)"`)
	files := []string{"campaigns.html", "campaign.html", "campaign_form.html", "campaign_preview.html", "_campaign_live.html",
		"senders.html", "sender_form.html", "orders.html", "order.html", "orders_import.html"}
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
	var msgs []string
	for _, l := range campaignStatusLabels {
		msgs = append(msgs, l)
	}
	for _, r := range statRows(tracking.Stats{}) {
		msgs = append(msgs, r.Label, r.Of)
	}
	msgs = append(msgs, "Campaigns", "New campaign", "Edit campaign", "Senders", "New sender", "Edit sender", "Preview",
		"Orders", "Order", "Order import", "Saved.", "Sender saved.", "Sender deleted.", "Test mail sent.", "Campaign scheduled.",
		"Back to draft.", "Campaign paused.", "Campaign resumed.", "Campaign cancelled.",
		"The campaign's status has changed meanwhile; nothing was done.", "Opens", "Clicks",
		fanmail.ConfirmSkipInactive, fanmail.ConfirmSkipSuppressed, fanmail.ConfirmSkipOld, fanmail.ConfirmSkipNotConfigured)
	for _, msg := range msgs {
		if msg != "" && !i18n.Has(msg) {
			t.Errorf("no Korean for %q", msg)
		}
	}
}
