package store_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestDB_BrandPreferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mienc := memBrand(t, db, "casual", "mienc", "미앤씨")
		oz := memBrand(t, db, "casual", "oz-second", "오즈세컨")
		m := memCreate(t, db, "jin72@example.com", "female", 2005)
		n := memCreate(t, db, "minji@example.com", "female", 2005)
		run := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := db.InTx(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		counts := func(brand int64) []fanmail.BrandPreferenceCount {
			t.Helper()
			cs, err := db.BrandPreferenceCounts(ctx, brand)
			if err != nil {
				t.Fatal(err)
			}
			return cs
		}
		run(func(tx *store.Tx) error {
			if added, err := tx.AddBrandPreference(ctx, m.ID, oz, "female", "19-20"); err != nil || !added {
				t.Errorf("add: %v, %v", added, err)
			}
			if added, err := tx.AddBrandPreference(ctx, m.ID, oz, "female", "19-20"); err != nil || added {
				t.Errorf("add twice: %v, %v; want false", added, err)
			}
			tx.AddBrandPreference(ctx, m.ID, mienc, "female", "19-20")
			_, err := tx.AddBrandPreference(ctx, n.ID, oz, "female", "19-20")
			return err
		})
		want := []fanmail.BrandPreferenceCount{{BrandID: oz, Gender: "female", AgeBand: "19-20", Count: 2}}
		if diff := cmp.Diff(want, counts(oz)); diff != "" {
			t.Errorf("counts after adding (-want +got):\n%s", diff)
		}
		if ids, _ := db.BrandPreferences(ctx, m.ID); !cmp.Equal(ids, []int64{mienc, oz}) {
			t.Errorf("preferences = %v, want %v", ids, []int64{mienc, oz})
		}

		// Moving a member to another band moves exactly their counts.
		run(func(tx *store.Tx) error { return tx.RecountBrandPreferences(ctx, m.ID, "female", "21-23") })
		want = []fanmail.BrandPreferenceCount{
			{BrandID: oz, Gender: "female", AgeBand: "19-20", Count: 1},
			{BrandID: oz, Gender: "female", AgeBand: "21-23", Count: 1},
		}
		if diff := cmp.Diff(want, counts(oz)); diff != "" {
			t.Errorf("counts after recount (-want +got):\n%s", diff)
		}
		// Removing takes back the count under the band it was moved to.
		run(func(tx *store.Tx) error {
			if removed, err := tx.RemoveBrandPreference(ctx, m.ID, oz); err != nil || !removed {
				t.Errorf("remove: %v, %v", removed, err)
			}
			if removed, err := tx.RemoveBrandPreference(ctx, m.ID, oz); err != nil || removed {
				t.Errorf("remove twice: %v, %v; want false", removed, err)
			}
			return nil
		})
		want = []fanmail.BrandPreferenceCount{{BrandID: oz, Gender: "female", AgeBand: "19-20", Count: 1}}
		if diff := cmp.Diff(want, counts(oz)); diff != "" {
			t.Errorf("counts after removing (-want +got):\n%s", diff)
		}
		if ids, _ := db.BrandPreferences(ctx, m.ID); !cmp.Equal(ids, []int64{mienc}) {
			t.Errorf("preferences = %v", ids)
		}

		run(func(tx *store.Tx) error {
			if id, err := tx.MissingBrand(ctx, []int64{oz, mienc}); err != nil || id != 0 {
				t.Errorf("MissingBrand(known) = %d, %v", id, err)
			}
			if id, _ := tx.MissingBrand(ctx, []int64{oz, 777}); id != 777 {
				t.Errorf("MissingBrand = %d, want 777", id)
			}
			return nil
		})
		groups, err := db.PreferenceGroups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != 1 || groups[0].Group.Slug != "casual" || len(groups[0].Brands) != 2 || groups[0].Brands[1].Name != "오즈세컨" {
			t.Errorf("groups = %+v", groups)
		}
	})
}
