package campaign_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/campaign"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/tracking"
	"github.com/fanmail/fanmail/internal/web"
)

const baseURL = "https://fan.example.com"

var testURLs = tracking.URLs{Base: baseURL, Secret: []byte("test-secret")}

// clock is a settable clock for db.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// useClock makes db's clock settable, starting at the real time.
func useClock(db *store.DB) *clock {
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	db.Now = c.Now
	return c
}

func relayOf(t testing.TB, srv *channeltest.SMTPServer, params string) email.Relay {
	t.Helper()
	r, err := email.ParseRelayURL(srv.URL() + params)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newService(t testing.TB, db *store.DB, srv *channeltest.SMTPServer, mod ...func(*campaign.Options)) *campaign.Service {
	t.Helper()
	opts := campaign.Options{BaseURL: baseURL, URLs: testURLs, BatchSize: 10, PollInterval: 50 * time.Millisecond}
	if srv != nil {
		opts.Relays = []email.Relay{relayOf(t, srv, "&concurrency=2")}
	}
	for _, m := range mod {
		m(&opts)
	}
	s := campaign.New(db, opts, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
	t.Cleanup(func() { s.Close() })
	return s
}

type memberOpt func(*fanmail.Member)

func born(year int) memberOpt { return func(m *fanmail.Member) { m.BirthYear = year } }

func female(m *fanmail.Member) { m.Gender = fanmail.GenderFemale }

// mustMember creates an active member, with marketing consent if consent.
func mustMember(t testing.TB, db *store.DB, addr, name string, consent bool, opts ...memberOpt) fanmail.Member {
	t.Helper()
	ctx := context.Background()
	m := fanmail.Member{Email: addr, Name: name, Lang: "ko", Status: fanmail.MemberActive, Source: "admin"}
	for _, o := range opts {
		o(&m)
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		m, err = tx.CreateMember(ctx, m)
		if err != nil {
			return err
		}
		return tx.AddConsent(ctx, fanmail.Consent{MemberID: m.ID, Purpose: fanmail.PurposeMarketingEmail, Channel: "email",
			Granted: consent, Source: "admin", Version: fanmail.ConsentWordingVersion})
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// withdraw records a withdrawal of m's marketing consent.
func withdraw(t testing.TB, db *store.DB, m fanmail.Member) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		return tx.AddConsent(ctx, fanmail.Consent{MemberID: m.ID, Purpose: fanmail.PurposeMarketingEmail, Channel: "email",
			Granted: false, Source: "portal", Version: fanmail.ConsentWordingVersion})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustMembers(t testing.TB, db *store.DB, n int) []fanmail.Member {
	t.Helper()
	ms := make([]fanmail.Member, n)
	for i := range ms {
		ms[i] = mustMember(t, db, fmt.Sprintf("fan%04d@example.com", i), fmt.Sprintf("팬%d", i), true)
	}
	return ms
}

func mustSender(t testing.TB, s *campaign.Service) fanmail.Sender {
	t.Helper()
	snd, err := s.CreateSender(context.Background(), fanmail.Sender{Name: "오즈세컨 강남점", FromName: "오즈세컨",
		FromEmail: "news@ozsecond.example", Kind: fanmail.SenderShop, Address: "서울특별시 강남구 테헤란로 123", Phone: "02-1234-5678"})
	if err != nil {
		t.Fatal(err)
	}
	return snd
}

const adBody = `<p>{{.Member.Name}}님, 안녕하세요!</p>
<p>봄 신상품을 소개합니다. <a href="https://shop.example.com/spring?from=mail&amp;x=1">보러 가기</a></p>
{{footer}}`

func mustCampaign(t testing.TB, s *campaign.Service, snd fanmail.Sender, body string) fanmail.Campaign {
	t.Helper()
	c, err := s.CreateCampaign(context.Background(), fanmail.Campaign{Name: "봄 신상품", IsAd: true, SenderID: snd.ID,
		Subject: "{{.Member.Name}}님을 위한 봄 신상품", Preheader: "이번 주만 10% 할인", Body: body, TrackPeople: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// start schedules c for now and starts it.
func start(t testing.TB, s *campaign.Service, c fanmail.Campaign) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Schedule(ctx, c.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Tick(ctx); err != nil {
		t.Fatal(err)
	}
}

// startToSegment creates an ad to a new segment named name, of members
// matching one condition, and starts it.
func startToSegment(t testing.TB, s *campaign.Service, db *store.DB, name string, cond fanmail.SegmentCondition) fanmail.Campaign {
	t.Helper()
	ctx := context.Background()
	seg, err := db.CreateSegment(ctx, fanmail.Segment{Name: name, Rules: fanmail.SegmentRules{Op: fanmail.SegmentAnd,
		Conditions: []fanmail.SegmentCondition{cond}}})
	if err != nil {
		t.Fatal(err)
	}
	c := mustCampaign(t, s, mustSender(t, s), adBody)
	c.SegmentID = seg.ID
	if _, err := s.UpdateCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	start(t, s, c)
	return c
}

func status(t testing.TB, s *campaign.Service, id int64) campaign.Progress {
	t.Helper()
	p, err := s.Status(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// recipients counts the messages per envelope recipient.
func recipients(msgs []channeltest.Message) map[string]int {
	got := map[string]int{}
	for _, m := range msgs {
		for _, to := range m.To {
			got[to]++
		}
	}
	return got
}

func each(t *testing.T, fn func(t *testing.T, db *store.DB)) { storetest.Each(t, fn) }

func TestService_Preview(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db, nil)
		m := mustMember(t, db, "minji.kim@example.com", "김민지", true, born(2001), female)
		snd := mustSender(t, s)
		c := mustCampaign(t, s, snd, `<p>{{.Member.Name}}님({{.Member.Age}}세, {{.Member.Gender}}), 안녕하세요!</p>
<p>좋아하는 브랜드: {{default "아직 없음" .Member.FavoriteBrands}}</p>
<p>{{default "고객" .Member.Code}} · <a href="{{.UnsubscribeURL}}">수신거부</a></p>
{{footer}}`)
		msg, err := s.Preview(ctx, c.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		age := time.Now().Year() - 2001
		wantSubject := "(광고) 김민지님을 위한 봄 신상품"
		if msg.Subject != wantSubject {
			t.Errorf("subject = %q, want %q", msg.Subject, wantSubject)
		}
		for _, want := range []string{fmt.Sprintf("김민지님(%d세, 여성), 안녕하세요!", age), "좋아하는 브랜드: 아직 없음", "고객 · ",
			"오즈세컨 강남점", "서울특별시 강남구 테헤란로 123", "연락처 02-1234-5678", "수신거부", "이번 주만 10% 할인"} {
			if !strings.Contains(msg.HTML, want) {
				t.Errorf("HTML lacks %q:\n%s", want, msg.HTML)
			}
		}
		for _, want := range []string{fmt.Sprintf("김민지님(%d세, 여성), 안녕하세요!", age), "수신거부(Unsubscribe) (" + baseURL + "/u/preview/"} {
			if !strings.Contains(msg.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, msg.Text)
			}
		}
		if strings.Contains(msg.Text, "<p>") || strings.Contains(msg.Text, "이번 주만") {
			t.Errorf("text has markup or the hidden preheader:\n%s", msg.Text)
		}
		if got := msg.Headers["List-Unsubscribe-Post"]; got != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe-Post = %q", got)
		}
		if got := msg.Headers["List-Unsubscribe"]; got != "<"+testURLs.Unsubscribe("preview")+">" {
			t.Errorf("List-Unsubscribe = %q", got)
		}
		if msg.From != "=?UTF-8?B?7Jik7KaI7IS47Luo?= <news@ozsecond.example>" {
			t.Errorf("From = %q", msg.From)
		}
	})
}

func TestService_TemplateErrors(t *testing.T) {
	db := storetest.OpenSQLite(t)
	s := newService(t, db, nil)
	snd := mustSender(t, s)
	ctx := context.Background()
	tests := []struct {
		name, subject, body, want, wantKo string
	}{
		{"UnknownField", "안녕", "<p>안녕하세요</p>\n<p>{{.Member.Nickname}}님</p>", "Template line 2: unknown merge field .Member.Nickname.",
			"템플릿 2번째 줄: 알 수 없는 병합 필드 .Member.Nickname."},
		{"UnknownTopField", "안녕", "{{.Shop.Name}}", "Template line 1: unknown merge field .Shop.Name.",
			"템플릿 1번째 줄: 알 수 없는 병합 필드 .Shop.Name."},
		// The parser's own reasons stay English inside the Korean sentence.
		{"Unparsable", "안녕", "<p>\n\n{{if .Sender.Name}}</p>", "Template line 3: unexpected EOF.", "템플릿 3번째 줄: unexpected EOF."},
		{"BadSubject", "{{.Member.Name", "본문", `Subject line 1: unclosed action.`, "제목 1번째 줄: unclosed action."},
		{"UnknownFunction", "안녕", "{{coupon 3}}", `Template line 1: function "coupon" not defined.`, `템플릿 1번째 줄: function "coupon" not defined.`},
		{"ConditionOnMember", "안녕", "<p>\n{{if .Member.Name}}x{{end}}</p>", "Template line 2: conditions and loops cannot use member fields.",
			"템플릿 2번째 줄: 조건문과 반복문에는 회원 필드를 쓸 수 없습니다."},
		{"PipedMember", "안녕", "{{.Member.Name | printf \"%s\"}}", `Template line 1: member fields can only be printed, as in {{.Member.Name}} or {{default "고객" .Member.Name}}.`,
			`템플릿 1번째 줄: 회원 필드는 {{.Member.Name}} 또는 {{default "고객" .Member.Name}}처럼 출력만 할 수 있습니다.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateCampaign(ctx, fanmail.Campaign{Name: "x", SenderID: snd.ID, Subject: tt.subject, Body: tt.body})
			if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorMessage(err) != tt.want {
				t.Errorf("err = %v, want EINVALID %q", err, tt.want)
			}
			if got := web.Message("ko", err); got != tt.wantKo {
				t.Errorf("in Korean: %q, want %q", got, tt.wantKo)
			}
		})
	}
}

func TestService_ScheduleChecks(t *testing.T) {
	db := storetest.OpenSQLite(t)
	s := newService(t, db, nil)
	ctx := context.Background()
	snd := mustSender(t, s)
	bare, err := s.CreateSender(ctx, fanmail.Sender{Name: "시스템", FromName: "시스템", FromEmail: "hello@system.example"})
	if err != nil {
		t.Fatal(err)
	}
	noPhone, err := s.CreateSender(ctx, fanmail.Sender{Name: "시스템 명동점", FromName: "시스템", FromEmail: "hello@system.example",
		Address: "서울특별시 중구 명동길 1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		c    fanmail.Campaign
		want string
	}{
		{name: "NoFooter", c: fanmail.Campaign{IsAd: true, SenderID: snd.ID, Body: "<p>신상품</p>"},
			want: "The mail has no unsubscribe link. Add {{footer}} to the template."},
		{name: "NoSenderDetails", c: fanmail.Campaign{IsAd: true, SenderID: snd.ID,
			Body: `<p>{{.Sender.Name}} {{.Sender.Address}} <a href="{{.UnsubscribeURL}}">수신거부</a></p>`},
			want: "An advertisement must show the sender's name, address and phone. Add {{footer}} to the template."},
		{name: "SenderLacksAddress", c: fanmail.Campaign{IsAd: true, SenderID: bare.ID, Body: "{{footer}}"},
			want: "The sender has no address; an advertisement must show it."},
		{name: "SenderLacksPhone", c: fanmail.Campaign{IsAd: true, SenderID: noPhone.ID, Body: "{{footer}}"},
			want: "The sender has no phone number; an advertisement must show it."},
		{name: "UnknownBrand", c: fanmail.Campaign{IsAd: true, SenderID: snd.ID, Body: "<p>\n{{products \"nobody\" \"new\" 3}}</p>{{footer}}"},
			want: `Template line 2: unknown brand "nobody".`},
		{name: "NoSender", c: fanmail.Campaign{Body: "{{footer}}"}, want: "Choose a sender."},
		{name: "MarketingWithoutUnsubscribe", c: fanmail.Campaign{SenderID: bare.ID, Body: "<p>공지</p>"},
			want: "The mail has no unsubscribe link. Add {{footer}} to the template."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			c.Name, c.Subject = tt.name, "제목"
			c, err := s.CreateCampaign(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Schedule(ctx, c.ID, time.Time{})
			if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorMessage(err) != tt.want {
				t.Errorf("schedule: %v, want EINVALID %q", err, tt.want)
			}
			if !strings.HasPrefix(tt.want, "Template line") && !i18n.Has(tt.want) {
				t.Errorf("no Korean for %q", tt.want)
			}
			if got, _ := s.Campaign(ctx, c.ID); got.Status != fanmail.CampaignDraft {
				t.Errorf("status = %s, want draft", got.Status)
			}
		})
	}
	t.Run("TransactionalNeedsNoFooter", func(t *testing.T) {
		mustMember(t, db, "order@example.com", "주문자", false)
		c, err := s.CreateCampaign(ctx, fanmail.Campaign{Name: "주문 확인", Kind: fanmail.CampaignTransactional, SenderID: bare.ID,
			Subject: "주문이 접수되었습니다", Body: "<p>{{.Member.Name}}님, 주문 감사합니다.</p>"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Schedule(ctx, c.ID, time.Time{}); err != nil {
			t.Errorf("schedule: %v", err)
		}
	})
	t.Run("TransactionalAd", func(t *testing.T) {
		_, err := s.CreateCampaign(ctx, fanmail.Campaign{Name: "x", Kind: fanmail.CampaignTransactional, IsAd: true, Subject: "s", Body: "b"})
		if fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("err = %v, want EINVALID", err)
		}
	})
}

func TestService_StateMachine(t *testing.T) {
	db := storetest.OpenSQLite(t)
	s := newService(t, db, nil)
	ctx := context.Background()
	clk := useClock(db)
	snd := mustSender(t, s)
	c := mustCampaign(t, s, snd, adBody)
	if _, err := s.Schedule(ctx, c.ID, time.Time{}); fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorField(err) != "segment_id" {
		t.Errorf("schedule with nobody to send to: %v, want EINVALID on segment_id", err)
	}
	mustMember(t, db, "minji.kim@example.com", "김민지", true)
	if _, err := s.Pause(ctx, c.ID); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
		t.Errorf("pause a draft: %v, want ECONFLICT", err)
	}
	at := clk.Now().Add(time.Hour)
	got, err := s.Schedule(ctx, c.ID, at)
	if err != nil || got.Status != fanmail.CampaignScheduled || !got.SendAt.Equal(at) {
		t.Fatalf("schedule = %+v, %v", got, err)
	}
	c.Name = "바꿈"
	if _, err := s.UpdateCampaign(ctx, c); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
		t.Errorf("edit a scheduled campaign: %v, want ECONFLICT", err)
	}
	if _, err := s.Schedule(ctx, c.ID, clk.Now().Add(-time.Hour)); fanmail.ErrorCode(err) != fanmail.EINVALID {
		t.Errorf("schedule in the past: %v, want EINVALID", err)
	}
	if err := s.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if st := status(t, s, c.ID).Campaign.Status; st != fanmail.CampaignScheduled {
		t.Errorf("before its time: %s", st)
	}
	clk.Add(time.Hour)
	if err := s.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	p := status(t, s, c.ID)
	if p.Campaign.Status != fanmail.CampaignSending || p.Total != 1 || p.Queued != 1 || p.Campaign.StartedAt == nil {
		t.Errorf("at its time: %+v", p)
	}
	if _, err := s.Unschedule(ctx, c.ID); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
		t.Errorf("unschedule a sending campaign: %v, want ECONFLICT", err)
	}
	if _, err := s.Cancel(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cancel(ctx, c.ID); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
		t.Errorf("cancel a cancelled campaign: %v, want ECONFLICT", err)
	}
	if p := status(t, s, c.ID); p.Campaign.Status != fanmail.CampaignCancelled || p.Total != 0 || p.Percent() != 0 {
		t.Errorf("after cancelling: %+v", p)
	}
}

func TestService_MemberTimezone(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t)
		s := newService(t, db, srv)
		clk := useClock(db)
		seoul := mustMember(t, db, "seoul@example.com", "서울", true)
		la := mustMember(t, db, "la@example.com", "엘에이", true)
		if _, err := db.SQL().ExecContext(ctx, `UPDATE members SET timezone = 'America/Los_Angeles' WHERE id = $1`, la.ID); err != nil {
			t.Fatal(err)
		}
		snd := mustSender(t, s)
		c := mustCampaign(t, s, snd, adBody)
		c.MemberTZ = true
		if _, err := s.UpdateCampaign(ctx, c); err != nil {
			t.Fatal(err)
		}
		// 10:00 tomorrow in Seoul; Los Angeles gets it at its own 10:00.
		seoulZone, _ := time.LoadLocation("Asia/Seoul")
		now := clk.Now().In(seoulZone)
		at := time.Date(now.Year(), now.Month(), now.Day()+1, 10, 0, 0, 0, seoulZone)
		if _, err := s.Schedule(ctx, c.ID, at); err != nil {
			t.Fatal(err)
		}
		laZone, _ := time.LoadLocation("America/Los_Angeles")
		laAt := time.Date(at.Year(), at.Month(), at.Day(), 10, 0, 0, 0, laZone)

		clk.Add(at.Sub(clk.Now()))
		s.Tick(ctx)
		if _, err := s.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		if got := recipients(srv.Messages()); len(got) != 1 || got[seoul.Email] != 1 {
			t.Fatalf("at 10:00 Seoul: %v, want only the Seoul member", got)
		}
		clk.Add(laAt.Sub(clk.Now()))
		if _, err := s.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		if got := recipients(srv.Messages()); len(got) != 2 || got[la.Email] != 1 {
			t.Fatalf("at 10:00 LA: %v, want both", got)
		}
		if st := status(t, s, c.ID).Campaign.Status; st != fanmail.CampaignFinished {
			t.Errorf("status = %s, want finished", st)
		}
	})
}

// mustProducts creates brand "ozsecond" with two new products, the first
// with a photo.
func mustProducts(t testing.TB, db *store.DB) []fanmail.Product {
	t.Helper()
	ctx := context.Background()
	g, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "ozsecond", Name: "오즈세컨", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	var ps []fanmail.Product
	for i, p := range []fanmail.Product{
		{Code: "OZ-J1", Name: "라이트 트렌치 재킷", Price: 189000, Images: []fanmail.ProductImage{{Path: "p/oz-j1.jpg", ContentType: "image/jpeg", Size: 10}}},
		{Code: "OZ-K2", Name: "캐시미어 니트 <한정>", Price: 89000},
	} {
		p.BrandID, p.Shelf, p.Published, p.Position = b.ID, fanmail.ShelfNew, true, i+1
		created, err := db.CreateProduct(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, created)
	}
	return ps
}

func TestService_ProductBlocks(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db, nil)
		ps := mustProducts(t, db)
		m := mustMember(t, db, "minji.kim@example.com", "김민지", true)
		c := mustCampaign(t, s, mustSender(t, s), `<p>{{.Member.Name}}님께 추천하는 신상품</p>
{{products "ozsecond" "new" 3}}
<p>{{range productList "ozsecond" "new" 1}}{{.Name}}: {{.PriceText}}{{end}}, 합계 {{won 278000}}</p>
{{footer}}`)
		msg, err := s.Preview(ctx, c.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		page := func(p fanmail.Product) string { return fmt.Sprintf("%s/catalog/products/%d", baseURL, p.ID) }
		for _, want := range []string{`href="` + page(ps[0]) + `"`, `src="` + baseURL + `/media/p/oz-j1.jpg"`, "라이트 트렌치 재킷", "189,000원",
			"캐시미어 니트 &lt;한정&gt;", "89,000원", "라이트 트렌치 재킷: 189,000원, 합계 278,000원"} {
			if !strings.Contains(msg.HTML, want) {
				t.Errorf("HTML lacks %q:\n%s", want, msg.HTML)
			}
		}
		for _, want := range []string{"라이트 트렌치 재킷 (" + page(ps[0]) + ")", "캐시미어 니트 <한정> (" + page(ps[1]) + ")", "189,000원"} {
			if !strings.Contains(msg.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, msg.Text)
			}
		}
	})
}

// A test mail goes to the given address, marked as a test, rendered for a
// sample member.
func TestService_TestSend(t *testing.T) {
	db := storetest.OpenSQLite(t)
	srv := channeltest.NewSMTPServer(t)
	s := newService(t, db, srv)
	ctx := context.Background()
	c := mustCampaign(t, s, mustSender(t, s), adBody)
	if err := s.TestSend(ctx, c.ID, 0, "marketer@ozsecond.example"); err != nil {
		t.Fatal(err)
	}
	msgs := srv.WaitFor(t, 1, 5*time.Second)
	if got := msgs[0]; got.To[0] != "marketer@ozsecond.example" || got.Subject != "[TEST] (광고) 홍길동님을 위한 봄 신상품" {
		t.Errorf("test mail to %v with subject %q", got.To, got.Subject)
	}
	if err := s.TestSend(ctx, c.ID, 0, "not an address"); fanmail.ErrorCode(err) != fanmail.EINVALID {
		t.Errorf("bad address: %v, want EINVALID", err)
	}
	srv.RejectNext(1, 550)
	if err := s.TestSend(ctx, c.ID, 0, "marketer@ozsecond.example"); fanmail.ErrorCode(err) != fanmail.EUNAVAILABLE {
		t.Errorf("refused: %v, want EUNAVAILABLE", err)
	}
}

// Every mail gets its own Message-ID: test mails too, which have no send of
// their own (they all had <test@host>), and campaign mails, whose IDs carry
// their send's token.
func TestService_UniqueMessageIDs(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t)
		s := newService(t, db, srv)
		mustMembers(t, db, 3)
		c := mustCampaign(t, s, mustSender(t, s), adBody)
		for range 3 {
			if err := s.TestSend(ctx, c.ID, 0, "marketer@ozsecond.example"); err != nil {
				t.Fatal(err)
			}
		}
		start(t, s, c)
		sendDue(t, s)
		msgs := srv.WaitFor(t, 6, 5*time.Second)
		seen := map[string]bool{}
		for _, m := range msgs {
			id := m.Header.Get("Message-Id")
			if !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@fan.example.com>") {
				t.Errorf("Message-ID %q of the mail to %s", id, m.To[0])
			}
			if seen[id] {
				t.Errorf("Message-ID %q used twice", id)
			}
			seen[id] = true
		}
	})
}
