package inbound_test

import (
	"context"
	"log/slog"
	"net/smtp"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail/internal/inbound"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/tracking"
	"github.com/fanmail/fanmail/internal/tracking/trackingtest"
)

var testURLs = tracking.URLs{Base: "https://fan.example.com", Secret: []byte("test-tracking-key")}

// fixture reads testdata/name with TOKEN, RCPT and UNSUB filled in.
func fixture(t *testing.T, name, token, rcpt string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer("TOKEN", token, "RCPT", rcpt, "UNSUB", testURLs.Unsubscribe(token)).Replace(string(b))
}

func TestParseReport(t *testing.T) {
	tok := tracking.NewSendToken()
	cases := []struct {
		file string
		want inbound.Report
	}{
		{"dsn_hard.eml", inbound.Report{Kind: "bounce_hard", Action: "failed", Status: "5.1.1",
			Diagnostic:              "smtp; 550 5.1.1 <jin@example.org>: Recipient address rejected: User unknown in local recipient table",
			OriginalReturnPath:      "<bounce+" + tok + "@bounce.fan.example.com>",
			OriginalListUnsubscribe: "<" + testURLs.Unsubscribe(tok) + ">",
			OriginalMessageID:       tok + "@fan.example.com",
			AutoSubmitted:           true}},
		{"dsn_delayed.eml", inbound.Report{Kind: "bounce_soft", Action: "delayed", Status: "4.4.1",
			Diagnostic:         "SMTP; 451 4.4.1 connection timed out",
			OriginalReturnPath: "<bounce+" + tok + "@bounce.fan.example.com>", OriginalMessageID: tok + "@fan.example.com",
			AutoSubmitted: true}},
		{"dsn_mixed.eml", inbound.Report{Kind: "bounce_soft", Action: "failed", Status: "5.2.2",
			Diagnostic: "smtp; 552 5.2.2 Mailbox full"}},
		{"dsn_delivered.eml", inbound.Report{}},
		{"arf.eml", inbound.Report{Kind: "complaint", FeedbackType: "abuse",
			OriginalListUnsubscribe: "<mailto:unsub@fan.example.com>, <" + testURLs.Unsubscribe(tok) + ">",
			OriginalMessageID:       "8787KJKJ3K4J3K4J3K4J3.mail@example.net"}},
		{"reply.eml", inbound.Report{InReplyTo: []string{tok + "@fan.example.com", tok + "@fan.example.com"}}},
		{"autoreply.eml", inbound.Report{AutoSubmitted: true, InReplyTo: []string{tok + "@fan.example.com"}}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			got, err := inbound.ParseReport(strings.NewReader(fixture(t, tc.file, tok, "jin@example.org")))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

type receiver struct {
	addr string
	svc  *tracking.Service
}

func startReceiver(t *testing.T, db *store.DB) receiver {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	svc := tracking.New(db, logger, tracking.Options{URLs: testURLs})
	t.Cleanup(func() { svc.Close(context.Background()) })
	srv := inbound.New(svc, logger, inbound.Options{
		Addr: "127.0.0.1:0", Domain: "bounce.fan.example.com", RepliesAddress: "Replies@fan.example.com",
		MaxMessageBytes: 64 << 10, MaxRecipients: 5, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
	})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if err := <-served; err != nil {
			t.Error(err)
		}
	})
	return receiver{addr: srv.Addr(), svc: svc}
}

// send delivers msg over SMTP with the null return path, as bounces come.
func (r receiver) send(to, msg string) error {
	msg = strings.ReplaceAll(strings.ReplaceAll(msg, "\r\n", "\n"), "\n", "\r\n")
	return smtp.SendMail(r.addr, nil, "", []string{to}, []byte(msg))
}

func verp(tok string) string { return tracking.VERP(tok, "bounce.fan.example.com") }

func TestReceiver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := startReceiver(t, db)
		c := trackingtest.Seed(t, db, trackingtest.Options{Members: 4, SentAgo: time.Hour})
		events := func(kind string) int {
			return trackingtest.Count(t, db, `SELECT COUNT(*) FROM events WHERE kind = $1`, kind)
		}

		t.Run("HardBounce", func(t *testing.T) {
			s := c.Sends[0]
			if err := r.send(verp(s.Token), fixture(t, "dsn_hard.eml", s.Token, s.Email)); err != nil {
				t.Fatal(err)
			}
			sup, err := db.SuppressionOf(ctx, s.Email)
			if err != nil || sup.Reason != store.SuppressHardBounce || sup.Source != "dsn" {
				t.Errorf("suppression = %+v, %v", sup, err)
			}
			es := trackingtest.Events(t, db, c.ID)
			if len(es) != 1 || es[0].Kind != "bounce_hard" || es[0].SendID != s.ID || strings.Contains(es[0].Detail, "@") {
				t.Errorf("events = %+v", es)
			}
		})

		t.Run("SoftBounces", func(t *testing.T) {
			// Delayed DSNs for three mails to one member: the third suppresses.
			s := c.Sends[1]
			tokens := []string{s.Token}
			for range 2 {
				tokens = append(tokens, sendTo(t, db, s.MemberID))
			}
			for i, tok := range tokens {
				if err := r.send(verp(tok), fixture(t, "dsn_delayed.eml", tok, s.Email)); err != nil {
					t.Fatal(err)
				}
				if got, _ := db.IsSuppressed(ctx, s.Email); got != (i == 2) {
					t.Errorf("after %d soft bounces suppressed = %v", i+1, got)
				}
			}
			if sup, _ := db.SuppressionOf(ctx, s.Email); sup.Reason != store.SuppressSoftBounces {
				t.Errorf("suppression = %+v", sup)
			}
		})

		t.Run("Complaint", func(t *testing.T) {
			// An ARF report reaches the replies address; the signed unsubscribe
			// URL in the original message names the send.
			s := c.Sends[2]
			if err := r.send("replies@fan.example.com", fixture(t, "arf.eml", s.Token, s.Email)); err != nil {
				t.Fatal(err)
			}
			if sup, err := db.SuppressionOf(ctx, s.Email); err != nil || sup.Reason != store.SuppressComplaint || sup.Source != "arf" {
				t.Errorf("suppression = %+v, %v", sup, err)
			}
			if n := events("complaint"); n != 1 {
				t.Errorf("%d complaint events", n)
			}
		})

		t.Run("UnknownSendDropped", func(t *testing.T) {
			before := trackingtest.Count(t, db, `SELECT COUNT(*) FROM events`)
			tok := tracking.NewSendToken()
			if err := r.send(verp(tok), fixture(t, "dsn_hard.eml", tok, "nobody@example.org")); err != nil {
				t.Fatalf("bounce for an unknown send refused: %v", err)
			}
			// A forged unsubscribe URL in an ARF report attributes nothing either.
			forged := strings.Replace(fixture(t, "arf.eml", tok, "x@example.org"), tok, c.Sends[3].Token, 1)
			if err := r.send("replies@fan.example.com", forged); err != nil {
				t.Fatal(err)
			}
			if after := trackingtest.Count(t, db, `SELECT COUNT(*) FROM events`); after != before {
				t.Errorf("events %d → %d", before, after)
			}
			if ok, _ := db.IsSuppressed(ctx, c.Sends[3].Email); ok {
				t.Error("suppressed by a forged report")
			}
		})

		t.Run("NotABounce", func(t *testing.T) {
			s := c.Sends[3]
			before := trackingtest.Count(t, db, `SELECT COUNT(*) FROM events`)
			if err := r.send(verp(s.Token), fixture(t, "dsn_delivered.eml", s.Token, s.Email)); err != nil {
				t.Fatal(err)
			}
			if err := r.send(verp(s.Token), fixture(t, "autoreply.eml", s.Token, s.Email)); err != nil {
				t.Fatal(err)
			}
			if err := r.send("replies@fan.example.com", fixture(t, "autoreply.eml", s.Token, s.Email)); err != nil {
				t.Fatal(err)
			}
			if after := trackingtest.Count(t, db, `SELECT COUNT(*) FROM events`); after != before {
				t.Errorf("events %d → %d", before, after)
			}
		})

		t.Run("Reply", func(t *testing.T) {
			s := c.Sends[3]
			if err := r.send("replies@fan.example.com", fixture(t, "reply.eml", s.Token, s.Email)); err != nil {
				t.Fatal(err)
			}
			if err := r.send("reply+"+s.Token+"@fan.example.com", "Subject: re\r\n\r\n네, 감사합니다.\r\n"); err != nil {
				t.Fatal(err)
			}
			es := trackingtest.Events(t, db, c.ID)
			var replies int
			for _, e := range es {
				if e.Kind == "reply" && e.SendID == s.ID {
					replies++
				}
			}
			if replies != 2 {
				t.Errorf("%d replies recorded, want 2", replies)
			}
		})

		t.Run("Refused", func(t *testing.T) {
			err := r.send("postmaster@fan.example.com", "Subject: hi\r\n\r\nhi\r\n")
			if err == nil || !strings.Contains(err.Error(), "550") {
				t.Errorf("unknown recipient: %v", err)
			}
			err = r.send("bounce+not_a-token!@fan.example.com", "Subject: hi\r\n\r\nhi\r\n")
			if err == nil || !strings.Contains(err.Error(), "550") {
				t.Errorf("junk token: %v", err)
			}
			big := "Subject: big\r\n\r\n" + strings.Repeat("0123456789abcdef\r\n", 5000)
			err = r.send(verp(c.Sends[3].Token), big)
			if err == nil || !strings.Contains(err.Error(), "552") {
				t.Errorf("oversized message: %v", err)
			}
			to := []string{verp(c.Sends[3].Token)}
			for range 6 {
				to = append(to, to[0])
			}
			err = smtp.SendMail(r.addr, nil, "", to, []byte("Subject: many\r\n\r\nx\r\n"))
			if err == nil || !strings.Contains(err.Error(), "452") {
				t.Errorf("too many recipients: %v", err)
			}
		})
	})
}

