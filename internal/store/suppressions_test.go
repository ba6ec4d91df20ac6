package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestDB_Suppressions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
		memFixedClock(db, t0)
		for _, s := range []struct{ email, reason, source string }{
			{"Jin72@Example.com ", store.SuppressUnsubscribed, "unsubscribe"},
			{"ara@example.com", store.SuppressHardBounce, "dsn"},
			{"minji@example.com", store.SuppressComplaint, "arf"},
			{"jin72@example.com", store.SuppressManual, "admin"}, // already there: keeps its first reason
		} {
			if err := db.Suppress(ctx, s.email, s.reason, s.source); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Suppress(ctx, "  ", store.SuppressManual, "admin"); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("empty address: %v", err)
		}
		for email, want := range map[string]bool{"JIN72@example.com": true, "ara@example.com": true, "seoyeon@example.com": false} {
			if got, err := db.IsSuppressed(ctx, email); err != nil || got != want {
				t.Errorf("IsSuppressed(%s) = %v, %v", email, got, err)
			}
		}

		page1, err := db.Suppressions(ctx, store.SuppressionFilter{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		page2, err := db.Suppressions(ctx, store.SuppressionFilter{Limit: 2, After: page1[len(page1)-1].Email})
		if err != nil {
			t.Fatal(err)
		}
		want := []store.Suppression{
			{Email: "ara@example.com", Reason: "hard_bounce", Source: "dsn", CreatedAt: t0},
			{Email: "jin72@example.com", Reason: "unsubscribed", Source: "unsubscribe", CreatedAt: t0},
			{Email: "minji@example.com", Reason: "complaint", Source: "arf", CreatedAt: t0},
		}
		if diff := cmp.Diff(want, append(page1, page2...)); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
		only, err := db.Suppressions(ctx, store.SuppressionFilter{Reason: store.SuppressComplaint})
		if err != nil || len(only) != 1 || only[0].Email != "minji@example.com" {
			t.Errorf("complaints = %+v, %v", only, err)
		}
		counts, err := db.CountSuppressions(ctx)
		if diff := cmp.Diff(map[string]int64{"hard_bounce": 1, "unsubscribed": 1, "complaint": 1}, counts); err != nil || diff != "" {
			t.Errorf("counts: %v %s", err, diff)
		}

		lift := func(email string) bool {
			t.Helper()
			var lifted bool
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				lifted, err = tx.LiftUnsubscribe(ctx, email)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return lifted
		}
		if lift("minji@example.com") || lift("ara@example.com") {
			t.Error("LiftUnsubscribe lifted a complaint or a bounce")
		}
		if !lift("jin72@example.com") {
			t.Error("LiftUnsubscribe kept an unsubscribe")
		}
		if got, _ := db.IsSuppressed(ctx, "jin72@example.com"); got {
			t.Error("still suppressed after LiftUnsubscribe")
		}

		if err := db.Unsuppress(ctx, "ARA@example.com"); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.IsSuppressed(ctx, "ara@example.com"); got {
			t.Error("still suppressed after Unsuppress")
		}
		if err := db.Unsuppress(ctx, "ara@example.com"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("second Unsuppress: %v", err)
		}
		if _, err := db.SuppressionOf(ctx, "ara@example.com"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("SuppressionOf: %v", err)
		}
	})
}

func TestDB_AddBounce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
		advance := memFixedClock(db, t0)
		soft := func() int {
			t.Helper()
			var n int
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				n, err = tx.AddBounce(ctx, "Yuna@example.com", false, 0, tx.Now.Add(-30*24*time.Hour))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		var got []int
		for _, gap := range []time.Duration{0, 10, 10, 15, 40} {
			advance(gap * 24 * time.Hour)
			got = append(got, soft())
		}
		// Days 0, 10, 20, 35, 75: the window holds 1, 2, 3, 3 (10, 20, 35), 1.
		if diff := cmp.Diff([]int{1, 2, 3, 3, 1}, got); diff != "" {
			t.Errorf("soft bounces in window (-want +got):\n%s", diff)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.AddBounce(ctx, "yuna@example.com", true, 0, tx.Now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		h, err := db.AddressHealthOf(ctx, "yuna@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if h.SoftBounces != 5 || h.HardBounces != 1 || !h.LastBounceAt.Equal(db.Now()) {
			t.Errorf("health = %+v", h)
		}
		// Unsuppressing starts the count again.
		if err := db.Suppress(ctx, "yuna@example.com", store.SuppressSoftBounces, "dsn"); err != nil {
			t.Fatal(err)
		}
		if err := db.Unsuppress(ctx, "yuna@example.com"); err != nil {
			t.Fatal(err)
		}
		if n := soft(); n != 1 {
			t.Errorf("soft bounces after unsuppress = %d, want 1", n)
		}
	})
}
