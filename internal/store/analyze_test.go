package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestDB_AnalyzeAfter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		storetest.NoAutoAnalyze(t, db, "members")
		for i := range 3 {
			storetest.MustCreateMember(t, db, fmt.Sprintf("minji%d@example.com", i))
		}
		t.Run("BelowThreshold", func(t *testing.T) {
			did, err := db.AnalyzeAfter(ctx, store.AnalyzeRows-1, "members")
			if did || err != nil {
				t.Fatalf("AnalyzeAfter = %v, %v; want false, nil", did, err)
			}
			if n := storetest.PlannerStats(t, db, "members"); n != 0 {
				t.Errorf("%d rows of statistics for members, want none", n)
			}
		})
		t.Run("OK", func(t *testing.T) {
			did, err := db.AnalyzeAfter(ctx, store.AnalyzeRows, "members")
			if !did || err != nil {
				t.Fatalf("AnalyzeAfter = %v, %v; want true, nil", did, err)
			}
			if n := storetest.PlannerStats(t, db, "members"); n == 0 {
				t.Error("no statistics for members after AnalyzeAfter")
			}
		})
	})
}
