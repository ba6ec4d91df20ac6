package member_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// srchFixture is a member service over a database holding a few members.
type srchFixture struct {
	svc   *member.Service
	db    *store.DB
	brand int64
	ids   map[string]int64 // by e-mail address
}

func newSrchFixture(t *testing.T, db *store.DB) srchFixture {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	f := srchFixture{
		svc: member.New(db, nil, member.Options{AgeBands: fanmail.DefaultAgeBands}, slog.New(slog.NewTextHandler(t.Output(), nil))),
		db:  db,
		ids: map[string]int64{},
	}
	g, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "formal", NameKo: "정장", NameEn: "Formal", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "ozsecond", Name: "오즈세컨", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	f.brand = b.ID
	members := []fanmail.Member{
		{Code: "haeun01", Email: "haeun@example.com", Name: "최하은", Phone: "010-3333-1111", BirthYear: 2001, Gender: fanmail.GenderFemale, Status: fanmail.MemberActive},
		{Code: "Junho", Email: "lee.jh@example.com", Name: "Junho Lee", Phone: "010-3333-2222", BirthYear: 1996, Gender: fanmail.GenderMale, Status: fanmail.MemberActive},
		{Email: "jiwoo@example.net", Name: "강지우", Phone: "02-555-0101", BirthYear: 2000, Gender: fanmail.GenderFemale, Status: fanmail.MemberPending},
		{Email: "old@example.com", Name: "장서준", BirthYear: 0, Gender: fanmail.GenderMale, Status: fanmail.MemberInactive},
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for _, m := range members {
			m.Lang, m.Source = "ko", fanmail.SourceWeb
			created, err := tx.CreateMember(ctx, m)
			if err != nil {
				return err
			}
			f.ids[m.Email] = created.ID
		}
		if _, err := tx.AddBrandPreference(ctx, f.ids["haeun@example.com"], b.ID, fanmail.GenderFemale, "24-26"); err != nil {
			return err
		}
		return tx.AddConsent(ctx, fanmail.Consent{MemberID: f.ids["lee.jh@example.com"], Purpose: fanmail.PurposeMarketingSMS,
			Channel: "sms", Granted: true, Source: fanmail.SourceWeb, IP: "192.0.2.1", Version: fanmail.ConsentWordingVersion})
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f srchFixture) emails(t *testing.T, filter member.MemberFilter) []string {
	t.Helper()
	page, err := f.svc.FindMembers(context.Background(), filter)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range page.Members {
		got = append(got, m.Email)
	}
	return got
}

func TestService_FindMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSrchFixture(t, db)
		tests := []struct {
			name   string
			filter member.MemberFilter
			want   []string
		}{
			{"Everyone", member.MemberFilter{}, []string{"old@example.com", "jiwoo@example.net", "lee.jh@example.com", "haeun@example.com"}},
			{"EmailWithAt", member.MemberFilter{Query: "JIWOO@example"}, []string{"jiwoo@example.net"}},
			{"EmailStart", member.MemberFilter{Query: "lee.j"}, []string{"lee.jh@example.com"}},
			{"LowerCaseEnglishName", member.MemberFilter{Query: "junho"}, []string{"lee.jh@example.com"}},
			{"KoreanName", member.MemberFilter{Query: "최하"}, []string{"haeun@example.com"}},
			{"PhoneWithDashes", member.MemberFilter{Query: "010-3333"}, []string{"lee.jh@example.com", "haeun@example.com"}},
			{"SeoulPhone", member.MemberFilter{Query: "02-555"}, []string{"jiwoo@example.net"}},
			{"MemberCode", member.MemberFilter{Query: "haeun0"}, []string{"haeun@example.com"}},
			{"MemberNumber", member.MemberFilter{Query: fmt.Sprint(f.ids["jiwoo@example.net"])}, []string{"jiwoo@example.net"}},
			{"AgeBand", member.MemberFilter{AgeBand: "24-26"}, []string{"jiwoo@example.net", "haeun@example.com"}},
			{"AgeBandAndGender", member.MemberFilter{AgeBand: "24-26", Gender: fanmail.GenderFemale, Status: fanmail.MemberActive}, []string{"haeun@example.com"}},
			{"OpenBandSkipsUnknownYear", member.MemberFilter{AgeBand: "40+"}, nil},
			{"Brand", member.MemberFilter{BrandID: f.brand}, []string{"haeun@example.com"}},
			{"Consent", member.MemberFilter{Consent: fanmail.PurposeMarketingSMS}, []string{"lee.jh@example.com"}},
			{"Status", member.MemberFilter{Status: fanmail.MemberInactive}, []string{"old@example.com"}},
			{"Blank", member.MemberFilter{Query: "   "}, []string{"old@example.com", "jiwoo@example.net", "lee.jh@example.com", "haeun@example.com"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if diff := cmp.Diff(tt.want, f.emails(t, tt.filter), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
		t.Run("Pages", func(t *testing.T) {
			ctx := context.Background()
			p1, err := f.svc.FindMembers(ctx, member.MemberFilter{Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			if len(p1.Members) != 3 || p1.Next != p1.Members[2].ID {
				t.Fatalf("page 1: %d members, next %d", len(p1.Members), p1.Next)
			}
			p2, err := f.svc.FindMembers(ctx, member.MemberFilter{Limit: 3, Before: p1.Next})
			if err != nil {
				t.Fatal(err)
			}
			if len(p2.Members) != 1 || p2.Next != 0 || p2.Members[0].Email != "haeun@example.com" {
				t.Errorf("page 2: %+v", p2)
			}
			exact, err := f.svc.FindMembers(ctx, member.MemberFilter{Limit: 4})
			if err != nil || exact.Next != 0 {
				t.Errorf("a full last page offers a next page: %d, %v", exact.Next, err)
			}
		})
		t.Run("ErrBadFilter", func(t *testing.T) {
			for field, filter := range map[string]member.MemberFilter{
				"gender":   {Gender: "unknown"},
				"age_band": {AgeBand: "10-12"},
				"consent":  {Consent: "phone_calls"},
				"status":   {Status: "deleted"},
			} {
				_, err := f.svc.FindMembers(context.Background(), filter)
				if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorField(err) != field {
					t.Errorf("%s: got %v, want EINVALID on %s", field, err, field)
				}
			}
		})
	})
}

func TestService_MemberRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSrchFixture(t, db)
		ctx := context.Background()
		rec, err := f.svc.MemberRecord(ctx, f.ids["haeun@example.com"])
		if err != nil {
			t.Fatal(err)
		}
		if rec.Member.Name != "최하은" || rec.AgeBand != "24-26" || len(rec.Brands) != 1 || rec.Brands[0].Name != "오즈세컨" {
			t.Errorf("record = %+v", rec)
		}
		rec, err = f.svc.MemberRecord(ctx, f.ids["lee.jh@example.com"])
		if err != nil {
			t.Fatal(err)
		}
		if !rec.Consents[fanmail.PurposeMarketingSMS] || len(rec.History) != 1 || rec.History[0].IP != "192.0.2.1" {
			t.Errorf("consents %v, history %+v", rec.Consents, rec.History)
		}
		if _, err := f.svc.MemberRecord(ctx, 9999); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("unknown member: got %v, want ENOTFOUND", err)
		}
	})
}
