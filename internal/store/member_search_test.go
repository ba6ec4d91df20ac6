package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// srchMember is a member to seed for the search tests.
type srchMember struct {
	code, email, name, phone, gender string
	birthYear                        int
	status                           string
	brand                            bool // likes the test brand
	marketing                        bool // granted e-mail marketing
}

// srchSeed stores ms in order (so later ones get higher ids) and returns
// their ids by e-mail address, and the test brand's id.
func srchSeed(t *testing.T, db *store.DB, ms []srchMember) (map[string]int64, int64) {
	t.Helper()
	ctx := context.Background()
	g, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "mienc", Name: "미앤씨", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for _, s := range ms {
			m, err := tx.CreateMember(ctx, fanmail.Member{
				Code: s.code, Email: s.email, Name: s.name, Phone: s.phone, Gender: s.gender, BirthYear: s.birthYear,
				Lang: "ko", Status: s.status, Source: fanmail.SourceWeb,
			})
			if err != nil {
				return err
			}
			ids[s.email] = m.ID
			if s.brand {
				if _, err := tx.AddBrandPreference(ctx, m.ID, b.ID, s.gender, ""); err != nil {
					return err
				}
			}
			err = tx.AddConsent(ctx, fanmail.Consent{MemberID: m.ID, Purpose: fanmail.PurposeMarketingEmail, Channel: "email",
				Granted: s.marketing, Source: fanmail.SourceWeb, Version: fanmail.ConsentWordingVersion})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, b.ID
}

func TestDB_SearchMembers(t *testing.T) {
	t.Run("IndexedText", testSearchMembers)
	// The same searches when every text counts as broad: members are walked
	// by id and the text is checked on each row.
	t.Run("BroadText", func(t *testing.T) {
		defer store.SetBroadText(1)()
		testSearchMembers(t)
	})
}

func testSearchMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ids, brandID := srchSeed(t, db, []srchMember{
			{"minji92", "minji92@example.com", "김민지", "010-1234-5678", fanmail.GenderFemale, 1992, fanmail.MemberActive, true, true},
			{"minsu", "Minsu.Park@Example.com", "박민수", "010-9876-5432", fanmail.GenderMale, 1988, fanmail.MemberActive, false, true},
			{"", "kim.minho@example.org", "김민호", "01012349999", fanmail.GenderMale, 2001, fanmail.MemberPending, true, false},
			{"jane_d", "jane@example.com", "Jane Doe", "+82 10 5555 0000", fanmail.GenderFemale, 1975, fanmail.MemberInactive, false, false},
			{"kimberly", "kimberly@example.com", "kimberly", "", fanmail.GenderOther, 0, fanmail.MemberActive, true, false},
			{"gim", "gim@example.com", "깁스", "", "", 1999, fanmail.MemberActive, false, false},
		})
		search := func(t *testing.T, q store.MemberSearch) []string {
			t.Helper()
			ms, err := db.SearchMembers(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for i, m := range ms {
				if i > 0 && ms[i-1].ID <= m.ID {
					t.Errorf("ids not descending: %d then %d", ms[i-1].ID, m.ID)
				}
				got = append(got, m.Email)
			}
			return got
		}
		tests := []struct {
			name string
			q    store.MemberSearch
			want []string
		}{
			{"All", store.MemberSearch{}, []string{"gim@example.com", "kimberly@example.com", "jane@example.com", "kim.minho@example.org", "Minsu.Park@Example.com", "minji92@example.com"}},
			{"EmailPrefix", store.MemberSearch{EmailPrefixes: []string{"min"}}, []string{"Minsu.Park@Example.com", "minji92@example.com"}},
			{"EmailPrefixWithDomain", store.MemberSearch{EmailPrefixes: []string{"jane@ex"}}, []string{"jane@example.com"}},
			{"KoreanNamePrefix", store.MemberSearch{NamePrefixes: []string{"김민"}}, []string{"kim.minho@example.org", "minji92@example.com"}},
			{"KoreanFamilyName", store.MemberSearch{NamePrefixes: []string{"김"}}, []string{"kim.minho@example.org", "minji92@example.com"}},
			{"NamePrefixIsByteOrder", store.MemberSearch{NamePrefixes: []string{"Kim"}}, []string{}},
			{"PhonePrefix", store.MemberSearch{PhonePrefixes: []string{"0101234"}}, []string{"kim.minho@example.org", "minji92@example.com"}},
			{"PhoneFromPlus82", store.MemberSearch{PhonePrefixes: []string{"010555"}}, []string{"jane@example.com"}},
			{"CodePrefix", store.MemberSearch{CodePrefixes: []string{"min"}}, []string{"Minsu.Park@Example.com", "minji92@example.com"}},
			{"ExactID", store.MemberSearch{ID: ids["jane@example.com"]}, []string{"jane@example.com"}},
			{"Alternatives", store.MemberSearch{NamePrefixes: []string{"Jane"}, CodePrefixes: []string{"kimb"}, EmailPrefixes: []string{"kimb"}}, []string{"kimberly@example.com", "jane@example.com"}},
			{"Gender", store.MemberSearch{Gender: fanmail.GenderFemale}, []string{"jane@example.com", "minji92@example.com"}},
			{"BirthYears", store.MemberSearch{MinBirthYear: 1988, MaxBirthYear: 1999}, []string{"gim@example.com", "Minsu.Park@Example.com", "minji92@example.com"}},
			{"GenderAndBirthYears", store.MemberSearch{Gender: fanmail.GenderMale, MinBirthYear: 1980, MaxBirthYear: 1990}, []string{"Minsu.Park@Example.com"}},
			{"Status", store.MemberSearch{Status: fanmail.MemberPending}, []string{"kim.minho@example.org"}},
			{"Brand", store.MemberSearch{BrandID: brandID}, []string{"kimberly@example.com", "kim.minho@example.org", "minji92@example.com"}},
			{"Consent", store.MemberSearch{Consent: fanmail.PurposeMarketingEmail}, []string{"Minsu.Park@Example.com", "minji92@example.com"}},
			{"TextAndFilters", store.MemberSearch{NamePrefixes: []string{"김"}, BrandID: brandID, Consent: fanmail.PurposeMarketingEmail}, []string{"minji92@example.com"}},
			{"NoMatch", store.MemberSearch{EmailPrefixes: []string{"zzz"}}, []string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if diff := cmp.Diff(tt.want, search(t, tt.q), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}

		t.Run("KeysetPages", func(t *testing.T) {
			var got []string
			q := store.MemberSearch{Limit: 4}
			for page := 0; page < 5; page++ {
				ms, err := db.SearchMembers(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if len(ms) == 0 {
					break
				}
				for _, m := range ms {
					got = append(got, m.Email)
				}
				q.Before = ms[len(ms)-1].ID
			}
			want := search(t, store.MemberSearch{})
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pages joined (-want +got):\n%s", diff)
			}
		})
		t.Run("FullRecord", func(t *testing.T) {
			ms, err := db.SearchMembers(ctx, store.MemberSearch{ID: ids["minji92@example.com"]})
			if err != nil || len(ms) != 1 {
				t.Fatalf("got %v, %v", ms, err)
			}
			m := ms[0]
			if m.Code != "minji92" || m.Name != "김민지" || m.Phone != "010-1234-5678" || m.BirthYear != 1992 || m.Status != fanmail.MemberActive {
				t.Errorf("member = %+v", m)
			}
		})
	})
}

func TestDB_SearchMembers_ManyPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var ms []srchMember
		for i := range 25 {
			ms = append(ms, srchMember{email: fmt.Sprintf("user%02d@example.com", i), name: "이서연", gender: fanmail.GenderFemale, status: fanmail.MemberActive})
		}
		srchSeed(t, db, ms)
		q := store.MemberSearch{NamePrefixes: []string{"이"}, Gender: fanmail.GenderFemale, Limit: 10}
		var sizes []int
		for {
			page, err := db.SearchMembers(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(page))
			if len(page) < q.Limit {
				break
			}
			q.Before = page[len(page)-1].ID
		}
		if diff := cmp.Diff([]int{10, 10, 5}, sizes); diff != "" {
			t.Errorf("page sizes (-want +got):\n%s", diff)
		}
	})
}