// When the database fails the receiver answers 451 so the bounce is retried.
func TestReceiver_DatabaseDown(t *testing.T) {
	db := storetest.OpenSQLite(t)
	r := startReceiver(t, db)
	c := trackingtest.Seed(t, db, trackingtest.Options{SentAgo: time.Hour})
	db.Close()
	s := c.Sends[0]
	err := r.send(verp(s.Token), fixture(t, "dsn_hard.eml", s.Token, s.Email))
	if err == nil || !strings.Contains(err.Error(), "451") {
		t.Errorf("err = %v, want 451", err)
	}
}

// sendTo adds another sent campaign to the member and returns its token.
func sendTo(t *testing.T, db *store.DB, memberID int64) string {
	t.Helper()
	ctx := context.Background()
	var cid int64
	if err := db.SQL().QueryRowContext(ctx, `INSERT INTO campaigns (name, created_at, updated_at) VALUES ('여름 세일', $1, $1) RETURNING id`,
		db.Now()).Scan(&cid); err != nil {
		t.Fatal(err)
	}
	tok := tracking.NewSendToken()
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO sends (id, campaign_id, member_id, state, token, sent_at) VALUES ($1 * 4294967296 + $2, $1, $2, 'sent', $3, $4)`,
		cid, memberID, tok, db.Now()); err != nil {
		t.Fatal(err)
	}
	return tok
}
