package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// queueRows returns how many rows of message_queue there are for message id.
func queueRows(t *testing.T, db *store.DB, id int64) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM message_queue WHERE message_id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// enqueueMessages writes n messages for new members, due at db.Now().
func enqueueMessages(t *testing.T, db *store.DB, n int) []fanmail.Message {
	t.Helper()
	ctx := context.Background()
	var out []fanmail.Message
	for i := range n {
		m := storetest.MustCreateMember(t, db, fmt.Sprintf("minji%d@example.com", i))
		err := db.InTx(ctx, func(tx *store.Tx) error {
			msg, _, err := tx.EnqueueMessage(ctx, fanmail.Message{Kind: "test", MemberID: m.ID, Ref: fmt.Sprintf("t:%d", i)})
			out = append(out, msg)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// A message is in the queue from its cause's transaction until it is done:
// claimed it reads as sending, sent, failed or skipped it leaves the queue
// with the attempts the queue counted, retried it stays, due at its new time.
func TestDB_MessageQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
		now := clockAt(db, t0)
		msgs := enqueueMessages(t, db, 4)
		for _, m := range msgs {
			if queueRows(t, db, m.ID) != 1 {
				t.Fatalf("message %d not queued", m.ID)
			}
		}
		claims, err := db.ClaimMessages(ctx, *now, time.Minute, 10)
		if err != nil || len(claims) != 4 {
			t.Fatalf("claimed %d, %v", len(claims), err)
		}
		for i, c := range claims {
			if c.ID != msgs[i].ID || c.Status != fanmail.MessageSending || c.Attempts != 1 || c.Email != fmt.Sprintf("minji%d@example.com", i) {
				t.Fatalf("claim %d: %+v", i, c)
			}
		}
		if got, _ := db.MessageByID(ctx, msgs[0].ID); got.Status != fanmail.MessageSending {
			t.Errorf("claimed message reads %q, want sending", got.Status)
		}
		if counts, _ := db.MessageCounts(ctx); counts[fanmail.MessageSending] != 4 {
			t.Errorf("counts %v, want 4 sending", counts)
		}

		retryAt := t0.Add(10 * time.Minute)
		err = db.RecordMessages(ctx, []store.MessageOutcome{
			{ID: msgs[0].ID, Status: fanmail.MessageSent, MessageID: "a@test"},
			{ID: msgs[1].ID, Status: fanmail.MessageFailed, Error: "550 no such user"},
			{ID: msgs[2].ID, Status: fanmail.MessageSkipped, Reason: fanmail.SkipNoConsent},
			{ID: msgs[3].ID, Status: fanmail.MessageQueued, RunAt: retryAt, Error: "421 try later"},
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{fanmail.MessageSent, fanmail.MessageFailed, fanmail.MessageSkipped, fanmail.MessageQueued} {
			got, err := db.MessageByID(ctx, msgs[i].ID)
			if err != nil || got.Status != want || got.Attempts != 1 {
				t.Errorf("message %d: %q after %d attempts (%v), want %q after 1", i, got.Status, got.Attempts, err, want)
			}
			wantRows := 0
			if want == fanmail.MessageQueued {
				wantRows = 1
			}
			if n := queueRows(t, db, msgs[i].ID); n != wantRows {
				t.Errorf("message %d (%s) has %d queue rows, want %d", i, want, n, wantRows)
			}
		}
		if got, _ := db.MessageByID(ctx, msgs[0].ID); got.MessageID != "a@test" || got.SentAt == nil || !got.SentAt.Equal(t0) {
			t.Errorf("sent message: %q at %v", got.MessageID, got.SentAt)
		}
		if got, _ := db.MessageByID(ctx, msgs[3].ID); !got.RunAt.Equal(retryAt) || got.Error != "421 try later" {
			t.Errorf("retried message due at %v with %q", got.RunAt, got.Error)
		}

		if again, _ := db.ClaimMessages(ctx, retryAt.Add(-time.Second), time.Minute, 10); len(again) != 0 {
			t.Fatalf("claimed %d before the retry is due", len(again))
		}
		again, err := db.ClaimMessages(ctx, retryAt, time.Minute, 10)
		if err != nil || len(again) != 1 || again[0].ID != msgs[3].ID || again[0].Attempts != 2 {
			t.Fatalf("retry: %+v, %v", again, err)
		}
	})
}

// A claim that lapses (its node died without a heartbeat that others see)
// is claimed again from the queue, once, with the attempt counted; a node
// that finishes a message late does not queue it again.
func TestDB_ClaimMessages_LeaseLapses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
		now := clockAt(db, t0)
		msgs := enqueueMessages(t, db, 2)
		if first, err := db.ClaimMessages(ctx, *now, time.Minute, 10); err != nil || len(first) != 2 {
			t.Fatalf("first claim: %d, %v", len(first), err)
		}
		*now = t0.Add(59 * time.Second)
		if held, _ := db.ClaimMessages(ctx, *now, time.Minute, 10); len(held) != 0 {
			t.Fatalf("claimed %d while the lease holds", len(held))
		}
		*now = t0.Add(time.Minute)
		later, err := db.ClaimMessages(ctx, *now, time.Minute, 10)
		if err != nil || len(later) != 2 || later[0].Attempts != 2 || later[1].Attempts != 2 {
			t.Fatalf("after the lease lapsed: %+v, %v", later, err)
		}
		if dup, _ := db.ClaimMessages(ctx, *now, time.Minute, 10); len(dup) != 0 {
			t.Fatalf("claimed %d twice", len(dup))
		}

		// The second claimer sends message 0; the first, late, reports a
		// temporary failure of it: it stays sent.
		if err := db.RecordMessages(ctx, []store.MessageOutcome{{ID: msgs[0].ID, Status: fanmail.MessageSent, MessageID: "a@test"}}); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordMessages(ctx, []store.MessageOutcome{{ID: msgs[0].ID, Status: fanmail.MessageQueued, RunAt: *now, Error: "421"}}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.MessageByID(ctx, msgs[0].ID); got.Status != fanmail.MessageSent || queueRows(t, db, msgs[0].ID) != 0 {
			t.Errorf("a late retry queued a sent message again: %q", got.Status)
		}

		// Released (the node stops before sending), message 1 is due at
		// once and the attempt is not spent.
		if err := db.ReleaseMessages(ctx, []int64{msgs[1].ID}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.MessageByID(ctx, msgs[1].ID); got.Status != fanmail.MessageQueued || got.Attempts != 1 {
			t.Errorf("released: %q after %d attempts, want queued after 1", got.Status, got.Attempts)
		}
		back, err := db.ClaimMessages(ctx, *now, time.Minute, 10)
		if err != nil || len(back) != 1 || back[0].ID != msgs[1].ID || back[0].Attempts != 2 {
			t.Fatalf("after the release: %+v, %v", back, err)
		}
	})
}

// Erasing a member takes their messages off the queue.
func TestDB_MessageQueue_Erasure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		msgs := enqueueMessages(t, db, 1)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.EraseMember(ctx, msgs[0].MemberID, store.EraseOptions{Source: "portal"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := queueRows(t, db, msgs[0].ID); n != 0 {
			t.Errorf("%d queue rows of a deleted message", n)
		}
	})
}
