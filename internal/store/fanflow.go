package store

import (
	"context"
	"fmt"
)

// CountLedgerEntries counts a member's issues of a brand for reason.
func (tx *Tx) CountLedgerEntries(ctx context.Context, memberID, brandID int64, reason string) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_entries
		WHERE member_id = $1 AND brand_id = $2 AND reason = $3 AND op = 'issue'`, memberID, brandID, reason).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count ledger entries: %w", err)
	}
	return n, nil
}

// OptionPositions returns, for each question of survey id by key, the rank
// (0, 1, …) of each option value in the question's order: fan rules compare
// answers such as "share of wardrobe" by it.
func (db *DB) OptionPositions(ctx context.Context, surveyID int64) (map[string]map[string]int, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT q.key, o.value FROM surveys s
		JOIN questions q ON q.survey = s.key
		JOIN question_options o ON o.question_id = q.id
		WHERE s.id = $1 ORDER BY q.id, o.position, o.id`, surveyID)
	if err != nil {
		return nil, fmt.Errorf("option positions: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var q, v string
		if err := rows.Scan(&q, &v); err != nil {
			return nil, fmt.Errorf("option positions: %w", err)
		}
		if out[q] == nil {
			out[q] = map[string]int{}
		}
		out[q][v] = len(out[q])
	}
	return out, rows.Err()
}
