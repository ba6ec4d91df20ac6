package compliance

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/delivery/deliverytest"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// testClock is the database's clock, moved by the test.
type testClock struct{ t atomic.Pointer[time.Time] }

func (c *testClock) Set(t time.Time) { t = t.UTC(); c.t.Store(&t) }
func (c *testClock) Now() time.Time  { return *c.t.Load() }

// start is 2026-03-02 10:00 KST.
var start = time.Date(2026, 3, 2, 10, 0, 0, 0, fanmail.KST)

func newService(t *testing.T, db *store.DB, opts Options) (*Service, *testClock) {
	t.Helper()
	clk := &testClock{}
	clk.Set(start)
	db.Now = clk.Now
	if opts.Sender == nil {
		opts.Sender = func(context.Context) (fanmail.Sender, error) { return fanmail.Sender{Name: "오즈세컨"}, nil }
	}
	opts.BaseURL = "https://fan.example.com"
	return New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), opts), clk
}

// newMailingService is newService with a real outbox sending its notices
// to an in-process SMTP server.
func newMailingService(t *testing.T, db *store.DB) (*Service, *testClock, *channeltest.SMTPServer) {
	t.Helper()
	srv := channeltest.NewSMTPServer(t)
	s, clk := newService(t, db, Options{})
	ob := deliverytest.Start(t, db, srv.URL())
	s.opts.AfterCommit = ob.Notify
	ob.RegisterAll(s.Renderers())
	return s, clk, srv
}

