package store_test

import (
	"context"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// The two migration directories must hold the same file names.
func TestMigrations_SameNames(t *testing.T) {
	list := func(dir string) []string {
		entries, err := os.ReadDir("migrations/" + dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	if diff := cmp.Diff(list("sqlite"), list("postgres")); diff != "" {
		t.Errorf("migration files differ (-sqlite +postgres):\n%s", diff)
	}
}

func TestDB_Migrate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// Migrating again is a no-op.
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// modernc binds $N placeholders by number, so one SQL text serves both engines.
func TestDB_NumberedPlaceholders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var a, b string
		err := db.SQL().QueryRowContext(context.Background(), `SELECT $2, $1`, "first", "second").Scan(&a, &b)
		if err != nil {
			t.Fatal(err)
		}
		if a != "second" || b != "first" {
			t.Errorf("got %q, %q; want second, first", a, b)
		}
	})
}

func TestDB_Settings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.Setting(ctx, "missing"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("missing setting: got %v, want ENOTFOUND", err)
		}
		v, err := db.SettingOrInit(ctx, "secret", func() string { return "one" })
		if err != nil || v != "one" {
			t.Fatalf("first init: %q, %v", v, err)
		}
		v, err = db.SettingOrInit(ctx, "secret", func() string { return "two" })
		if err != nil || v != "one" {
			t.Errorf("second init: %q, %v; want the first value kept", v, err)
		}
	})
}
