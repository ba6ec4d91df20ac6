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

// SignIn stops a client guessing one account without refusing the account
// to others, a client trying many accounts, and many clients guessing one.
func TestSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		g := throttle.NewSignIn(db, "staff", throttle.SignInLimits{
			Pair:    throttle.Limit{Max: 2, Window: time.Minute},
			Client:  throttle.Limit{Max: 3, Window: time.Minute},
			Account: throttle.Limit{Max: 4, Window: time.Hour},
		})
		now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
		check := func(client, account string, want error) {
			t.Helper()
			if err := g.Check(ctx, client, account, now); err != want {
				t.Errorf("Check(%s, %s) = %v, want %v", client, account, err, want)
			}
		}
		failAt := func(client, account string) {
			t.Helper()
			if err := g.Fail(ctx, client, account, now); err != nil {
				t.Fatal(err)
			}
		}
		failAt("a", "boss")
		failAt("a", "boss")
		check("a", "boss", throttle.ErrTooMany) // the pair
		check("b", "boss", nil)                 // the owner elsewhere
		check("a", "clerk", nil)
		failAt("a", "clerk")
		check("a", "intern", throttle.ErrTooMany) // the client, on any account
		if err := g.Succeeded(ctx, "a", "boss"); err != nil {
			t.Fatal(err)
		}
		check("a", "boss", throttle.ErrTooMany) // its other failures stay
		failAt("c", "boss")
		failAt("d", "boss")
		check("e", "boss", throttle.ErrAccountLocked) // 4 from three clients
		now = now.Add(time.Minute)
		check("a", "clerk", nil)
		check("e", "boss", throttle.ErrAccountLocked)
		now = now.Add(time.Hour)
		check("e", "boss", nil)
	})
}

// Requests counts requests per address and per client; a refused request
// is not counted.
func TestRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := throttle.NewRequests(db, "member.link", throttle.RequestLimits{
			Address: throttle.Limit{Max: 2, Window: time.Hour},
			Client:  throttle.Limit{Max: 3, Window: time.Hour},
		})
		now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
		allow := func(client, address string, want bool) {
			t.Helper()
			ok, err := q.Allow(ctx, client, address, now)
			if err != nil || ok != want {
				t.Errorf("Allow(%s, %s) = %v, %v; want %v", client, address, ok, err, want)
			}
		}
		allow("a", "minji@example.com", true)
		allow("b", "minji@example.com", true)
		allow("c", "minji@example.com", false) // the address, whoever asks
		allow("a", "jihoon@example.com", true)
		allow("a", "seojun@example.com", true)
		allow("a", "yuna@example.com", false) // the client, whatever address
		allow("c", "yuna@example.com", true)  // neither counted the refusals
		now = now.Add(time.Hour)
		allow("a", "minji@example.com", true)
	})
}
