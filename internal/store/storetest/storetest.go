// Package storetest opens fresh, migrated databases for tests: a temporary
// SQLite file, and a private schema on the PostgreSQL named by
// FANMAIL_TEST_POSTGRES_URL.
package storetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fanmail/fanmail/internal/store"
)

// PostgresURLEnv names the variable holding the test PostgreSQL URL.
const PostgresURLEnv = "FANMAIL_TEST_POSTGRES_URL"

// RequireEnv lists suites, comma-separated, that must run rather than skip
// (e.g. "postgres,browser"); .ci/run sets it.
const RequireEnv = "FANMAIL_TEST_REQUIRE"

// Required reports whether the suite named by what (e.g. "postgres") must run.
func Required(what string) bool {
	for _, s := range strings.Split(os.Getenv(RequireEnv), ",") {
		if strings.TrimSpace(s) == what {
			return true
		}
	}
	return false
}

// RequiredOrSkip skips the test, or fails it when the suite is required.
func RequiredOrSkip(t testing.TB, suite, why string) {
	t.Helper()
	if Required(suite) {
		t.Fatalf("%s suite is required (%s=%s) but cannot run: %s", suite, RequireEnv, os.Getenv(RequireEnv), why)
	}
	t.Skip(why)
}

// OpenSQLite returns a migrated database in a fresh temporary file.
func OpenSQLite(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.OpenSQLite(filepath.Join(t.TempDir(), "fanmail.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// PostgresURL returns the test PostgreSQL URL, skipping (or failing, when
// required) if there is none.
func PostgresURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(PostgresURLEnv)
	if url == "" {
		RequiredOrSkip(t, "postgres", PostgresURLEnv+" not set")
	}
	return url
}

// OpenPostgres returns a migrated database in a fresh schema of the PostgreSQL
// at url; the schema is dropped when the test ends.
func OpenPostgres(t testing.TB, url string) *store.DB {
	t.Helper()
	schema := NewSchema(t, url)
	db, err := OpenPostgresSchema(url, schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// NewSchema creates an empty schema with a random name, dropped at cleanup.
func NewSchema(t testing.TB, url string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect postgres: %v", err)
	}
	defer conn.Close(ctx)
	schema := "t_" + strings.ToLower(rand.Text()[:12])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Errorf("drop schema: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	return schema
}

// OpenPostgresSchema opens url with search_path set to schema on every connection.
func OpenPostgresSchema(url, schema string) (*store.DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", PostgresURLEnv, err)
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	return store.OpenPostgresConfig(context.Background(), cfg)
}

// Each runs fn on a fresh SQLite database and on a fresh PostgreSQL schema.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t, PostgresURL(t))) })
}

// EachShared runs fn on SQLite and PostgreSQL with a database that another
// process can open too: dsn names it for OpenShared (kill tests run a
// child process on it).
func EachShared(t *testing.T, fn func(t *testing.T, db *store.DB, dsn string)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "fanmail.db")
		db, err := store.OpenSQLite(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		fn(t, db, path)
	})
	t.Run("postgres", func(t *testing.T) {
		pg := PostgresURL(t)
		schema := NewSchema(t, pg)
		db, err := OpenPostgresSchema(pg, schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		fn(t, db, "schema:"+schema+" "+pg)
	})
}

// OpenShared opens the database of an EachShared dsn.
func OpenShared(dsn string) (*store.DB, error) {
	if rest, ok := strings.CutPrefix(dsn, "schema:"); ok {
		schema, pgURL, _ := strings.Cut(rest, " ")
		return OpenPostgresSchema(pgURL, schema)
	}
	return store.OpenSQLite(dsn)
}
