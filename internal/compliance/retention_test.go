package compliance

import (
	"context"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// TestService_ApplyRetention puts data of each type a day before and a day
// after its retention boundary, and checks that only the older goes.
func TestService_ApplyRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var erased []int64
		s, clk := newService(t, db, Options{Retention: config.DefaultRetention(),
			EraseInactive: func(_ context.Context, id int64) error { erased = append(erased, id); return nil }})
		now := start.AddDate(5, 0, 0)
		r := config.DefaultRetention()
		before := func(d time.Duration) time.Time { return now.Add(-d - 24*time.Hour).UTC() }
		after := func(d time.Duration) time.Time { return now.Add(-d + 24*time.Hour).UTC() }

		// Members: one silent for longer than the period, one who signed in
		// within it, one who opened a mail within it.
		clk.Set(now.AddDate(-4, 0, 0))
		sleeper := storetest.MustCreateMember(t, db, "sleeper@example.com")
		signedIn := storetest.MustCreateMember(t, db, "signedin@example.com")
		opener := storetest.MustCreateMember(t, db, "opener@example.com")
		clk.Set(now)
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		exec(`UPDATE members SET last_login_at = $1 WHERE id = $2`, after(r.InactiveMembers), signedIn.ID)
		event := func(kind string, at time.Time, memberID int64) {
			exec(`INSERT INTO events (member_id, send_id, kind, is_bot, detail, created_at) VALUES ($1, 7, $2, FALSE, 'Mozilla/5.0', $3)`,
				memberID, kind, at)
		}
		// (An open counts as a sign of life: the sleeper has none.)
		event("open", before(r.TrackingEvents), opener.ID)
		event("click", before(r.TrackingEvents), opener.ID)
		event("open", after(r.TrackingEvents), opener.ID)
		event("reply", before(r.Replies), sleeper.ID)
		event("reply", after(r.Replies), sleeper.ID)
		event("bounce_hard", before(r.BounceReports), sleeper.ID)
		event("bounce_soft", after(r.BounceReports), sleeper.ID)
		exec(`INSERT INTO soft_bounces (email_normalized, created_at) VALUES ('old@example.com', $1), ('new@example.com', $2)`,
			before(r.BounceReports), after(r.BounceReports))
		message := func(ref, status string, at time.Time) {
			exec(`INSERT INTO messages (kind, channel, purpose, member_id, brand_id, ref, data, status, run_at, error, created_at)
				VALUES ('chip', 'email', 'transactional', $1, 0, $2, '{"entry":42}', $3, $4, 'relay said no', $4)`, sleeper.ID, ref, status, at)
		}
		message("old-sent", fanmail.MessageSent, before(r.MessageBodies))
		message("old-queued", fanmail.MessageQueued, before(r.MessageBodies))
		message("new-sent", fanmail.MessageSent, after(r.MessageBodies))

		counts := mustRun(t, s.ApplyRetention)
		want := map[string]int64{"tracking_events": 2, "replies": 1, "bounce_reports": 1, "soft_bounces": 1, "message_bodies": 1,
			"inactive_members_erased": 1}
		for k, v := range want {
			if counts[k] != v {
				t.Errorf("counts[%s] = %d, want %d (all: %v)", k, counts[k], v, counts)
			}
		}
		if len(erased) != 1 || erased[0] != sleeper.ID {
			t.Errorf("erased %v, want only member %d", erased, sleeper.ID)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM events WHERE member_id IS NULL AND send_id IS NULL AND detail = ''`); n != 4 {
			t.Errorf("%d events anonymised, want 4", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM events`); n != 7 {
			t.Errorf("%d events left, want all 7: totals stay", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM events WHERE member_id = $1`, opener.ID); n != 1 {
			t.Error("a recent open lost its member")
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM soft_bounces WHERE email_normalized = 'new@example.com'`); n != 1 {
			t.Error("a recent soft bounce was deleted")
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM soft_bounces`); n != 1 {
			t.Errorf("%d soft bounces left, want 1", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM messages WHERE data = '{}' AND error = ''`); n != 1 {
			t.Errorf("%d messages cleared, want the old sent one", n)
		}
		if m, err := db.MessageByRef(ctx, "old-queued"); err != nil || string(m.Data) != `{"entry":42}` {
			t.Errorf("a queued message lost what it is rendered from: %s, %v", m.Data, err)
		}
		if again := mustRun(t, s.ApplyRetention); again["tracking_events"] != 0 || again["message_bodies"] != 0 || again["soft_bounces"] != 0 {
			t.Errorf("second run changed %v", again)
		}
		runs, err := db.LastJobRuns(ctx, []string{JobRetention})
		if err != nil || len(runs) != 1 || runs[0].Counts["inactive_members_erased"] != 1 {
			t.Errorf("recorded run = %+v, %v", runs, err)
		}

		// Without the erasure hook, inactive members are counted only; a
		// zero period keeps that data.
		s2 := New(db, s.logger, Options{Retention: config.Retention{InactiveMembers: r.InactiveMembers}})
		if c := mustRun(t, s2.ApplyRetention); c["inactive_members_found"] != 1 || c["message_bodies"] != 0 {
			t.Errorf("without the hook: %v", c)
		}
	})
}
