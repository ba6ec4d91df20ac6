package store_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func mustStaffUser(t *testing.T, db *store.DB, email, role string) fanmail.User {
	t.Helper()
	u, err := db.CreateUser(context.Background(), fanmail.User{Email: email, Name: "김지훈", Role: role, Lang: "ko", Active: true}, "hash-"+email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestDB_Users(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		shop, err := db.UpsertShop(ctx, fanmail.Shop{Code: "gangnam", Name: "강남점"})
		if err != nil {
			t.Fatal(err)
		}
		u, err := db.CreateUser(ctx, fanmail.User{Email: "Jihoon.Kim@Example.com", Name: "김지훈", Role: fanmail.RoleShopStaff, ShopID: shop.ID, Lang: "ko", Active: true}, "h1")
		if err != nil {
			t.Fatal(err)
		}
		want := fanmail.User{ID: u.ID, Email: "Jihoon.Kim@Example.com", Name: "김지훈", Role: fanmail.RoleShopStaff, ShopID: shop.ID, Lang: "ko", Active: true, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
		if diff := cmp.Diff(want, u); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		if u.CreatedAt.IsZero() || u.CreatedAt.Location().String() != "UTC" {
			t.Errorf("created_at = %v, want a UTC time", u.CreatedAt)
		}

		t.Run("ByID", func(t *testing.T) {
			got, err := db.UserByID(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(u, got); diff != "" {
				t.Errorf("(-created +read):\n%s", diff)
			}
			if _, err := db.UserByID(ctx, u.ID+100); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("unknown id: got %v, want ENOTFOUND", err)
			}
		})
		t.Run("CredentialsByNormalizedEmail", func(t *testing.T) {
			got, hash, err := db.UserCredentials(ctx, "jihoon.kim@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != u.ID || hash != "h1" {
				t.Errorf("got user %d hash %q, want %d h1", got.ID, hash, u.ID)
			}
		})
		t.Run("ErrDuplicateEmail", func(t *testing.T) {
			_, err := db.CreateUser(ctx, fanmail.User{Email: "JIHOON.KIM@example.com", Role: fanmail.RoleAdmin, Lang: "ko", Active: true}, "h2")
			if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorField(err) != "email" {
				t.Errorf("got %v, want EINVALID on email", err)
			}
		})
		t.Run("ErrUnknownShop", func(t *testing.T) {
			_, err := db.CreateUser(ctx, fanmail.User{Email: "x@example.com", Role: fanmail.RoleShopStaff, ShopID: 9999, Lang: "ko", Active: true}, "h")
			if fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Errorf("got %v, want EINVALID", err)
			}
		})
		t.Run("Update", func(t *testing.T) {
			name, role, lang, active, noShop := "이서연", fanmail.RoleMarketer, "en", false, int64(0)
			got, err := db.UpdateUser(ctx, u.ID, store.UserUpdate{Name: &name, Role: &role, Lang: &lang, Active: &active, ShopID: &noShop})
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != name || got.Role != role || got.Lang != lang || got.Active || got.ShopID != 0 {
				t.Errorf("updated = %+v", got)
			}
			// Nil fields stay.
			got2, err := db.UpdateUser(ctx, u.ID, store.UserUpdate{ShopID: &shop.ID})
			if err != nil {
				t.Fatal(err)
			}
			if got2.Name != name || got2.Role != role || got2.ShopID != shop.ID || got2.Active {
				t.Errorf("after partial update = %+v", got2)
			}
			if _, err := db.UpdateUser(ctx, u.ID+100, store.UserUpdate{Name: &name}); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("unknown id: got %v, want ENOTFOUND", err)
			}
		})
		t.Run("PasswordAndLogin", func(t *testing.T) {
			if err := db.SetUserPassword(ctx, u.ID, "h3"); err != nil {
				t.Fatal(err)
			}
			if err := db.RecordUserLogin(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			got, hash, err := db.UserCredentials(ctx, "jihoon.kim@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if hash != "h3" || got.LastLoginAt == nil {
				t.Errorf("hash %q last login %v; want h3 and a time", hash, got.LastLoginAt)
			}
			if err := db.SetUserPassword(ctx, u.ID+100, "x"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("unknown id: got %v, want ENOTFOUND", err)
			}
		})
		t.Run("ListAndCount", func(t *testing.T) {
			mustStaffUser(t, db, "admin@example.com", fanmail.RoleAdmin)
			users, err := db.Users(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var emails []string
			for _, u := range users {
				emails = append(emails, u.Email)
			}
			if diff := cmp.Diff([]string{"admin@example.com", "Jihoon.Kim@Example.com"}, emails); diff != "" {
				t.Errorf("users (-want +got):\n%s", diff)
			}
			if n, err := db.CountUsers(ctx); err != nil || n != 2 {
				t.Errorf("count = %d, %v; want 2", n, err)
			}
			if n, err := db.CountActiveAdmins(ctx, 0); err != nil || n != 1 {
				t.Errorf("admins = %d, %v; want 1", n, err)
			}
		})
	})
}

func TestDB_CreateFirstUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		first := fanmail.User{Email: "admin@localhost", Name: "Admin", Role: fanmail.RoleAdmin, Lang: "ko"}
		created, err := db.CreateFirstUser(ctx, first, "h")
		if err != nil || !created {
			t.Fatalf("first: created %v, %v; want true", created, err)
		}
		second := fanmail.User{Email: "other@localhost", Role: fanmail.RoleAdmin, Lang: "ko"}
		created, err = db.CreateFirstUser(ctx, second, "h")
		if err != nil || created {
			t.Fatalf("second: created %v, %v; want false", created, err)
		}
		users, err := db.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, u := range users {
			got = append(got, u.Email)
		}
		if diff := cmp.Diff([]string{"admin@localhost"}, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("users (-want +got):\n%s", diff)
		}
	})
}
