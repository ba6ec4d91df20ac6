package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestDB_Tokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		admin := mustStaffUser(t, db, "admin@example.com", fanmail.RoleAdmin)

		tok, err := db.CreateToken(ctx, fanmail.APIToken{Name: "쇼핑몰 연동", Role: fanmail.RoleMarketer, Prefix: "fm_ABCDEF", CreatedBy: admin.ID}, "hash1")
		if err != nil {
			t.Fatal(err)
		}
		if tok.ID == 0 || tok.Name != "쇼핑몰 연동" || tok.CreatedBy != admin.ID || !tok.CreatedAt.Equal(now) || tok.LastUsedAt != nil || tok.RevokedAt != nil {
			t.Errorf("created = %+v", tok)
		}
		if _, err := db.CreateToken(ctx, fanmail.APIToken{Name: "again", Role: fanmail.RoleAdmin, Prefix: "fm_X"}, "hash1"); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("duplicate hash: got %v, want ECONFLICT", err)
		}

		got, err := db.TokenByHash(ctx, "hash1")
		if err != nil || got.ID != tok.ID || got.Role != fanmail.RoleMarketer {
			t.Fatalf("by hash: %+v, %v", got, err)
		}
		if _, err := db.TokenByHash(ctx, "nope"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("unknown hash: got %v, want ENOTFOUND", err)
		}

		t.Run("TouchAtMostOncePerInterval", func(t *testing.T) {
			lastUsed := func() time.Time {
				t.Helper()
				got, err := db.TokenByHash(ctx, "hash1")
				if err != nil || got.LastUsedAt == nil {
					t.Fatalf("last used: %+v, %v", got, err)
				}
				return *got.LastUsedAt
			}
			if err := db.TouchToken(ctx, tok.ID, time.Minute); err != nil {
				t.Fatal(err)
			}
			first := now
			now = now.Add(30 * time.Second)
			if err := db.TouchToken(ctx, tok.ID, time.Minute); err != nil {
				t.Fatal(err)
			}
			if got := lastUsed(); !got.Equal(first) {
				t.Errorf("after 30s: last used %v, want unchanged %v", got, first)
			}
			now = now.Add(31 * time.Second)
			if err := db.TouchToken(ctx, tok.ID, time.Minute); err != nil {
				t.Fatal(err)
			}
			if got := lastUsed(); !got.Equal(now) {
				t.Errorf("after 61s: last used %v, want %v", got, now)
			}
		})
		t.Run("Revoke", func(t *testing.T) {
			revokedAt := now
			if err := db.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Hour)
			if err := db.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
			got, err := db.TokenByHash(ctx, "hash1")
			if err != nil || got.RevokedAt == nil || !got.RevokedAt.Equal(revokedAt) {
				t.Errorf("revoked = %+v, %v; want revoked at %v", got, err, revokedAt)
			}
			if err := db.RevokeToken(ctx, tok.ID+100); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("unknown id: got %v, want ENOTFOUND", err)
			}
		})
		t.Run("List", func(t *testing.T) {
			tok2, err := db.CreateToken(ctx, fanmail.APIToken{Name: "second", Role: fanmail.RoleAdmin, Prefix: "fm_Y"}, "hash2")
			if err != nil {
				t.Fatal(err)
			}
			list, err := db.Tokens(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || list[0].ID != tok2.ID || list[1].ID != tok.ID || list[0].CreatedBy != 0 {
				t.Errorf("tokens = %+v; want newest first", list)
			}
		})
	})
}
