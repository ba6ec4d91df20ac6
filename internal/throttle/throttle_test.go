package throttle_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/throttle"
)

func blocked(t *testing.T, f *throttle.Failures, key string, now time.Time) bool {
	t.Helper()
	b, err := f.Blocked(context.Background(), key, now)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fail(t *testing.T, f *throttle.Failures, key string, now time.Time) {
	t.Helper()
	if err := f.Fail(context.Background(), key, now); err != nil {
		t.Fatal(err)
	}
}

func TestFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := throttle.New(db, "member", 3, time.Minute)
		t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
		for i := range 3 {
			if blocked(t, f, "a", t0) {
				t.Fatalf("blocked after %d failures", i)
			}
			fail(t, f, "a", t0.Add(time.Duration(i)*10*time.Second)) // 0 s, 10 s, 20 s
		}
		if !blocked(t, f, "a", t0.Add(30*time.Second)) || blocked(t, f, "b", t0.Add(30*time.Second)) {
			t.Error("3 failures in a minute: a is not blocked, or b is")
		}
		// Another scope counts apart.
		if blocked(t, throttle.New(db, "staff", 3, time.Minute), "a", t0.Add(30*time.Second)) {
			t.Error("a is blocked in another scope")
		}
		// The oldest failure leaves the window at 60 s: two remain.
		if blocked(t, f, "a", t0.Add(time.Minute)) {
			t.Error("still blocked once the first failure is a minute old")
		}
		if err := f.Forget(context.Background(), "a"); err != nil {
			t.Fatal(err)
		}
		fail(t, f, "a", t0.Add(time.Minute))
		if blocked(t, f, "a", t0.Add(time.Minute)) {
			t.Error("blocked after Forget and one failure")
		}
	})
}

// Two fanmail processes on one database count the same failures; a spray
// of made-up keys does not clear a real key's; failures older than the
// window are deleted, and only the scope's own.
func TestFailures_Shared(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		node1 := throttle.New(db, "member", 3, time.Hour)
		node2 := throttle.New(db, "member", 3, time.Hour)
		staff := throttle.New(db, "staff", 3, 24*time.Hour)
		now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
		fail(t, staff, "boss", now)
		fail(t, node1, "victim", now)
		fail(t, node2, "victim", now)
		for i := range 300 {
			fail(t, node1, fmt.Sprint("spray", i), now)
		}
		fail(t, node1, "victim", now.Add(time.Minute))
		if !blocked(t, node2, "victim", now.Add(time.Minute)) || !blocked(t, node1, "victim", now.Add(time.Minute)) {
			t.Error("three failures on two nodes do not block the key on both")
		}
		later := now.Add(2 * time.Hour)
		fail(t, node1, "someone", later)
		var member, staffRows int
		db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM auth_failures WHERE scope = 'member'`).Scan(&member)
		db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM auth_failures WHERE scope = 'staff'`).Scan(&staffRows)
		if member != 1 || staffRows != 1 {
			t.Errorf("after the window: %d member failures kept, want 1; %d staff, want 1", member, staffRows)
		}
		var addresses int
		db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM auth_failures WHERE key_hash LIKE '%victim%' OR key_hash LIKE '%someone%'`).Scan(&addresses)
		if addresses != 0 {
			t.Error("keys stored in clear")
		}
	})
}
