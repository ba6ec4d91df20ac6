package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
)

// A withdrawal cannot commit while a worker is between Enter and Leave (a
// hand-off in progress), and the next Enter tells of it. (The engine tests
// show the same on PostgreSQL, across nodes too.)
func TestWithdrawalFeed_FencesHandOffs(t *testing.T) {
	ctx := context.Background()
	db, err := OpenSQLite(filepath.Join(t.TempDir(), "fanmail.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	consent := func(tx *Tx, id int64, granted bool) error {
		return tx.AddConsent(ctx, fanmail.Consent{MemberID: id, Purpose: fanmail.PurposeMarketingEmail, Channel: "email",
			Granted: granted, Source: "portal", Version: fanmail.ConsentWordingVersion})
	}
	var m fanmail.Member
	if err := db.InTx(ctx, func(tx *Tx) error {
		if m, err = tx.CreateMember(ctx, fanmail.Member{Email: "jin72@example.com", Name: "김진", Lang: "ko",
			Status: fanmail.MemberActive, Source: fanmail.SourceWeb}); err != nil {
			return err
		}
		return consent(tx, m.ID, true)
	}); err != nil {
		t.Fatal(err)
	}

	feed := db.Withdrawals()
	pos, err := feed.Pos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ws, err := feed.Enter(ctx, m.ID); err != nil || len(ws) != 0 {
		t.Fatalf("Enter = %v, %v", ws, err)
	}
	committed := make(chan time.Time, 1)
	go func() {
		if err := db.InTx(ctx, func(tx *Tx) error { return consent(tx, m.ID, false) }); err != nil {
			t.Error(err)
		}
		committed <- time.Now()
	}()
	// Wait (at most ten seconds; not a timing assertion) until the
	// withdrawal waits at the fence.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		db.fence.mu.Lock()
		waiting := db.fence.writers > 0
		db.fence.mu.Unlock()
		if waiting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the withdrawal never reached the fence")
		}
	}
	if granted, err := db.MarketingConsent(ctx, m.ID); err != nil || !granted {
		t.Errorf("consent %v, %v while a hand-off is in progress: the withdrawal committed", granted, err)
	}
	left := time.Now()
	feed.Leave()
	if at := <-committed; at.Before(left) {
		t.Errorf("the withdrawal committed %s before the hand-off ended", left.Sub(at))
	}
	ws, err := feed.Enter(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Leave()
	if len(ws) != 1 || ws[0].ID <= pos || ws[0].Kind != WithdrawConsent || ws[0].Detail != fanmail.PurposeMarketingEmail {
		t.Errorf("withdrawals after the hand-off = %+v (claim at %d)", ws, pos)
	}
}
