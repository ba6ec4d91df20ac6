package member_test

import (
	"context"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// Each change of an input analyses the profile again, in its transaction.
func TestService_ProfileRecomputed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		mine := regBrand(t, db, "formal", "mine", "마인")
		var casual, formal int64
		if err := db.SQL().QueryRowContext(ctx, `SELECT (SELECT id FROM brand_groups WHERE slug = 'casual'),
			(SELECT id FROM brand_groups WHERE slug = 'formal')`).Scan(&casual, &formal); err != nil {
			t.Fatal(err)
		}
		check := func(id int64, wantGroup int64, want fanmail.GroupVotes) {
			t.Helper()
			p, err := e.svc.Profile(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			want.GroupID = wantGroup
			if p.PreferredGroupID != wantGroup || p.Group != want || p.PurchasePattern != fanmail.PatternUnknown {
				t.Errorf("profile %+v, want group %d with %+v and no pattern", p, wantGroup, want)
			}
		}

		// Two styles of casual brands (2 × 2) outvote a formal favourite (3).
		r := e.minji(t)
		r.BrandIDs = []int64{mine}
		m, err := e.svc.Register(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		check(m.ID, casual, fanmail.GroupVotes{Styles: 2})

		// Her answers change to a style linked to no brand: formal wins.
		answers := []fanmail.Answer{
			{QuestionID: e.questions["occupation"].ID, OptionIDs: []int64{e.option(t, "occupation", "freelancer")}},
			{QuestionID: e.questions["style"].ID, OptionIDs: []int64{e.option(t, "style", "sporty")}},
		}
		if _, err := e.svc.UpdateProfile(ctx, m.ID, fanmail.MemberUpdate{}, answers); err != nil {
			t.Fatal(err)
		}
		check(m.ID, formal, fanmail.GroupVotes{Favourites: 1})

		// Her favourites change: none, then a casual brand.
		if err := e.svc.SetBrands(ctx, m.ID, nil); err != nil {
			t.Fatal(err)
		}
		check(m.ID, 0, fanmail.GroupVotes{GroupID: 0})
		if err := e.svc.SetBrands(ctx, m.ID, []int64{e.ozoc, e.sj}); err != nil {
			t.Fatal(err)
		}
		check(m.ID, casual, fanmail.GroupVotes{Favourites: 2})

		// A refused change leaves the analysis as it was.
		if err := e.svc.SetBrands(ctx, m.ID, []int64{mine, 4242}); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Fatalf("unknown brand: %v, want EINVALID", err)
		}
		check(m.ID, casual, fanmail.GroupVotes{Favourites: 2})

		rec, err := e.svc.MemberRecord(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Profile.PreferredGroupID != casual || rec.PreferredGroup.ID != casual || rec.PreferredGroup.Slug != "casual" {
			t.Errorf("record's profile %+v with group %+v, want casual", rec.Profile, rec.PreferredGroup)
		}
	})
}

// EnsureProfiles analyses everybody once when nothing is stored, e.g. on
// the first start after the upgrade.
func TestService_EnsureProfiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		m, err := e.svc.Register(ctx, e.minji(t))
		if err != nil {
			t.Fatal(err)
		}
		bare := storetest.MustCreateMember(t, db, "jin72@example.com")
		before, err := e.svc.Profile(ctx, m.ID)
		if err != nil || before.PreferredGroupID == 0 {
			t.Fatalf("profile after registering: %+v, %v", before, err)
		}
		if _, err := db.SQL().ExecContext(ctx, `DELETE FROM member_profiles`); err != nil {
			t.Fatal(err)
		}
		if p, err := e.svc.Profile(ctx, m.ID); err != nil || p.PreferredGroupID != 0 || p.PurchasePattern != fanmail.PatternUnknown {
			t.Errorf("profile never analysed: %+v, %v; want no group, unknown pattern", p, err)
		}
		if err := e.svc.EnsureProfiles(ctx); err != nil {
			t.Fatal(err)
		}
		after, err := e.svc.Profile(ctx, m.ID)
		if err != nil || after.PreferredGroupID != before.PreferredGroupID || after.Group != before.Group {
			t.Errorf("profile after EnsureProfiles: %+v, %v; want %+v", after, err, before)
		}
		if _, err := db.MemberProfile(ctx, bare.ID); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("a member with nothing to analyse got a profile: %v", err)
		}
		n, err := e.svc.RecomputeProfiles(ctx, nil)
		if err != nil || n != 1 {
			t.Errorf("RecomputeProfiles = %d, %v; want the one member with something to analyse", n, err)
		}
	})
}
