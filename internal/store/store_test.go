package store_test

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

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

// Migration 0019 rebuilds SQLite's sends without foreign keys and keeps
// every send, and the soft bounces that point at them (dropping the old
// table would have cleared those). Run here on a migrated database, where
// it rebuilds the table once more, on sends with stored tokens as before
// migration 0020, then 0020 itself.
func TestMigration_SendsLean(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := context.Background()
	var body []byte
	for _, name := range []string{"0019_sends_lean.sql", "0020_send_tokens_derived.sql"} {
		b, err := os.ReadFile("migrations/sqlite/" + name)
		if err != nil {
			t.Fatal(err)
		}
		body = append(append(body, b...), '\n')
	}
	t0 := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
	c, claims := campClaimed(t, db, 3, t0, t0.Add(time.Minute))
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO soft_bounces (email_normalized, send_id, created_at)
		VALUES ('fan1@example.com', $1, $2)`, claims[1].SendID, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `UPDATE sends SET token = 'stored' || id`); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, string(body))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var sends, fks int
	var bounced sql.NullInt64
	db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM sends WHERE campaign_id = $1`, c.ID).Scan(&sends)
	db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_foreign_key_list('sends')`).Scan(&fks)
	db.SQL().QueryRowContext(ctx, `SELECT send_id FROM soft_bounces`).Scan(&bounced)
	if sends != 3 || fks != 0 || bounced.Int64 != claims[1].SendID {
		t.Errorf("after the migration: %d sends, %d foreign keys, soft bounce of send %v; want 3, 0, %d", sends, fks, bounced, claims[1].SendID)
	}
	// The table still works: recording the batch finds its sends.
	if err := db.RecordSends(ctx, store.SendOutcome{CampaignID: c.ID, Sent: []int64{claims[0].SendID, claims[1].SendID, claims[2].SendID}}); err != nil {
		t.Fatal(err)
	}
	if counts, _ := db.CampaignSendCounts(ctx, c.ID); counts.Sent != 3 {
		t.Errorf("counts = %+v", counts)
	}
}