// decide records one consent decision of member: each purpose granted or
// not, in one transaction, as a registration or the portal does.
func decide(t *testing.T, db *store.DB, memberID int64, decisions map[string]bool) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		for _, p := range fanmail.AdPurposes {
			g, ok := decisions[p]
			if !ok {
				continue
			}
			if err := tx.AddConsent(context.Background(), fanmail.Consent{MemberID: memberID, Purpose: p, Channel: fanmail.ChannelOf(p),
				Granted: g, Source: fanmail.SourceWeb, Version: fanmail.ConsentWordingVersion}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustRun(t *testing.T, fn func(context.Context) (map[string]int64, error)) map[string]int64 {
	t.Helper()
	counts, err := fn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return counts
}

func countRows(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestService_SendResultNotices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, clk, srv := newMailingService(t, db)

		jimin := storetest.MustCreateMember(t, db, "jimin@example.com")
		decide(t, db, jimin.ID, map[string]bool{fanmail.PurposeMarketingEmail: true, fanmail.PurposeMarketingSMS: false,
			fanmail.PurposeNightSMS: false})
		clk.Set(start.Add(time.Hour))
		decide(t, db, jimin.ID, map[string]bool{fanmail.PurposeMarketingEmail: false})
		// A member who has not confirmed the address gets nothing yet.
		var pending fanmail.Member
		err := db.InTx(context.Background(), func(tx *store.Tx) error {
			var err error
			pending, err = tx.CreateMember(context.Background(), fanmail.Member{Email: "pending@example.com", Name: "박서준",
				Lang: fanmail.LangKorean, Status: fanmail.MemberPending, Source: fanmail.SourceWeb})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		decide(t, db, pending.ID, map[string]bool{fanmail.PurposeMarketingEmail: true})

		counts := mustRun(t, s.SendResultNotices)
		if counts["events"] != 4 || counts["notices"] != 2 {
			t.Fatalf("counts = %v, want 4 events in 2 notices", counts)
		}
		if again := mustRun(t, s.SendResultNotices); again["notices"] != 0 {
			t.Errorf("second run wrote %v", again)
		}
		// A clock that jumps back or forward sends nothing again.
		deliverytest.WaitIdle(t, db)
		for _, at := range []time.Time{start.AddDate(-1, 0, 0), start.AddDate(3, 0, 0)} {
			clk.Set(at)
			if again := mustRun(t, s.SendResultNotices); again["notices"] != 0 {
				t.Errorf("run at %v wrote %v", at, again)
			}
		}
		clk.Set(start.Add(time.Hour))
		msgs := srv.WaitFor(t, 2, 10*time.Second)
		var reg, withdrawal channeltest.Message
		for _, m := range msgs {
			if strings.Contains(m.Text, "수신 동의 철회") {
				withdrawal = m
			} else {
				reg = m
			}
		}
		if !strings.Contains(reg.Subject, "[오즈세컨] 광고성 정보 수신동의 처리 결과 안내") {
			t.Errorf("subject = %q", reg.Subject)
		}
		for _, want := range []string{"2026-03-02", "전자우편(이메일): 수신 동의", "문자메시지(SMS): 수신 거부",
			"야간(21시~08시) 문자메시지: 수신 거부", "문자메시지 수신 설정의 결과도 전자우편으로", "https://fan.example.com/portal/consents", "발신자: 오즈세컨"} {
			if !strings.Contains(reg.Text, want) {
				t.Errorf("registration notice lacks %q:\n%s", want, reg.Text)
			}
		}
		if !strings.Contains(withdrawal.Text, "전자우편(이메일): 수신 동의 철회") || strings.Contains(withdrawal.Text, "문자메시지 수신 설정") {
			t.Errorf("withdrawal notice:\n%s", withdrawal.Text)
		}
		if strings.Contains(reg.Subject, "(광고)") {
			t.Error("a notice is not an advertisement")
		}
		deliverytest.WaitIdle(t, db)
		if n := countRows(t, db, `SELECT COUNT(*) FROM messages WHERE kind = $1 AND member_id = $2`, fanmail.MessageConsentNotice, pending.ID); n != 0 {
			t.Errorf("pending member got %d notices", n)
		}

		// Once confirmed, the pending member's consent is noticed.
		if _, err := db.SQL().Exec(`UPDATE members SET status = 'active' WHERE id = $1`, pending.ID); err != nil {
			t.Fatal(err)
		}
		if c := mustRun(t, s.SendResultNotices); c["notices"] != 1 {
			t.Errorf("after confirmation: %v", c)
		}
		runs, err := db.LastJobRuns(context.Background(), Jobs)
		if err != nil || len(runs) != 1 || runs[0].Job != JobResultNotices || runs[0].FinishedAt == nil || runs[0].Counts["notices"] != 1 {
			t.Errorf("last runs = %+v, %v", runs, err)
		}
	})
}

// TestService_SendResultNotices_StoppedHalfway stops a run after two of five
// notices, as a node stopping (or dying) mid-run would: the next run writes
// the other three, and no consent record is noticed twice.
func TestService_SendResultNotices_StoppedHalfway(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, clk := newService(t, db, Options{Batch: 2})
		var ids []int64
		for i, name := range []string{"minji", "seojun", "haeun", "doyun", "jiwoo"} {
			clk.Set(start.Add(time.Duration(i) * time.Minute))
			m := storetest.MustCreateMember(t, db, name+"@example.com")
			decide(t, db, m.ID, map[string]bool{fanmail.PurposeMarketingEmail: true, fanmail.PurposeMarketingSMS: true})
			ids = append(ids, m.ID)
		}
		ctx, cancel := context.WithCancel(context.Background())
		written := 0
		s.afterNotice = func() {
			if written++; written == 2 {
				cancel()
			}
		}
		counts, err := s.SendResultNotices(ctx)
		if err == nil || counts["notices"] != 2 {
			t.Fatalf("stopped run: %v, %v; want 2 notices and an error", counts, err)
		}
		runs, _ := db.LastJobRuns(context.Background(), Jobs)
		if len(runs) != 1 || runs[0].Error == "" || runs[0].Counts["notices"] != 2 {
			t.Errorf("stopped run recorded as %+v", runs)
		}
		s.afterNotice = func() {}
		if c := mustRun(t, s.SendResultNotices); c["notices"] != 3 || c["events"] != 6 {
			t.Errorf("next run: %v, want the other 3 notices", c)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM messages WHERE kind = $1`, fanmail.MessageConsentNotice); n != 5 {
			t.Errorf("%d notices, want 5", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM consent_notices`); n != 10 {
			t.Errorf("%d consent records noticed, want 10", n)
		}
		for _, id := range ids {
			if n := countRows(t, db, `SELECT COUNT(*) FROM messages WHERE kind = $1 AND member_id = $2`, fanmail.MessageConsentNotice, id); n != 1 {
				t.Errorf("member %d has %d notices", id, n)
			}
		}
	})
}

