package member_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestService_SetBrands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		reg := func(email, code, gender string, birthYear int, brands ...int64) fanmail.Member {
			t.Helper()
			r := e.minji(t)
			r.Email, r.Code, r.Gender, r.BirthYear, r.BrandIDs = email, code, gender, birthYear, brands
			m, err := e.svc.Register(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		// 2026: born 2006 → 19-20, 1992 → 30-34.
		minji := reg("minji@example.com", "minji92", fanmail.GenderFemale, 2006, e.ozSecond)
		jin := reg("jin72@example.com", "jin72", fanmail.GenderMale, 2006, e.ozoc)
		reg("sora@example.com", "sora", fanmail.GenderFemale, 1992, e.ozSecond, e.mienc)

		counts := func(brand int64) []fanmail.BrandPreferenceCount {
			t.Helper()
			cs, err := e.svc.BrandCounts(ctx, brand)
			if err != nil {
				t.Fatal(err)
			}
			return cs
		}
		c := func(brand int64, gender, band string, n int64) fanmail.BrandPreferenceCount {
			return fanmail.BrandPreferenceCount{BrandID: brand, Gender: gender, AgeBand: band, Count: n}
		}
		check := func(brand int64, want ...fanmail.BrandPreferenceCount) {
			t.Helper()
			if diff := cmp.Diff(want, counts(brand)); diff != "" {
				t.Errorf("counts of brand %d (-want +got):\n%s", brand, diff)
			}
		}
		check(e.ozSecond, c(e.ozSecond, "female", "19-20", 1), c(e.ozSecond, "female", "30-34", 1))
		check(e.ozoc, c(e.ozoc, "male", "19-20", 1))

		// Minji swaps 오즈세컨 for 오조크 and 미앤씨; setting the same again changes nothing.
		for range 2 {
			if err := e.svc.SetBrands(ctx, minji.ID, []int64{e.ozoc, e.mienc, e.ozoc}); err != nil {
				t.Fatal(err)
			}
		}
		check(e.ozSecond, c(e.ozSecond, "female", "30-34", 1))
		check(e.ozoc, c(e.ozoc, "female", "19-20", 1), c(e.ozoc, "male", "19-20", 1))
		check(e.mienc, c(e.mienc, "female", "19-20", 1), c(e.mienc, "female", "30-34", 1))
		if ids, _ := e.svc.Brands(ctx, minji.ID); !cmp.Equal(ids, []int64{e.mienc, e.ozoc}) {
			t.Errorf("minji's brands = %v", ids)
		}

		// Jin corrects his birth year: his count moves to the new band.
		by := 1992
		if _, err := e.svc.UpdateMember(ctx, jin.ID, fanmail.MemberUpdate{BirthYear: &by}); err != nil {
			t.Fatal(err)
		}
		check(e.ozoc, c(e.ozoc, "female", "19-20", 1), c(e.ozoc, "male", "30-34", 1))

		// Unknown brands are refused and change nothing; clearing takes everything back.
		if err := e.svc.SetBrands(ctx, minji.ID, []int64{e.ozoc, 4242}); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("unknown brand: %v, want EINVALID", err)
		}
		if err := e.svc.SetBrands(ctx, minji.ID, nil); err != nil {
			t.Fatal(err)
		}
		check(e.ozoc, c(e.ozoc, "male", "30-34", 1))
		check(e.mienc, c(e.mienc, "female", "30-34", 1))
		if err := e.svc.SetBrands(ctx, 4242, []int64{e.ozoc}); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("missing member: %v, want ENOTFOUND", err)
		}
	})
}

func TestService_BrandGroups(t *testing.T) {
	e := regSetup(t, storetest.OpenSQLite(t))
	groups, err := e.svc.BrandGroups(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || len(groups[0].Brands) != 4 {
		t.Errorf("groups = %+v", groups)
	}
	_ = member.Form{Groups: groups}
}
