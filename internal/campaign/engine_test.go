package campaign_test

import (
	"bytes"
	"context"
	"maps"
	"os"
	"os/exec"
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

func sendDue(t testing.TB, s *campaign.Service) int {
	t.Helper()
	n, err := s.SendDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func sendState(t testing.TB, db *store.DB, campaignID, memberID int64) (state, errText string) {
	t.Helper()
	err := db.SQL().QueryRowContext(context.Background(), `SELECT state, error FROM sends WHERE campaign_id = $1 AND member_id = $2`,
		campaignID, memberID).Scan(&state, &errText)
	if err != nil {
		t.Fatal(err)
	}
	return state, errText
}

func TestEngine_Send(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t)
		s := newService(t, db, srv)
		minji := mustMember(t, db, "minji.kim@example.com", "김민지", true)
		mustMember(t, db, "jin72@example.com", "Jin Park", true)
		mustMember(t, db, "no.consent@example.com", "동의안함", false)
		snd := mustSender(t, s)
		c := mustCampaign(t, s, snd, adBody)
		start(t, s, c)
		if n := sendDue(t, s); n != 2 {
			t.Errorf("claimed %d sends, want 2 (one member has not consented)", n)
		}
		msgs := srv.Messages()
		if got := recipients(msgs); len(got) != 2 || got[minji.Email] != 1 {
			t.Fatalf("recipients = %v", got)
		}
		var m channeltest.Message
		for _, x := range msgs {
			if x.To[0] == minji.Email {
				m = x
			}
		}
		token := tracking.TokenFromVERP(m.From)
		if token == "" || m.From != "bounce+"+token+"@fan.example.com" {
			t.Fatalf("envelope sender = %q, want a VERP address", m.From)
		}
		if want := "(광고) 김민지님을 위한 봄 신상품"; m.Subject != want {
			t.Errorf("subject = %q, want %q", m.Subject, want)
		}
		wantUnsub := testURLs.Unsubscribe(token)
		if got := m.Header.Get("List-Unsubscribe"); got != "<"+wantUnsub+">" || !strings.HasPrefix(wantUnsub, "https://") {
			t.Errorf("List-Unsubscribe = %q, want <%s>", got, wantUnsub)
		}
		if got := m.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe-Post = %q", got)
		}
		if got := m.Header.Get("Message-Id"); got != "<"+token+"@fan.example.com>" {
			t.Errorf("Message-ID = %q", got)
		}
		if !strings.Contains(m.Header.Get("From"), "<news@ozsecond.example>") {
			t.Errorf("From = %q", m.Header.Get("From"))
		}
		for _, want := range []string{"김민지님, 안녕하세요!", "오즈세컨 강남점", "서울특별시 강남구 테헤란로 123", "02-1234-5678",
			"수신거부(Unsubscribe) (" + wantUnsub + ")"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, m.Text)
			}
		}
		// Links are tracked: the shop link became a signed click URL, and an
		// open pixel was added.
		var linkID int64
		if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM links WHERE campaign_id = $1 AND url = $2`,
			c.ID, "https://shop.example.com/spring?from=mail&x=1").Scan(&linkID); err != nil {
			t.Fatalf("link row: %v", err)
		}
		for _, want := range []string{`href="` + testURLs.Click(token, linkID) + `"`, `src="` + testURLs.Open(token) + `"`,
			`href="` + wantUnsub + `"`, "김민지님, 안녕하세요!"} {
			if !strings.Contains(m.HTML, want) {
				t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
			}
		}
		if strings.Contains(m.HTML, "shop.example.com") {
			t.Errorf("HTML has an untracked link:\n%s", m.HTML)
		}
		p := status(t, s, c.ID)
		if p.Campaign.Status != fanmail.CampaignFinished || p.Sent != 2 || p.Total != 2 || p.Percent() != 100 {
			t.Errorf("progress = %+v", p)
		}
		// The relay offers 8BITMIME: the parts travel as UTF-8, not base64.
		if m.Body != "8BITMIME" || !bytes.Contains(m.Raw, []byte("Content-Transfer-Encoding: 8bit\r\n")) ||
			!bytes.Contains(m.Raw, []byte("김민지님, 안녕하세요!")) {
			t.Errorf("not sent as 8bit (BODY=%q):\n%s", m.Body, m.Raw)
		}
	})
}

// Consent and suppression are checked for every mail as it goes out, not
// only when the campaign starts.
func TestEngine_ComplianceAtSendTime(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t)
		s := newService(t, db, srv, func(o *campaign.Options) { o.BatchSize = 2 })
		clk := useClock(db)
		ms := mustMembers(t, db, 6)
		snd := mustSender(t, s)
		c := mustCampaign(t, s, snd, adBody)
		start(t, s, c)
		srv.RejectNext(1, 451) // member 0: greylisted, to be retried
		if n, err := s.SendBatch(ctx); n != 2 || err != nil {
			t.Fatalf("first batch = %d, %v", n, err)
		}
		// While the campaign is sending, two members withdraw consent and an
		// address is suppressed (say, after a complaint).
		withdraw(t, db, ms[0])
		withdraw(t, db, ms[5])
		if err := db.Suppress(ctx, ms[4].Email, "complaint", "test"); err != nil {
			t.Fatal(err)
		}
		sendDue(t, s)
		clk.Add(10 * time.Minute) // the retry of member 0 is due
		sendDue(t, s)

		got := recipients(srv.Messages())
		for i, m := range ms {
			want := 1
			if i == 0 || i >= 4 {
				want = 0
			}
			if got[m.Email] != want {
				t.Errorf("member %d got %d mails, want %d", i, got[m.Email], want)
			}
		}
		// Member 0 had a send when consent was withdrawn: it is skipped with
		// the reason. Members 4 and 5 were reached only after: none is made.
		if st, reason := sendState(t, db, c.ID, ms[0].ID); st != fanmail.SendSkipped || reason != fanmail.SkipNoConsent {
			t.Errorf("withdrawn member's send = %s %q", st, reason)
		}
		for _, m := range ms[4:] {
			var n int
			db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM sends WHERE campaign_id = $1 AND member_id = $2`, c.ID, m.ID).Scan(&n)
			if n != 0 {
				t.Errorf("%s has a send", m.Email)
			}
		}
		p := status(t, s, c.ID)
		if p.Sent != 3 || p.Skipped != 1 || p.Total != 4 || p.Campaign.Status != fanmail.CampaignFinished {
			t.Errorf("progress = %+v", p)
		}
	})
}

