package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// A dead node's claims (campaign sends and outbox messages) are due again as
// soon as its lease lapses and another node's heartbeat notices, however
// long their locks; a node that starts again frees its own at once.
func TestNode_FreesClaims(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
		now := clockAt(db, t0)
		lease := 10 * time.Second
		lock := t0.Add(time.Hour)
		claimAll := func() (sends, messages int) {
			t.Helper()
			cs, err := db.ClaimSends(ctx, 1, 10, *now, lock, campAudience)
			if err != nil {
				t.Fatal(err)
			}
			ms, err := db.ClaimMessages(ctx, *now, time.Hour, 10)
			if err != nil {
				t.Fatal(err)
			}
			return len(cs), len(ms)
		}

		if _, err := db.JoinNode(ctx, "node-a", lease); err != nil {
			t.Fatal(err)
		}
		c, claims := campClaimed(t, db, 3, t0, lock)
		if c.ID != 1 || len(claims) != 3 {
			t.Fatalf("campaign %d with %d claims", c.ID, len(claims))
		}
		m := storetest.MustCreateMember(t, db, "jin72@example.com")
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := tx.EnqueueMessage(ctx, fanmail.Message{Kind: "test", MemberID: m.ID, Ref: "t:1"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, n := claimAll(); n != 1 {
			t.Fatalf("claimed %d messages, want 1", n)
		}

		// Node a stops renewing its lease; node b (on this same database
		// handle, which now marks claims as b's) goes on.
		b, err := db.JoinNode(ctx, "node-b", lease)
		if err != nil {
			t.Fatal(err)
		}
		*now = t0.Add(lease / 2)
		if freed, err := b.Heartbeat(ctx); err != nil || freed != 0 {
			t.Fatalf("heartbeat while a's lease holds: freed %d, %v", freed, err)
		}
		if s, m := claimAll(); s+m != 0 {
			t.Fatalf("claimed %d sends and %d messages of a live node", s, m)
		}
		*now = t0.Add(lease + time.Second)
		if freed, err := b.Heartbeat(ctx); err != nil || freed == 0 {
			t.Fatalf("heartbeat after a's lease lapsed: freed %d, %v", freed, err)
		}
		if s, m := claimAll(); s != 3 || m != 1 {
			t.Fatalf("after a's lease lapsed: claimed %d sends and %d messages, want 3 and 1", s, m)
		}

		// b restarts at once: its claims are due again without waiting.
		b2, err := db.JoinNode(ctx, "node-b", lease)
		if err != nil {
			t.Fatal(err)
		}
		if b2.ID != b.ID || b2.Freed != 4 || !b2.WasLeased {
			t.Errorf("restarted node %+v, want id %d, 4 claims freed, lease still held", b2, b.ID)
		}
		if s, m := claimAll(); s != 3 || m != 1 {
			t.Errorf("after the restart: claimed %d sends and %d messages, want 3 and 1", s, m)
		}
	})
}

// Heartbeats forget withdrawals older than a day.
func TestNode_ForgetsOldWithdrawals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
		now := clockAt(db, t0)
		m := campMember(t, db, "minji@example.com", "김민지", true)
		if err := db.Suppress(ctx, m.Email, store.SuppressManual, "admin"); err != nil {
			t.Fatal(err)
		}
		count := func() (n int) {
			t.Helper()
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM withdrawals WHERE member_id = $1`, m.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(); n != 1 {
			t.Fatalf("%d withdrawals recorded, want 1", n)
		}
		*now = t0.Add(25 * time.Hour)
		node, err := db.JoinNode(ctx, "node-a", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := node.Heartbeat(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 0 {
			t.Errorf("%d withdrawals left after a day, want 0", n)
		}
	})
}

// clockAt makes db's clock read *now, set to t0.
func clockAt(db *store.DB, t0 time.Time) *time.Time {
	now := t0
	db.Now = func() time.Time { return now }
	return &now
}
