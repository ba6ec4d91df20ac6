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

// memFixedClock pins db.Now to t0 and returns a function that moves it.
func memFixedClock(db *store.DB, t0 time.Time) func(d time.Duration) {
	now := t0
	db.Now = func() time.Time { return now }
	return func(d time.Duration) { now = now.Add(d) }
}

// memCreate stores a pending member with the address.
func memCreate(t *testing.T, db *store.DB, email string, gender string, birthYear int) fanmail.Member {
	t.Helper()
	var m fanmail.Member
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		m, err = tx.CreateMember(context.Background(), fanmail.Member{
			Email: email, Name: "김민지", Gender: gender, BirthYear: birthYear,
			Lang: "ko", Status: fanmail.MemberPending, Source: fanmail.SourceWeb,
		})
		return err
	})
	if err != nil {
		t.Fatalf("create member: %v", err)
	}
	return m
}

// memBrand stores a published brand (and its group, if new).
func memBrand(t *testing.T, db *store.DB, groupSlug, slug, name string) int64 {
	t.Helper()
	ctx := context.Background()
	now := db.Now()
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO brand_groups (slug, name_ko, name_en, created_at, updated_at)
		VALUES ($1, $1, $1, $2, $2) ON CONFLICT (slug) DO NOTHING`, groupSlug, now); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := db.SQL().QueryRowContext(ctx, `INSERT INTO brands (group_id, slug, name, created_at, updated_at)
		VALUES ((SELECT id FROM brand_groups WHERE slug = $1), $2, $3, $4, $4) RETURNING id`,
		groupSlug, slug, name, now).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestDB_CreateMember(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
		memFixedClock(db, t0)
		var m fanmail.Member
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			m, err = tx.CreateMember(ctx, fanmail.Member{
				Code: "minji92", Email: "MinJi@Example.com", Name: "김민지", Phone: "010-1234-5678",
				BirthYear: 1992, Gender: fanmail.GenderFemale, PostalCode: "04524", Address: "서울특별시 중구 세종대로 110",
				Lang: "ko", Status: fanmail.MemberPending, Source: fanmail.SourceWeb,
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := fanmail.Member{
			ID: m.ID, Code: "minji92", Email: "MinJi@Example.com", Name: "김민지", Phone: "010-1234-5678",
			BirthYear: 1992, Gender: "female", PostalCode: "04524", Address: "서울특별시 중구 세종대로 110",
			Lang: "ko", Status: "pending", Source: "web", CreatedAt: t0, UpdatedAt: t0,
		}
		if diff := cmp.Diff(want, m); diff != "" {
			t.Errorf("created member (-want +got):\n%s", diff)
		}
		got, err := db.MemberByEmail(ctx, " minji@EXAMPLE.com ")
		if err != nil || got.ID != m.ID {
			t.Errorf("MemberByEmail: %v, %v", got.ID, err)
		}
		if got, err := db.MemberByCode(ctx, "minji92"); err != nil || got.ID != m.ID {
			t.Errorf("MemberByCode: %v, %v", got.ID, err)
		}
		if _, err := db.MemberByID(ctx, m.ID+100); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("missing member: %v, want ENOTFOUND", err)
		}
		var phone string
		db.SQL().QueryRowContext(ctx, `SELECT phone_normalized FROM members WHERE id = $1`, m.ID).Scan(&phone)
		if phone != "01012345678" {
			t.Errorf("phone_normalized = %q", phone)
		}

		// A second member with the same address (any case) is a conflict.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			taken, err := tx.EmailTaken(ctx, "MINJI@example.com", 0)
			if err != nil || !taken {
				t.Errorf("EmailTaken = %v, %v; want true", taken, err)
			}
			if taken, _ := tx.EmailTaken(ctx, "minji@example.com", m.ID); taken {
				t.Error("EmailTaken counts the member itself")
			}
			if taken, _ := tx.CodeTaken(ctx, "minji92", 0); !taken {
				t.Error("CodeTaken = false")
			}
			_, err = tx.CreateMember(ctx, fanmail.Member{Email: "minji@example.com", Lang: "ko", Status: "pending", Source: "web"})
			return err
		})
		if fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("duplicate address: %v, want ECONFLICT", err)
		}
		// Members without a member id (code) do not collide on NULL.
		memCreate(t, db, "a@example.com", "", 0)
		memCreate(t, db, "b@example.com", "", 0)
	})
}

func TestDB_UpdateMember(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		advance := memFixedClock(db, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
		m := memCreate(t, db, "jin72@example.com", fanmail.GenderMale, 1972)
		other := memCreate(t, db, "other@example.com", "", 0)
		advance(time.Hour)
		name, email, by := "이진호", "Jin72@Shin.com", 1973
		var got fanmail.Member
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			got, err = tx.UpdateMember(ctx, m.ID, fanmail.MemberUpdate{Name: &name, Email: &email, BirthYear: &by})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != name || got.Email != email || got.BirthYear != by || got.Gender != fanmail.GenderMale || !got.UpdatedAt.After(got.CreatedAt) {
			t.Errorf("updated member = %+v", got)
		}
		if _, err := db.MemberByEmail(ctx, "jin72@shin.com"); err != nil {
			t.Errorf("look-up by the new address: %v", err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.UpdateMember(ctx, other.ID, fanmail.MemberUpdate{Email: &email})
			return err
		})
		if fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("taking another member's address: %v, want ECONFLICT", err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.UpdateMember(ctx, 99999, fanmail.MemberUpdate{Name: &name})
			return err
		})
		if fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("missing member: %v, want ENOTFOUND", err)
		}
	})
}

func TestDB_ConfirmMemberAndLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		advance := memFixedClock(db, t0)
		m := memCreate(t, db, "jin72@example.com", "", 0)
		advance(time.Minute)
		var got fanmail.Member
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if got, err = tx.ConfirmMember(ctx, m.ID); err != nil {
				return err
			}
			if err := tx.RecordMemberLogin(ctx, m.ID); err != nil {
				return err
			}
			return tx.RecordMemberLogin(ctx, m.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		at := t0.Add(time.Minute)
		if got.Status != fanmail.MemberActive || got.ConfirmedAt == nil || !got.ConfirmedAt.Equal(at) {
			t.Errorf("confirmed member: status %s, confirmed_at %v", got.Status, got.ConfirmedAt)
		}
		got, _ = db.MemberByID(ctx, m.ID)
		if got.LoginCount != 2 || got.LastLoginAt == nil || !got.LastLoginAt.Equal(at) {
			t.Errorf("logins: %d at %v", got.LoginCount, got.LastLoginAt)
		}
		// An inactive member is not re-activated by a confirmation.
		inactive := fanmail.MemberInactive
		db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.UpdateMember(ctx, m.ID, fanmail.MemberUpdate{Status: &inactive})
			return err
		})
		db.InTx(ctx, func(tx *store.Tx) error { got, err = tx.ConfirmMember(ctx, m.ID); return err })
		if got.Status != fanmail.MemberInactive {
			t.Errorf("status after confirming an inactive member = %s", got.Status)
		}

		if h, err := db.MemberPasswordHash(ctx, m.ID); err != nil || h != "" {
			t.Errorf("initial password hash = %q, %v", h, err)
		}
		if err := db.SetMemberPasswordHash(ctx, m.ID, "$argon2id$x"); err != nil {
			t.Fatal(err)
		}
		if h, _ := db.MemberPasswordHash(ctx, m.ID); h != "$argon2id$x" {
			t.Errorf("password hash = %q", h)
		}
	})
}
