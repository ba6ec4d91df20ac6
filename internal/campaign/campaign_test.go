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
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/tracking"
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
		name, subject, body, want string
	}{
		{"UnknownField", "안녕", "<p>안녕하세요</p>\n<p>{{.Member.Nickname}}님</p>", "Template line 2: unknown merge field .Member.Nickname."},
		{"UnknownTopField", "안녕", "{{.Shop.Name}}", "Template line 1: unknown merge field .Shop.Name."},
		{"Unparsable", "안녕", "<p>\n\n{{if .Sender.Name}}</p>", "Template line 3: unexpected EOF."},
		{"BadSubject", "{{.Member.Name", "본문", `Subject line 1: unclosed action.`},
		{"UnknownFunction", "안녕", "{{coupon 3}}", `Template line 1: function "coupon" not defined.`},
		{"ConditionOnMember", "안녕", "<p>\n{{if .Member.Name}}x{{end}}</p>", "Template line 2: conditions and loops cannot use member fields."},
		{"PipedMember", "안녕", "{{.Member.Name | printf \"%s\"}}", `Template line 1: member fields can only be printed, as in {{.Member.Name}} or {{default "고객" .Member.Name}}.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateCampaign(ctx, fanmail.Campaign{Name: "x", SenderID: snd.ID, Subject: tt.subject, Body: tt.body})
			if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorMessage(err) != tt.want {
				t.Errorf("err = %v, want EINVALID %q", err, tt.want)
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
	tests := []struct {
		name   string
		c      fanmail.Campaign
		want   string
		wantIn string
	}{
		{name: "NoFooter", c: fanmail.Campaign{IsAd: true, SenderID: snd.ID, Body: "<p>신상품</p>"},
			wantIn: "sender name, address, phone, unsubscribe link"},
		{name: "NoUnsubscribe", c: fanmail.Campaign{IsAd: true, SenderID: snd.ID,
			Body: "<p>{{.Sender.Name}} {{.Sender.Address}} {{.Sender.Phone}}</p>"}, wantIn: "lacks what the law requires: unsubscribe link."},
		{name: "NoPhone", c: fanmail.Campaign{IsAd: true, SenderID: snd.ID,
			Body: `<p>{{.Sender.Name}} {{.Sender.Address}} <a href="{{.UnsubscribeURL}}">수신거부</a></p>`}, wantIn: "requires: phone."},
		{name: "SenderLacksDetails", c: fanmail.Campaign{IsAd: true, SenderID: bare.ID, Body: "{{footer}}"},
			want: "The sender lacks what an advertisement must show: address, phone."},
		{name: "UnknownBrand", c: fanmail.Campaign{IsAd: true, SenderID: snd.ID, Body: "<p>\n{{products \"nobody\" \"new\" 3}}</p>{{footer}}"},
			want: `Template line 2: unknown brand "nobody".`},
		{name: "NoSender", c: fanmail.Campaign{Body: "{{footer}}"}, want: "Choose a sender."},
		{name: "MarketingWithoutUnsubscribe", c: fanmail.Campaign{SenderID: bare.ID, Body: "<p>공지</p>"},
			wantIn: "requires: unsubscribe link."},
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
			msg := fanmail.ErrorMessage(err)
			if fanmail.ErrorCode(err) != fanmail.EINVALID || tt.want != "" && msg != tt.want || !strings.Contains(msg, tt.wantIn) {
				t.Errorf("schedule: %v, want EINVALID %q%q", err, tt.want, tt.wantIn)
			}
			if got, _ := s.Campaign(ctx, c.ID); got.Status != fanmail.CampaignDraft {
				t.Errorf("status = %s, want draft", got.Status)
			}
		})
	}
	t.Run("TransactionalNeedsNoFooter", func(t *testing.T) {
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
	s.Tick(ctx)
	if st := status(t, s, c.ID).Campaign.Status; st != fanmail.CampaignScheduled {
		t.Errorf("before its time: %s", st)
	}
	clk.Add(time.Hour)
	s.Tick(ctx)
	// Nobody to send to: it finishes at once.
	if st := status(t, s, c.ID).Campaign.Status; st != fanmail.CampaignFinished {
		t.Errorf("at its time, with nobody to send to: %s, want finished", st)
	}
	if _, err := s.Cancel(ctx, c.ID); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
		t.Errorf("cancel a finished campaign: %v, want ECONFLICT", err)
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