// A member who is suppressed while their mail waits for a retry is skipped.
func TestEngine_SuppressedBeforeRetry(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t)
		s := newService(t, db, srv)
		clk := useClock(db)
		ms := mustMembers(t, db, 2)
		c := mustCampaign(t, s, mustSender(t, s), adBody)
		start(t, s, c)
		srv.RejectNext(1, 421)
		sendDue(t, s)
		if err := db.Suppress(ctx, ms[0].Email, "unsubscribed", "test"); err != nil {
			t.Fatal(err)
		}
		clk.Add(10 * time.Minute)
		sendDue(t, s)
		if st, reason := sendState(t, db, c.ID, ms[0].ID); st != fanmail.SendSkipped || reason != fanmail.SkipSuppressed {
			t.Errorf("suppressed member's send = %s %q", st, reason)
		}
		if got := recipients(srv.Messages()); got[ms[0].Email] != 0 || got[ms[1].Email] != 1 {
			t.Errorf("recipients = %v", got)
		}
	})
}

func TestEngine_TemporaryFailureRetried(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		srv := channeltest.NewSMTPServer(t)
		s := newService(t, db, srv)
		clk := useClock(db)
		ms := mustMembers(t, db, 3)
		c := mustCampaign(t, s, mustSender(t, s), adBody)
		start(t, s, c)
		srv.RejectNext(1, 451)
		sendDue(t, s)
		if got := len(srv.Messages()); got != 2 {
			t.Fatalf("%d delivered, want 2", got)
		}
		p := status(t, s, c.ID)
		if p.Queued != 1 || p.Sent != 2 || p.Campaign.Status != fanmail.CampaignSending {
			t.Fatalf("after a 451: %+v", p)
		}
		if n := sendDue(t, s); n != 0 {
			t.Errorf("retried %d before the backoff", n)
		}
		clk.Add(2 * time.Minute)
		if n := sendDue(t, s); n != 1 {
			t.Errorf("retried %d, want 1", n)
		}
		got := recipients(srv.Messages())
		for _, m := range ms {
			if got[m.Email] != 1 {
				t.Errorf("%s got %d mails, want 1", m.Email, got[m.Email])
			}
		}
		if p := status(t, s, c.ID); p.Sent != 3 || p.Campaign.Status != fanmail.CampaignFinished {
			t.Errorf("at the end: %+v", p)
		}
	})
}

