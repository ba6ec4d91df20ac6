package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// retentionBatch bounds the rows one retention statement touches, so that
// on SQLite other writers get the lock between batches, and a run stopped
// halfway has finished whole batches.
const retentionBatch = 5000

// execBatches runs a statement that changes at most retentionBatch rows
// until it changes none, and returns the rows changed in all.
func (db *DB) execBatches(ctx context.Context, what, query string, args ...any) (int64, error) {
	var total int64
	for {
		res, err := db.sql.ExecContext(ctx, query, args...)
		if err != nil {
			return total, fmt.Errorf("%s: %w", what, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("%s: %w", what, err)
		}
		total += n
		if n < retentionBatch {
			return total, nil
		}
	}
}

// inList returns "($first, $first+1, …)" for n values.
func inList(first, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = "$" + strconv.Itoa(first+i)
	}
	return "(" + strings.Join(ps, ", ") + ")"
}

// AnonymiseEvents strips the member, the send and the detail from the
// tracking events of kinds recorded before cutoff, and returns how many it
// changed. The events still count in their campaign's totals (opens,
// clicks per link, bounces), but no longer say whose they were.
func (db *DB) AnonymiseEvents(ctx context.Context, kinds []string, cutoff time.Time) (int64, error) {
	args := []any{cutoff.UTC()}
	for _, k := range kinds {
		args = append(args, k)
	}
	return db.execBatches(ctx, "anonymise events", `
		UPDATE events SET member_id = NULL, send_id = NULL, detail = ''
		WHERE id IN (SELECT id FROM events WHERE created_at < $1 AND kind IN `+inList(2, len(kinds))+`
		             AND (member_id IS NOT NULL OR send_id IS NOT NULL OR detail <> '')
		             LIMIT `+strconv.Itoa(retentionBatch)+`)`, args...)
}

// DeleteSoftBounces deletes the soft-bounce log (which names the address)
// before cutoff, and returns how many rows it deleted. The running totals
// in address_health and the suppressions stay.
func (db *DB) DeleteSoftBounces(ctx context.Context, cutoff time.Time) (int64, error) {
	// soft_bounces has no key to batch by (and SQLite's rowid is not
	// PostgreSQL's ctid); it holds one row per soft bounce, few enough for
	// one statement.
	res, err := db.sql.ExecContext(ctx, `DELETE FROM soft_bounces WHERE created_at < $1`, cutoff.UTC())
	if err != nil {
		return 0, fmt.Errorf("delete soft bounces: %w", err)
	}
	return res.RowsAffected()
}

// ClearMessageData empties the renderer input (data) and the last error of
// outbox messages that ended (sent, failed or skipped) before cutoff, and
// returns how many it changed. The rows stay: their refs keep a retried
// cause from writing a message again, and the notice records point at them.
func (db *DB) ClearMessageData(ctx context.Context, cutoff time.Time) (int64, error) {
	return db.execBatches(ctx, "clear message data", `
		UPDATE messages SET data = '{}', error = ''
		WHERE id IN (SELECT id FROM messages WHERE status IN ('sent', 'failed', 'skipped') AND created_at < $1
		             AND (data <> '{}' OR error <> '') LIMIT `+strconv.Itoa(retentionBatch)+`)`, cutoff.UTC())
}

// InactiveMembers returns up to limit members after id afterID, by id, who
// have not left and whose last sign-in, portal visit, order, e-mail open and
// registration are all before cutoff.
func (db *DB) InactiveMembers(ctx context.Context, cutoff time.Time, afterID int64, limit int) ([]int64, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT m.id FROM members m
		WHERE m.id > $2 AND m.status <> 'inactive' AND m.created_at < $1
		  AND (m.last_login_at IS NULL OR m.last_login_at < $1)
		  AND (m.last_seen_at IS NULL OR m.last_seen_at < $1)
		  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.member_id = m.id AND o.ordered_at >= $1)
		  AND NOT EXISTS (SELECT 1 FROM member_engagement e WHERE e.member_id = m.id AND e.last_open_at >= $1)
		ORDER BY m.id LIMIT $3`, cutoff.UTC(), afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("inactive members: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("inactive members: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