func TestDB_Overview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srchSeed(t, db, []srchMember{
			{email: "a@example.com", status: fanmail.MemberActive},
			{email: "b@example.com", status: fanmail.MemberActive},
			{email: "c@example.com", status: fanmail.MemberPending},
			{email: "d@example.com", status: fanmail.MemberInactive},
		})
		got, err := db.Overview(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := store.Overview{Members: 4, Active: 2, Pending: 1, Inactive: 1, Brands: 1, Products: 0}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

// A text search whose filter passes few of its matches reads the candidates
// in several chunks and still pages correctly.
func TestDB_SearchMembers_SparseFilter(t *testing.T) {
	for _, broad := range []bool{false, true} {
		t.Run(fmt.Sprintf("broad=%v", broad), func(t *testing.T) {
			if broad {
				defer store.SetBroadText(1)()
			}
			testSparseFilter(t)
		})
	}
}

func testSparseFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var ms []srchMember
		var want []string
		for i := range 1300 {
			m := srchMember{email: fmt.Sprintf("fan%04d@example.com", i), name: "박지민", gender: fanmail.GenderFemale, status: fanmail.MemberActive}
			if i%400 == 3 {
				m.gender = fanmail.GenderMale
				want = append([]string{m.email}, want...)
			}
			ms = append(ms, m)
		}
		srchSeed(t, db, ms)
		var got []string
		q := store.MemberSearch{NamePrefixes: []string{"박지"}, Gender: fanmail.GenderMale, Limit: 3}
		for range 3 {
			page, err := db.SearchMembers(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page {
				got = append(got, m.Email)
			}
			if len(page) < q.Limit {
				break
			}
			q.Before = page[len(page)-1].ID
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}
