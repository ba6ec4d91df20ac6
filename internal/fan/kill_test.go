package fan_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/fan"
	"github.com/fanmail/fanmail/internal/jobs"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/tracking"
)

const (
	helperDB   = "FANMAIL_FAN_HELPER_DB"
	helperSMTP = "FANMAIL_FAN_HELPER_SMTP"
)

// TestHelperFanNode is the child process of TestFanProgram_KillBetweenChipAndMail:
// a fanmail node that relays the pending events (issuing the chip and
// queueing its mail in one transaction) and then tries to send the mail to
// a relay that never answers, until it is killed.
func TestHelperFanNode(t *testing.T) {
	dsn := os.Getenv(helperDB)
	if dsn == "" {
		t.Skip("helper process for TestFanProgram_KillBetweenChipAndMail")
	}
	db, err := storetest.OpenShared(dsn)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg, err := email.ParseURL(os.Getenv(helperSMTP))
	if err != nil {
		t.Fatal(err)
	}
	outbox := delivery.NewOutbox(db, logger, delivery.OutboxOptions{SMTP: &cfg, From: "fanmail <no-reply@fan.example.com>",
		BounceDomain: "fan.example.com", URLs: tracking.NewURLs("https://fan.example.com", []byte("k")),
		Sender: func(context.Context) (fanmail.Sender, error) { return fanmail.Sender{Name: "오즈세컨"}, nil }})
	events := jobs.NewEvents(db, logger)
	f := fan.New(db, logger, fan.Options{BaseURL: "https://fan.example.com"})
	f.Register(events)
	outbox.RegisterAll(f.Renderers())
	ctx := context.Background()
	if err := events.Relay(ctx); err != nil { // no queue: the handlers run here
		t.Fatal(err)
	}
	outbox.Run(ctx) // blocks on the silent relay until the parent kills us
}

// A node killed with SIGKILL after the welcome chip was issued and its mail
// queued, while the mail was on its way to the relay, loses nothing and
// pays nothing twice: the chip is in the ledger once, and another outbox
// sends its mail once the dead node's claim lapses.
func TestFanProgram_KillBetweenChipAndMail(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	storetest.EachShared(t, func(t *testing.T, db *store.DB, dsn string) {
		ctx := context.Background()
		w := setup(t, db)
		// A relay that accepts connections and never says a word.
		silent, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var conns sync.WaitGroup
		go func() {
			for {
				c, err := silent.Accept()
				if err != nil {
					return
				}
				conns.Go(func() { io.Copy(io.Discard, c); c.Close() })
			}
		}()
		t.Cleanup(func() { silent.Close() })
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.Emit(ctx, fanmail.BrandSelected{MemberID: w.member.ID, BrandID: w.brand.ID, Source: "portal"})
		}); err != nil {
			t.Fatal(err)
		}

		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperFanNode$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperDB+"="+dsn, helperSMTP+"=smtp://"+silent.Addr().String()+"?tls=none")
		cmd.Stdout, cmd.Stderr = t.Output(), t.Output()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until the child has claimed the chip mail (its relay is
		// silent, so it stays claimed), then kill it.
		var msg fanmail.Message
		deadline := time.Now().Add(60 * time.Second)
		for {
			msgs, err := db.Messages(ctx, store.MessageFilter{MemberID: w.member.ID, Kind: fanmail.MessageChip})
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) == 1 && msgs[0].Status == fanmail.MessageSending {
				msg = msgs[0]
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("the child never claimed the chip mail: %+v", msgs)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		if bal, _ := db.Balance(ctx, w.member.ID, w.brand.ID, fanmail.UnitChip); bal != 1 || len(w.srv.Messages()) != 0 {
			t.Fatalf("at the kill: balance %d, %d mails; want the chip and no mail yet", bal, len(w.srv.Messages()))
		}

		// The dead node's claim lapses; this node relays again (nothing
		// new) and sends the mail once.
		later := time.Now().Add(2 * time.Minute)
		db.Now = func() time.Time { return later }
		w.emit(t, fanmail.BrandSelected{MemberID: w.member.ID, BrandID: w.brand.ID, Source: "portal"})
		msgs := w.srv.WaitFor(t, 1, 10*time.Second)
		if len(msgs) != 1 {
			t.Fatalf("%d chip mails after the restart, want 1", len(msgs))
		}
		if bal, _ := db.Balance(ctx, w.member.ID, w.brand.ID, fanmail.UnitChip); bal != 1 {
			t.Errorf("balance after the restart: %d, want 1 (no second chip)", bal)
		}
		got, err := db.MessageByID(ctx, msg.ID)
		if err != nil || got.Status != fanmail.MessageSent {
			t.Errorf("chip mail after the restart: %+v, %v", got, err)
		}
	})
}
