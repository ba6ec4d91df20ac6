package store

import (
	"context"
	"fmt"
	"strings"
)

// AnalyzeRows is how many rows one bulk write (an import, a campaign's
// sends) must have written before AnalyzeAfter refreshes the statistics of
// the tables it wrote.
const AnalyzeRows = 1000

// AnalyzeAfter refreshes the query planner's statistics of tables after a
// bulk write of rows rows, if rows reaches AnalyzeRows, and reports whether
// it did. Until then the planner plans from the row counts it had before:
// the first campaign after a big import ran at half speed while
// PostgreSQL's autovacuum (minutes behind, or off) had not analysed the new
// members. On SQLite ANALYZE reads a sample of each index (analysis_limit),
// milliseconds for a million rows. Tables are names from fanmail's code,
// never from input.
func (db *DB) AnalyzeAfter(ctx context.Context, rows int64, tables ...string) (bool, error) {
	if rows < AnalyzeRows || len(tables) == 0 {
		return false, nil
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		for _, q := range db.d.analyze(tables) {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("analyze %s: %w", strings.Join(tables, ", "), err)
	}
	return true, nil
}
