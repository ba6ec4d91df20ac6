// Package deliverytest runs a real outbox in tests: every message of the
// messages table is rendered, framed and handed to a channel.EmailSender
// (usually channeltest's in-process SMTP server), as in production with
// FANMAIL_SMTP_URL=console.
package deliverytest

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/tracking"
)

// BaseURL is where the unsubscribe links of the test outbox point.
const BaseURL = "http://fanmail.test"

// Start runs an outbox over db that sends to the SMTP server at smtpURL
// (channeltest.SMTPServer.URL) until the test ends, polling every 20 ms.
// Register the renderers of the services under test on the result and pass
// its Notify as their AfterCommit. An empty smtpURL means mail is not
// configured: messages then stay queued.
func Start(t testing.TB, db *store.DB, smtpURL string) *delivery.Outbox {
	t.Helper()
	opts := delivery.OutboxOptions{
		From: "팬메일 <no-reply@fanmail.test>", BounceDomain: "fanmail.test", Poll: 20 * time.Millisecond,
		URLs: tracking.NewURLs(BaseURL, []byte("deliverytest secret")),
		Sender: func(context.Context) (fanmail.Sender, error) {
			return fanmail.Sender{Name: "fanmail test", Address: "서울 중구 세종대로 110", Phone: "02-120"}, nil
		},
	}
	if smtpURL != "" {
		cfg, err := email.ParseURL(smtpURL)
		if err != nil {
			t.Fatal(err)
		}
		opts.SMTP = &cfg
	}
	ob := delivery.NewOutbox(db, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ob.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return ob
}

// WaitStatus waits up to 10 s for the message with ref to reach status and
// returns it; the test fails otherwise. The relay receives a message before
// the outbox records it, so tests that read the record wait for it.
func WaitStatus(t testing.TB, db *store.DB, ref, status string) fanmail.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, err := db.MessageByRef(context.Background(), ref)
		if err == nil && m.Status == status {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %s: status %q (err %v), want %q", ref, m.Status, err, status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// WaitIdle waits up to 10 s until no message is queued or being sent. Tests
// that move their clock call it first: a message claimed but not yet
// recorded would otherwise look abandoned once the clock passes its lease,
// and be sent again.
func WaitIdle(t testing.TB, db *store.DB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		err := db.SQL().QueryRowContext(context.Background(),
			`SELECT COUNT(*) FROM message_queue WHERE claimed OR run_at <= $1`, db.Now().UTC()).Scan(&n)
		if err == nil && n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox not idle: %d messages due or being sent (err %v)", n, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
