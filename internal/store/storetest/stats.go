package storetest

import (
	"context"
	"testing"

	"github.com/fanmail/fanmail/internal/store"
)

// NoAutoAnalyze turns PostgreSQL's autovacuum off for tables, as some
// installations run, so that only fanmail's own ANALYZE gives them planner
// statistics. SQLite has no autovacuum of statistics.
func NoAutoAnalyze(t testing.TB, db *store.DB, tables ...string) {
	t.Helper()
	if db.Engine() != store.Postgres {
		return
	}
	for _, table := range tables {
		if _, err := db.SQL().ExecContext(context.Background(),
			`ALTER TABLE `+table+` SET (autovacuum_enabled = false)`); err != nil {
			t.Fatal(err)
		}
	}
}

// PlannerStats returns how many rows of planner statistics table has:
// pg_stats columns on PostgreSQL, sqlite_stat1 rows on SQLite; 0 before it
// was ever analysed.
func PlannerStats(t testing.TB, db *store.DB, table string) int64 {
	t.Helper()
	ctx := context.Background()
	q := `SELECT COUNT(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = $1`
	if db.Engine() == store.SQLite {
		var exists bool
		if err := db.SQL().QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1')`).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if !exists {
			return 0
		}
		q = `SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = $1`
	}
	var n int64
	if err := db.SQL().QueryRowContext(ctx, q, table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