// TestService_SendReconfirmations_ClockJumps moves the clock back and forth
// across the two-year periods of one grant.
func TestService_SendReconfirmations_ClockJumps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, clk, srv := newMailingService(t, db)
		m := storetest.MustCreateMember(t, db, "yuna@example.com")
		decide(t, db, m.ID, map[string]bool{fanmail.PurposeMarketingEmail: true, fanmail.PurposeMarketingSMS: true})
		other := storetest.MustCreateMember(t, db, "withdrawn@example.com")
		decide(t, db, other.ID, map[string]bool{fanmail.PurposeMarketingEmail: true})
		clk.Set(start.AddDate(1, 0, 0))
		decide(t, db, other.ID, map[string]bool{fanmail.PurposeMarketingEmail: false})
		grant := func() int64 {
			var id int64
			db.SQL().QueryRow(`SELECT MAX(id) FROM consents WHERE member_id = $1 AND purpose = $2`, m.ID, fanmail.PurposeMarketingEmail).Scan(&id)
			return id
		}()

		steps := []struct {
			name    string
			at      time.Time
			notices int64
		}{
			{"the day before two years", start.AddDate(2, 0, -1), 0},
			{"two years on", start.AddDate(2, 0, 0), 1},
			{"again the same day", start.AddDate(2, 0, 0).Add(time.Hour), 0},
			{"clock back a year", start.AddDate(1, 0, 0), 0},
			{"clock back before the consent", start.AddDate(0, 0, -1), 0},
			{"clock forward to the seventh year", start.AddDate(7, 0, 0), 1},
			{"clock back to the fifth year", start.AddDate(5, 0, 0), 0},
			{"the seventh year again", start.AddDate(7, 1, 0), 0},
		}
		for _, st := range steps {
			deliverytest.WaitIdle(t, db)
			clk.Set(st.at)
			if c := mustRun(t, s.SendReconfirmations); c["notices"] != st.notices {
				t.Errorf("%s: %v, want %d notices", st.name, c, st.notices)
			}
		}
		periods, err := db.Reconfirmations(context.Background(), grant)
		if err != nil || len(periods) != 2 || periods[0] != 1 || periods[1] != 3 {
			t.Errorf("periods re-confirmed = %v, %v; want [1 3]", periods, err)
		}
		msgs := srv.WaitFor(t, 2, 10*time.Second)
		text := msgs[0].Text
		for _, want := range []string{"광고성 정보 수신에 동의", "전자우편(이메일): 2026-03-02 수신 동의", "문자메시지(SMS): 2026-03-02 수신 동의",
			"https://fan.example.com/portal/consents", "오즈세컨"} {
			if !strings.Contains(text, want) {
				t.Errorf("re-confirmation lacks %q:\n%s", want, text)
			}
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM messages WHERE kind = $1 AND member_id = $2`, fanmail.MessageConsentReconfirm, other.ID); n != 0 {
			t.Errorf("withdrawn member got %d re-confirmations", n)
		}

		// A new grant starts a new two-year cycle.
		deliverytest.WaitIdle(t, db)
		decide(t, db, m.ID, map[string]bool{fanmail.PurposeMarketingEmail: false})
		decide(t, db, m.ID, map[string]bool{fanmail.PurposeMarketingEmail: true})
		clk.Set(start.AddDate(7, 6, 0))
		if c := mustRun(t, s.SendReconfirmations); c["notices"] != 0 {
			t.Errorf("half a year after a new grant: %v", c)
		}
		// Two years after it, the SMS grant is in its fourth period too:
		// one notice names both.
		clk.Set(start.AddDate(9, 1, 0))
		if c := mustRun(t, s.SendReconfirmations); c["notices"] != 1 || c["grants"] != 2 {
			t.Errorf("two years after the new grant: %v, want 1 notice for 2 grants", c)
		}
	})
}

func TestService_Status(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, clk := newService(t, db, Options{Retention: config.DefaultRetention()})
		m := storetest.MustCreateMember(t, db, "overdue@example.com")
		decide(t, db, m.ID, map[string]bool{fanmail.PurposeMarketingEmail: true})
		st, err := s.Status(context.Background())
		if err != nil || st.OverdueNotices != 0 || !st.IsClear() || len(st.Retention) != 5 {
			t.Fatalf("fresh status = %+v, %v", st, err)
		}
		clk.Set(start.Add(fanmail.ResultNoticeDeadline + time.Minute))
		st, err = s.Status(context.Background())
		if err != nil || st.OverdueNotices != 1 || len(st.Overdue) != 1 || st.Overdue[0].MemberID != m.ID || st.IsClear() {
			t.Fatalf("after 14 days = %+v, %v", st, err)
		}
		mustRun(t, s.SendResultNotices)
		clk.Set(start.AddDate(2, 0, 1))
		st, err = s.Status(context.Background())
		if err != nil || st.OverdueNotices != 0 || st.ReconfirmationsDue != 1 || st.Due[0].Period != 1 || len(st.Runs) != 1 {
			t.Fatalf("two years on = %+v, %v", st, err)
		}
		mustRun(t, s.SendReconfirmations)
		st, err = s.Status(context.Background())
		if err != nil || !st.IsClear() || len(st.Runs) != 2 {
			t.Fatalf("after both jobs = %+v, %v", st, err)
		}
	})
}