// A recipient the relay refuses for good, at RCPT or after the data, is a
// hard bounce like one a DSN reports: the address is suppressed, with its
// bounce counted, and the next campaign leaves it out. A refusal of the
// content (5.7.1) fails the mail but says nothing about the address.
func TestEngine_RefusalsSuppressHardBounces(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t)
		s := newService(t, db, srv)
		ms := mustMembers(t, db, 5)
		srv.RejectRecipient(ms[1].Email, 550)     // 5.1.1 at RCPT
		srv.RejectData(ms[2].Email, 550, "5.1.1") // after the data
		srv.RejectData(ms[3].Email, 554, "5.7.1") // the content, not the address
		snd := mustSender(t, s)
		c := mustCampaign(t, s, snd, adBody)
		start(t, s, c)
		sendDue(t, s)
		if p := status(t, s, c.ID); p.Sent != 2 || p.Failed != 3 || p.Campaign.Status != fanmail.CampaignFinished {
			t.Fatalf("progress = %+v", p)
		}
		for i, m := range ms[1:3] {
			st, reason := sendState(t, db, c.ID, m.ID)
			if st != fanmail.SendFailed || !strings.Contains(reason, "550") || strings.Contains(reason, "@") {
				t.Errorf("member %d: send %s %q", i+1, st, reason)
			}
			var n int
			db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE campaign_id = $1 AND kind = 'bounce_hard' AND member_id = $2`,
				c.ID, m.ID).Scan(&n)
			if n != 1 {
				t.Errorf("member %d: %d bounce_hard events, want 1", i+1, n)
			}
			sup, err := db.SuppressionOf(ctx, m.Email)
			if err != nil || sup.Reason != store.SuppressHardBounce || sup.Source != store.SourceSMTP {
				t.Errorf("member %d refused at %s: suppression %+v, %v", i+1, []string{"RCPT", "DATA"}[i], sup, err)
			}
			if h, err := db.AddressHealthOf(ctx, m.Email); err != nil || h.HardBounces != 1 {
				t.Errorf("member %d: address health %+v, %v", i+1, h, err)
			}
		}
		if _, err := db.SuppressionOf(ctx, ms[3].Email); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("content refusal suppressed the address: %v", err)
		}

		// The next campaign, through a relay that refuses nobody, mails
		// neither bounced address.
		srv2 := channeltest.NewSMTPServer(t)
		s2 := newService(t, db, srv2)
		c2 := mustCampaign(t, s2, snd, adBody)
		start(t, s2, c2)
		sendDue(t, s2)
		got := recipients(srv2.Messages())
		if len(got) != 3 || got[ms[1].Email]+got[ms[2].Email] != 0 {
			t.Errorf("second campaign went to %v", got)
		}
	})
}

func TestEngine_PauseResumeCancel(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t)
		s := newService(t, db, srv, func(o *campaign.Options) { o.BatchSize = 2 })
		ms := mustMembers(t, db, 6)
		snd := mustSender(t, s)
		c := mustCampaign(t, s, snd, adBody)
		start(t, s, c)
		s.SendBatch(ctx)
		if _, err := s.Pause(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if n := sendDue(t, s); n != 0 {
			t.Errorf("sent %d while paused", n)
		}
		if _, err := s.Resume(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		sendDue(t, s)
		if got := recipients(srv.Messages()); len(got) != len(ms) {
			t.Errorf("after resume %d members got mail, want %d", len(got), len(ms))
		}
		if p := status(t, s, c.ID); p.Sent != 6 || p.Campaign.Status != fanmail.CampaignFinished {
			t.Errorf("progress = %+v", p)
		}

		c2 := mustCampaign(t, s, snd, adBody)
		start(t, s, c2)
		s.SendBatch(ctx)
		if _, err := s.Cancel(ctx, c2.ID); err != nil {
			t.Fatal(err)
		}
		sendDue(t, s)
		p := status(t, s, c2.ID)
		if p.Sent != 2 || p.Total != 2 || p.Campaign.Status != fanmail.CampaignCancelled {
			t.Errorf("cancelled campaign: %+v", p)
		}
		if _, err := s.Resume(ctx, c2.ID); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("resume a cancelled campaign: %v, want ECONFLICT", err)
		}
	})
}

// Stopping the engine mid-campaign and starting it again sends every member
// the mail once: a stopping worker records what it sent and releases the rest.
func TestEngine_StopAndRestart(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		srv := channeltest.NewSMTPServer(t)
		s := newService(t, db, srv)
		ms := mustMembers(t, db, 200)
		c := mustCampaign(t, s, mustSender(t, s), adBody)
		start(t, s, c)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()
		srv.WaitFor(t, 40, 30*time.Second)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		before := len(srv.Messages())
		if p := status(t, s, c.ID); p.Sending != 0 || p.Campaign.Status != fanmail.CampaignSending {
			t.Fatalf("after stopping with %d sent: %+v", before, p)
		}
		s2 := newService(t, db, srv)
		sendDue(t, s2)
		got := recipients(srv.Messages())
		for _, m := range ms {
			if got[m.Email] != 1 {
				t.Errorf("%s got %d mails, want 1", m.Email, got[m.Email])
			}
		}
		if p := status(t, s2, c.ID); p.Sent != 200 || p.Campaign.Status != fanmail.CampaignFinished {
			t.Errorf("progress = %+v", p)
		}
	})
}

// helperEnv names the variables that turn this test binary into a sender
// process for TestEngine_Kill.
const (
	helperDB   = "FANMAIL_CAMPAIGN_HELPER_DB"
	helperSMTP = "FANMAIL_CAMPAIGN_HELPER_SMTP"
)

// TestHelperSender is not a test: TestEngine_Kill runs it in a child
// process, which sends until it is killed.
func TestHelperSender(t *testing.T) {
	dbURL := os.Getenv(helperDB)
	if dbURL == "" {
		t.Skip("helper process for TestEngine_Kill")
	}
	db, err := storetest.OpenShared(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	relay, err := email.ParseRelayURL(os.Getenv(helperSMTP))
	if err != nil {
		t.Fatal(err)
	}
	s := campaign.New(db, campaign.Options{BaseURL: baseURL, URLs: testURLs, BatchSize: 10, PollInterval: 50 * time.Millisecond,
		Relays: []email.Relay{relay}}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s.Run(ctx)
}

// A sender process killed with SIGKILL mid-campaign loses nothing: after the
// claims' locks expire, a restarted engine sends every member the mail, and
// only mails in flight at the kill are sent twice.
func TestEngine_Kill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	storetest.EachShared(t, func(t *testing.T, db *store.DB, dsn string) {
		srv := channeltest.NewSMTPServer(t)
		s := newService(t, db, srv)
		ms := mustMembers(t, db, 300)
		c := mustCampaign(t, s, mustSender(t, s), adBody)
		start(t, s, c)

		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSender$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperDB+"="+dsn, helperSMTP+"="+srv.URL()+"&concurrency=2")
		cmd.Stdout, cmd.Stderr = t.Output(), t.Output()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		srv.WaitFor(t, 60, 30*time.Second)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		before := len(srv.Messages())
		p := status(t, s, c.ID)
		t.Logf("killed after %d mails; sends: %+v", before, p.SendCounts)
		if p.Sent == 300 {
			t.Skip("the child finished before it was killed")
		}

		// Restart once the dead process's claims have expired.
		clk := useClock(db)
		clk.Add(campaign.DefaultLockFor + time.Minute)
		s2 := newService(t, db, srv)
		sendDue(t, s2)
		dupes := wantEveryMember(t, ms, srv.Messages())
		// Mails sent but not recorded at the kill are sent again: per worker
		// (two here) at most the batch in hand and one finished batch
		// waiting to be recorded, of 10 mails each.
		if dupes > 2*2*10 {
			t.Errorf("%d mails sent twice, want at most the 40 in flight", dupes)
		}
		if p := status(t, s2, c.ID); p.Sent != 300 || p.Campaign.Status != fanmail.CampaignFinished {
			t.Errorf("progress = %+v", p)
		}
	})
}

// Two fanmail instances on one PostgreSQL share a campaign and send no mail twice.
func TestEngine_TwoInstances(t *testing.T) {
	dbA, dbB := twoNodesPostgres(t)
	// Relays that take a little while per message, so that neither instance
	// can send all 400 before the other claims its first batch, however
	// busy the machine.
	srvA, srvB := channeltest.NewSMTPServer(t, channeltest.WithDelay(5*time.Millisecond)), channeltest.NewSMTPServer(t, channeltest.WithDelay(5*time.Millisecond))
	a, b := newService(t, dbA, srvA), newService(t, dbB, srvB)
	ms := mustMembers(t, dbA, 400)
	c := mustCampaign(t, a, mustSender(t, a), adBody)
	start(t, a, c)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	doneA, doneB := make(chan error), make(chan error)
	go func() { doneA <- a.Run(ctx) }()
	go func() { doneB <- b.Run(ctx) }()
	// Wait (not a timing assertion) until both together have sent everything.
	deadline := time.Now().Add(60 * time.Second)
	for len(srvA.Messages())+len(srvB.Messages()) < len(ms) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-doneA
	<-doneB
	gotA, gotB := recipients(srvA.Messages()), recipients(srvB.Messages())
	t.Logf("instance A sent %d, instance B %d", len(srvA.Messages()), len(srvB.Messages()))
	for _, m := range ms {
		if n := gotA[m.Email] + gotB[m.Email]; n != 1 {
			t.Errorf("%s got %d mails, want 1", m.Email, n)
		}
	}
	if len(gotA) == 0 || len(gotB) == 0 {
		t.Errorf("one instance sent nothing (A %d, B %d)", len(gotA), len(gotB))
	}
	if p := status(t, a, c.ID); p.Sent != int64(len(ms)) {
		t.Errorf("progress = %+v", p)
	}
}

// twoNodesPostgres returns two handles, as two nodes have, on one fresh
// PostgreSQL schema.
func twoNodesPostgres(t *testing.T) (a, b *store.DB) {
	t.Helper()
	pg := storetest.PostgresURL(t)
	schema := storetest.NewSchema(t, pg)
	open := func() *store.DB {
		db, err := storetest.OpenPostgresSchema(pg, schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b = open(), open()
	if err := a.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// A campaign to a segment reaches only the segment's members with consent,
// evaluated as the mail goes out.
func TestEngine_Segment(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		srv := channeltest.NewSMTPServer(t)
		s := newService(t, db, srv, func(o *campaign.Options) { o.BatchSize = 2 })
		minji := mustMember(t, db, "minji.kim@example.com", "김민지", true, female)
		seoyeon := mustMember(t, db, "seoyeon@example.com", "이서연", true, female)
		mustMember(t, db, "no.consent@example.com", "동의안함", false, female)
		mustMember(t, db, "jihun@example.com", "박지훈", true)
		c := startToSegment(t, s, db, "여성 회원",
			fanmail.SegmentCondition{Field: fanmail.FieldGender, Op: fanmail.OpIn, Values: []string{fanmail.GenderFemale}})
		if p := status(t, s, c.ID); p.Total != 2 {
			t.Errorf("audience = %d, want 2", p.Total)
		}
		sendDue(t, s)
		got := recipients(srv.Messages())
		if len(got) != 2 || got[minji.Email] != 1 || got[seoyeon.Email] != 1 {
			t.Errorf("recipients = %v, want the two consenting women", got)
		}
		if p := status(t, s, c.ID); p.Sent != 2 || p.Campaign.Status != fanmail.CampaignFinished {
			t.Errorf("progress = %+v", p)
		}
	})
}

// While the relay is down, mails wait without using up their attempts, and
// go out once it is back.
func TestEngine_RelayDown(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t)
		down := func(o *campaign.Options) {
			r, err := email.ParseRelayURL("smtp://127.0.0.1:1?tls=none") // nothing listens on port 1
			if err != nil {
				t.Fatal(err)
			}
			o.Relays = []email.Relay{r}
		}
		s := newService(t, db, srv, down)
		clk := useClock(db)
		ms := mustMembers(t, db, 3)
		c := mustCampaign(t, s, mustSender(t, s), adBody)
		start(t, s, c)
		for range 8 { // more than MaxAttempts
			sendDue(t, s)
			clk.Add(2 * time.Minute)
		}
		var attempts int
		db.SQL().QueryRowContext(ctx, `SELECT MAX(attempts) FROM sends WHERE campaign_id = $1`, c.ID).Scan(&attempts)
		if p := status(t, s, c.ID); p.Queued != 3 || p.Failed != 0 || attempts != 0 {
			t.Fatalf("while the relay is down: %+v, attempts %d", p, attempts)
		}
		s2 := newService(t, db, srv)
		sendDue(t, s2)
		if got := recipients(srv.Messages()); len(got) != len(ms) {
			t.Errorf("after the relay came back: %v", got)
		}
		if p := status(t, s2, c.ID); p.Sent != 3 || p.Campaign.Status != fanmail.CampaignFinished {
			t.Errorf("progress = %+v", p)
		}
	})
}

// A worker drives several connections, handing each the next mail in turn
// and reading replies late: every member still gets their own mail, a
// refused recipient is told apart, and a connection the server drops
// mid-campaign loses nothing.
func TestEngine_ConnectionsPerWorker(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		srv := channeltest.NewSMTPServer(t)
		s := newService(t, db, srv, func(o *campaign.Options) {
			o.Relays = []email.Relay{relayOf(t, srv, "&concurrency=3")}
			o.ConnsPerWorker = 2 // two workers: one with two connections, one with one
			o.RetryDelay = func(int) time.Duration { return 0 }
		})
		ms := mustMembers(t, db, 300)
		srv.RejectRecipient(ms[7].Email, 550)
		srv.RejectRecipient(ms[150].Email, 550)
		c := mustCampaign(t, s, mustSender(t, s), adBody)
		start(t, s, c)
		runUntilFinished(t, s, c.ID, func() {
			srv.WaitFor(t, 100, 30*time.Second)
			srv.CloseConnections()
		})
		msgs := srv.Messages()
		got := recipients(msgs)
		for i, m := range ms {
			want := 1
			if i == 7 || i == 150 {
				want = 0
			}
			// A mail in flight when its connection closed may arrive twice.
			if got[m.Email] < want || want == 0 && got[m.Email] != 0 {
				t.Errorf("%s got %d mails, want %d", m.Email, got[m.Email], want)
			}
		}
		if dup := len(msgs) - 298; dup > 6 {
			t.Errorf("%d mails repeated, want at most the few in flight", dup)
		}
		// Each mail is its recipient's own, whatever connection it took.
		names := map[string]string{}
		for _, m := range ms {
			names[m.Email] = m.Name
		}
		for _, m := range msgs {
			if !strings.Contains(m.Header.Get("To"), m.To[0]) || !strings.Contains(m.Text, names[m.To[0]]+"님, 안녕하세요!") {
				t.Fatalf("mail to %s has To %q and text:\n%s", m.To[0], m.Header.Get("To"), m.Text)
			}
		}
		p := status(t, s, c.ID)
		if p.Campaign.Status != fanmail.CampaignFinished || p.Sent != 298 || p.Failed != 2 {
			t.Errorf("progress = %+v", p)
		}
		if n := srv.Connections(); n < 3 || n > 6 {
			t.Errorf("%d connections, want 3 before the server dropped them and at most 3 after", n)
		}
	})
}

// Each relay keeps its own rate limit and connections: a campaign goes out
// over both relays, the limited one no faster than its rate allows, and no
// member gets two mails.
func TestEngine_RelayRates(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		slow, fast := channeltest.NewSMTPServer(t), channeltest.NewSMTPServer(t)
		s := newService(t, db, nil, func(o *campaign.Options) {
			o.BatchSize = 5
			o.Relays = []email.Relay{
				relayOf(t, slow, "&concurrency=1&rate=20"), // burst 1: one mail per 50 ms
				relayOf(t, fast, "&concurrency=2"),
			}
		})
		ms := mustMembers(t, db, 120)
		c := mustCampaign(t, s, mustSender(t, s), adBody)
		start(t, s, c)
		t0 := time.Now()
		runUntilFinished(t, s, c.ID, nil)
		elapsed := time.Since(t0)
		got := recipients(append(slow.Messages(), fast.Messages()...))
		for _, m := range ms {
			if got[m.Email] != 1 {
				t.Errorf("%s got %d mails, want 1", m.Email, got[m.Email])
			}
		}
		nSlow, nFast := len(slow.Messages()), len(fast.Messages())
		if nSlow == 0 || nFast == 0 {
			t.Fatalf("slow relay took %d mails, fast relay %d: want both used", nSlow, nFast)
		}
		// The limiter spaces the slow relay's mails 50 ms apart: n mails
		// need at least (n-1) × 50 ms, however fast the machine.
		if min := time.Duration(nSlow-1) * 50 * time.Millisecond; elapsed < min {
			t.Errorf("slow relay sent %d mails in %s, faster than its 20/s allow (%s)", nSlow, elapsed, min)
		}
		if nFast <= nSlow {
			t.Errorf("fast relay took %d mails, slow %d: the rate limit did not hold the slow one back", nFast, nSlow)
		}
	})
}

// A segment that few members match, sent in small batches: on both engines
// the segment is evaluated window by window of member ids as sends are
// claimed (windows widen while they come up short), and exactly its members
// get one mail each.
func TestEngine_SparseSegment(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t)
		s := newService(t, db, srv, func(o *campaign.Options) { o.BatchSize = 3 })
		g, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "ozsecond", Name: "오즈세컨", Published: true})
		if err != nil {
			t.Fatal(err)
		}
		ms := mustMembers(t, db, 400)
		want := map[string]int{}
		for i, m := range ms {
			// Fans of the brand: members 7, 14, …, and a run at the end.
			if i%7 != 0 && i < 390 || i == 0 {
				continue
			}
			if _, err := db.SQL().ExecContext(ctx, `INSERT INTO brand_preferences (member_id, brand_id, created_at) VALUES ($1, $2, $3)`,
				m.ID, b.ID, db.Now()); err != nil {
				t.Fatal(err)
			}
			want[m.Email] = 1
		}
		c := startToSegment(t, s, db, "오즈세컨 팬", fanmail.SegmentCondition{Field: fanmail.FieldBrand, Op: fanmail.OpIn, IDs: []int64{b.ID}})
		if p := status(t, s, c.ID); p.Total != int64(len(want)) {
			t.Errorf("audience = %d, want %d", p.Total, len(want))
		}
		sendDue(t, s)
		if got := recipients(srv.Messages()); !maps.Equal(got, want) {
			t.Errorf("%d recipients, want the %d fans once each", len(got), len(want))
		}
		if p := status(t, s, c.ID); p.Sent != int64(len(want)) || p.Campaign.Status != fanmail.CampaignFinished {
			t.Errorf("progress = %+v", p)
		}
	})
}

// A campaign is finished as soon as its last mail is recorded, not at the
// engine's next look for work: here that look would come in an hour.
func TestEngine_FinishesWithoutPolling(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		// Slow enough that the last batch is still out when the engine
		// finds nothing more to claim.
		srv := channeltest.NewSMTPServer(t, channeltest.WithDelay(20*time.Millisecond))
		s := newService(t, db, srv, func(o *campaign.Options) { o.PollInterval = time.Hour })
		ms := mustMembers(t, db, 25)
		c := mustCampaign(t, s, mustSender(t, s), adBody)
		start(t, s, c)
		runUntilFinished(t, s, c.ID, nil)
		if p := status(t, s, c.ID); p.Campaign.Status != fanmail.CampaignFinished || p.Sent != int64(len(ms)) {
			t.Errorf("progress = %+v", p)
		}
	})
}

// While the relay refuses to let fanmail log in, the mail waits and the
// campaign's progress says so: how often, the last error and when, without
// the password.
func TestEngine_RelayErrorsShown(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		srv := channeltest.NewSMTPServer(t, channeltest.WithAuth("fanmail", "s3cret-pw"))
		s := newService(t, db, srv, func(o *campaign.Options) {
			r, err := email.ParseRelayURL("smtp://fanmail:wr0ng-pw@" + srv.Addr() + "?tls=none")
			if err != nil {
				t.Fatal(err)
			}
			o.Relays = []email.Relay{r}
		})
		mustMembers(t, db, 3)
		c := mustCampaign(t, s, mustSender(t, s), adBody)
		start(t, s, c)
		sendDue(t, s)
		p := status(t, s, c.ID)
		if p.RelayErrors != 1 || p.RelayErrorAt == nil || !strings.Contains(p.RelayError, "535") ||
			strings.Contains(p.RelayError, "wr0ng-pw") || p.Queued != 3 {
			t.Errorf("progress = %+v", p.SendCounts)
		}
	})
}

// Progress moves while a batch is out, not only when the whole batch is:
// here one batch takes seconds through a slow relay.
func TestEngine_ProgressMovesWithinABatch(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		srv := channeltest.NewSMTPServer(t, channeltest.WithDelay(40*time.Millisecond))
		s := newService(t, db, srv, func(o *campaign.Options) {
			o.BatchSize = 1000
			o.Relays = []email.Relay{relayOf(t, srv, "&concurrency=1")}
		})
		ms := mustMembers(t, db, 80)
		c := mustCampaign(t, s, mustSender(t, s), adBody)
		start(t, s, c)
		var partial []int64
		runUntilFinished(t, s, c.ID, func() {
			// Watch the counts (at most a minute; not a timing assertion)
			// until the campaign is done.
			deadline := time.Now().Add(time.Minute)
			for time.Now().Before(deadline) {
				p := status(t, s, c.ID)
				if p.Sent > 0 && p.Sent < int64(len(ms)) {
					partial = append(partial, p.Sent)
				}
				if p.Sent == int64(len(ms)) {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
		if len(partial) == 0 {
			t.Errorf("sent went from 0 to %d in one step", len(ms))
		}
	})
}

// Members who withdraw while a campaign is being sent, after their mail
// was claimed, get no mail handed to the relay after their withdrawal
// committed: consent withdrawn, address suppressed (an unsubscribe) or
// membership deactivated. The relay is slow, so the batch (all of the
// campaign) is out for seconds.
func TestEngine_WithdrawalStopsClaimedMail(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) { withdrawWhileSending(t, db, db) })
	// Withdrawals on another node reach the engine through the database.
	t.Run("postgres_other_node", func(t *testing.T) {
		db, other := twoNodesPostgres(t)
		withdrawWhileSending(t, db, other)
	})
}

// withdrawWhileSending sends a campaign from db while members withdraw
// through wdb, and checks no mail of theirs went out after.
func withdrawWhileSending(t *testing.T, db, wdb *store.DB) {
	ctx := context.Background()
	srv := channeltest.NewSMTPServer(t, channeltest.WithDelay(30*time.Millisecond))
	s := newService(t, db, srv, func(o *campaign.Options) { o.BatchSize = 1000 })
	ms := mustMembers(t, db, 200)
	c := mustCampaign(t, s, mustSender(t, s), adBody)
	start(t, s, c)
	withdrawals := []func(m fanmail.Member){
		func(m fanmail.Member) { withdraw(t, wdb, m) },
		func(m fanmail.Member) {
			if err := wdb.Suppress(ctx, m.Email, store.SuppressUnsubscribed, "unsubscribe"); err != nil {
				t.Error(err)
			}
		},
		func(m fanmail.Member) {
			st := fanmail.MemberInactive
			if err := wdb.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.UpdateMember(ctx, m.ID, fanmail.MemberUpdate{Status: &st})
				return err
			}); err != nil {
				t.Error(err)
			}
		},
	}
	committed := map[string]time.Time{}
	runUntilFinished(t, s, c.ID, func() {
		// As the mail goes out, members well ahead of it (about half a
		// second) withdraw, in each of the three ways.
		next := 0
		for step := range 5 {
			srv.WaitFor(t, 10+25*step, time.Minute)
			for _, withdraw := range withdrawals {
				next = max(next, len(srv.Messages())+30)
				if next >= len(ms) {
					return
				}
				withdraw(ms[next])
				committed[ms[next].Email] = time.Now()
				next++
			}
		}
	})
	// A member's mail may go out before their withdrawal commits (on a
	// loaded host the mail can catch up with the thirty ahead of it); never
	// after. Every withdrawn member whose mail did not go out is skipped.
	got := 0
	for _, m := range srv.Messages() {
		at, ok := committed[m.To[0]]
		if !ok {
			continue
		}
		got++
		if m.RcptAt.After(at) {
			t.Errorf("%s withdrew, and %s later the relay got its RCPT", m.To[0], m.RcptAt.Sub(at))
		}
	}
	p := status(t, s, c.ID)
	t.Logf("%d withdrew during sending, %d of them after their mail had gone out; progress %+v", len(committed), got, p.SendCounts)
	if p.Skipped != int64(len(committed)-got) || p.Sent+p.Skipped != int64(len(ms)) {
		t.Errorf("progress = %+v, want %d skipped", p.SendCounts, len(committed)-got)
	}
}

// runUntilFinished runs the engine of s, calls during (if any) meanwhile,
// waits (at most a minute; not a timing assertion) until campaign id is
// finished, and stops the engine.
func runUntilFinished(t *testing.T, s *campaign.Service, id int64, during func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	if during != nil {
		during()
	}
	deadline := time.Now().Add(60 * time.Second)
	for status(t, s, id).Campaign.Status != fanmail.CampaignFinished && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// joinNode joins db as node name, leased for lease, and renews the lease
// until stop, which is what a crash does to it.
func joinNode(t *testing.T, db *store.DB, name string, lease time.Duration, s *campaign.Service) (stop func()) {
	t.Helper()
	n, err := db.JoinNode(context.Background(), name, lease)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.Run(ctx, s.Wake, func(err error) { t.Logf("node %s: %v", name, err) })
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// crashedNode runs an engine as node "node-a" on its own handle of the
// database of dsn, relaying through a slow server, until it has sent a
// first mail, and then kills it: its lease stops, its database goes, and
// so it neither releases nor records the claims it holds. Their locks
// last an hour.
func crashedNode(t *testing.T, dsn string, lease time.Duration, db *store.DB) (ms []fanmail.Member, c fanmail.Campaign, slow *channeltest.SMTPServer) {
	t.Helper()
	dbA, err := storetest.OpenShared(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dbA.Close() })
	slow = channeltest.NewSMTPServer(t, channeltest.WithDelay(100*time.Millisecond))
	a := newService(t, dbA, slow, func(o *campaign.Options) { o.LockFor = time.Hour })
	ms = mustMembers(t, db, 60)
	c = mustCampaign(t, a, mustSender(t, a), adBody)
	start(t, a, c)
	stopLease := joinNode(t, dbA, "node-a", lease, a)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	slow.WaitFor(t, 1, 30*time.Second)
	stopLease()
	dbA.Close()
	cancel()
	<-done
	if p := status(t, newService(t, db, nil), c.ID); p.Sending == 0 {
		t.Fatalf("the killed node held no claims: %+v", p.SendCounts)
	}
	return ms, c, slow
}

// A node dies holding claims whose locks last an hour. Another node sends
// that mail as soon as the dead node's lease (a second) lapses; the same
// node started again sends it at once, its lease (an hour) not lapsed yet.
func TestEngine_CrashedNodesClaims(t *testing.T) {
	for _, tt := range []struct {
		name, survivor string
		lease          time.Duration
	}{
		{"OtherNodeTakesOver", "node-b", time.Second},
		{"RestartReclaims", "node-a", time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			storetest.EachShared(t, func(t *testing.T, db *store.DB, dsn string) {
				ms, c, slow := crashedNode(t, dsn, tt.lease, db)
				srv := channeltest.NewSMTPServer(t)
				s := newService(t, db, srv, func(o *campaign.Options) { o.LockFor = time.Hour })
				joinNode(t, db, tt.survivor, tt.lease, s)
				t0 := time.Now()
				runUntilFinished(t, s, c.ID, nil)
				t.Logf("finished %s after the kill", time.Since(t0).Round(time.Millisecond))
				wantEveryMember(t, ms, append(slow.Messages(), srv.Messages()...))
			})
		})
	}
}

// wantEveryMember fails unless each of ms got the campaign, and returns how
// many mails went out twice (those in flight when a node died may).
func wantEveryMember(t *testing.T, ms []fanmail.Member, msgs []channeltest.Message) int {
	t.Helper()
	got := recipients(msgs)
	twice := 0
	for _, m := range ms {
		switch n := got[m.Email]; {
		case n == 0:
			t.Errorf("%s got no mail", m.Email)
		case n > 1:
			twice += n - 1
		}
	}
	t.Logf("%d mails sent twice", twice)
	return twice
}
