package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// Migration 0040 moves the outbox's unsent messages into message_queue: a
// queued message keeps its due time, one being sent when the node stopped
// is due when its claim would have lapsed, with its attempts, and is queued
// again; a message already sent stays out.
func TestMigration0040_MovesUnsentMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		body, err := os.ReadFile("migrations/" + db.Engine() + "/0040_message_queue.sql")
		if err != nil {
			t.Fatal(err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		msgs := enqueueMessages(t, db, 3)

		// The schema as it was before 0040.
		timeType, idType := "TIMESTAMPTZ", "BIGINT"
		if db.Engine() == store.SQLite {
			timeType, idType = "DATETIME", "INTEGER"
		}
		exec(`DROP TABLE message_queue`)
		exec(`ALTER TABLE messages ADD COLUMN locked_until ` + timeType)
		exec(`ALTER TABLE messages ADD COLUMN locked_by ` + idType)
		exec(`CREATE INDEX messages_queued ON messages(run_at)`)
		exec(`CREATE INDEX messages_sending ON messages(locked_until)`)
		due := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
		lapse := due.Add(5 * time.Minute)
		exec(`UPDATE messages SET status = 'queued', run_at = $1 WHERE id = $2`, due, msgs[0].ID)
		exec(`UPDATE messages SET status = 'sending', run_at = $1, locked_until = $2, locked_by = 7, attempts = 1 WHERE id = $3`,
			due, lapse, msgs[1].ID)
		exec(`UPDATE messages SET status = 'sent', sent_at = $1 WHERE id = $2`, due, msgs[2].ID)

		exec(string(body))

		type row struct {
			runAt    time.Time
			claimed  bool
			attempts int
		}
		got := map[int64]row{}
		rows, err := db.SQL().QueryContext(ctx, `SELECT message_id, run_at, claimed, attempts FROM message_queue`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var r row
			if err := rows.Scan(&id, &r.runAt, &r.claimed, &r.attempts); err != nil {
				t.Fatal(err)
			}
			got[id] = r
		}
		rows.Close()
		if len(got) != 2 {
			t.Fatalf("queue rows for messages %v, want the queued and the sending one", got)
		}
		if r := got[msgs[0].ID]; !r.runAt.Equal(due) || r.claimed || r.attempts != 0 {
			t.Errorf("queued message: %+v, want due %v, unclaimed, 0 attempts", r, due)
		}
		if r := got[msgs[1].ID]; !r.runAt.Equal(lapse) || r.claimed || r.attempts != 1 {
			t.Errorf("message being sent: %+v, want due when its claim lapses (%v), unclaimed, 1 attempt", r, lapse)
		}
		var status string
		if err := db.SQL().QueryRowContext(ctx, `SELECT status FROM messages WHERE id = $1`, msgs[1].ID).Scan(&status); err != nil {
			t.Fatal(err)
		}
		if status != "queued" {
			t.Errorf("the message being sent is %q after the migration, want queued", status)
		}
		// The outbox takes both up again once they are due.
		claims, err := db.ClaimMessages(ctx, lapse, time.Minute, 10)
		if err != nil || len(claims) != 2 {
			t.Fatalf("claimed %d after the migration, want 2 (%v)", len(claims), err)
		}
	})
}
