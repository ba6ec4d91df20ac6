package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
)

// --- segment records ---

const segmentColumns = `id, name, rules, created_by, created_at, updated_at`

func scanSegment(row interface{ Scan(...any) error }) (fanmail.Segment, error) {
	var s fanmail.Segment
	var rules string
	var by sql.NullInt64
	if err := row.Scan(&s.ID, &s.Name, &rules, &by, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return s, err
	}
	if err := json.Unmarshal([]byte(rules), &s.Rules); err != nil {
		return s, fmt.Errorf("segment %d: rules: %w", s.ID, err)
	}
	s.CreatedBy = by.Int64
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return s, nil
}

var errSegmentNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Segment not found.")

func encodeRules(r fanmail.SegmentRules) (string, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("encode segment rules: %w", err)
	}
	return string(b), nil
}

// CreateSegment stores s (ID and timestamps are ignored) and returns it as
// stored. Rules are stored as given: validate them first.
func (db *DB) CreateSegment(ctx context.Context, s fanmail.Segment) (fanmail.Segment, error) {
	rules, err := encodeRules(s.Rules)
	if err != nil {
		return s, err
	}
	created, err := scanSegment(db.sql.QueryRowContext(ctx, `
		INSERT INTO segments (name, rules, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
		RETURNING `+segmentColumns, s.Name, rules, nullInt64(s.CreatedBy), db.Now()))
	if err != nil {
		return created, fmt.Errorf("create segment: %w", mapError(err))
	}
	return created, nil
}

// UpdateSegment replaces the name and rules of segment id and returns it as
// stored, or ENOTFOUND.
func (db *DB) UpdateSegment(ctx context.Context, id int64, name string, r fanmail.SegmentRules) (fanmail.Segment, error) {
	rules, err := encodeRules(r)
	if err != nil {
		return fanmail.Segment{}, err
	}
	s, err := scanSegment(db.sql.QueryRowContext(ctx, `
		UPDATE segments SET name = $1, rules = $2, updated_at = $3 WHERE id = $4
		RETURNING `+segmentColumns, name, rules, db.Now(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, errSegmentNotFound
	}
	if err != nil {
		return s, fmt.Errorf("update segment %d: %w", id, mapError(err))
	}
	return s, nil
}

// SegmentByID returns the segment with id, or ENOTFOUND.
func (db *DB) SegmentByID(ctx context.Context, id int64) (fanmail.Segment, error) {
	s, err := scanSegment(db.sql.QueryRowContext(ctx, `SELECT `+segmentColumns+` FROM segments WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, errSegmentNotFound
	}
	if err != nil {
		return s, fmt.Errorf("segment %d: %w", id, err)
	}
	return s, nil
}

// Segments returns every segment, by name.
func (db *DB) Segments(ctx context.Context) ([]fanmail.Segment, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+segmentColumns+` FROM segments ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("segments: %w", err)
	}
	defer rows.Close()
	var out []fanmail.Segment
	for rows.Next() {
		s, err := scanSegment(rows)
		if err != nil {
			return nil, fmt.Errorf("segments: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DeleteSegment deletes segment id. It returns ENOTFOUND when there is none
// and ECONFLICT when a campaign uses it.
func (db *DB) DeleteSegment(ctx context.Context, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		used, err := tx.anyRows(ctx, `SELECT COUNT(*) FROM campaigns WHERE segment_id = $1`, id)
		if err != nil {
			return err
		}
		if used {
			return fanmail.Errorf(fanmail.ECONFLICT, "A campaign uses this segment; it cannot be deleted.")
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM segments WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete segment %d: %w", id, mapError(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errSegmentNotFound
		}
		return nil
	})
}

// --- evaluating rules ---

// CountSegment returns how many members match rules at now. Invalid rules are
// EINVALID.
func (db *DB) CountSegment(ctx context.Context, rules fanmail.SegmentRules, now time.Time) (int64, error) {
	query, args, err := db.SegmentCountSQL(rules, now)
	if err != nil {
		return 0, err
	}
	var n int64
	if db.engine != Postgres {
		if err := db.sql.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			return 0, fmt.Errorf("count segment: %w", err)
		}
		return n, nil
	}
	err = db.countTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, query, args...).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("count segment: %w", err)
	}
	return n, nil
}

// SegmentCountSQL returns the statement CountSegment runs, for EXPLAIN. When
// rules test other tables than members, it counts the combined id lists (see
// set), reading members only for the tests of member columns.
func (db *DB) SegmentCountSQL(rules fanmail.SegmentRules, now time.Time) (query string, args []any, err error) {
	if err := rules.Validate(); err != nil {
		return "", nil, err
	}
	c := db.compiler(now, 0)
	switch {
	case hasSets(rules) && !c.sqlite:
		// PostgreSQL hashes the operands of INTERSECT and UNION in full;
		// tests of members (m.id IN (list)) let it merge the lists in
		// member order instead (see pgCountSettings).
		query = `SELECT COUNT(*) FROM members m WHERE ` + c.pred(rules)
	case hasSets(rules):
		s := c.set(rules)
		query = `SELECT COUNT(*) FROM (` + s.sql + `) x`
		if !s.distinct {
			query = `SELECT COUNT(DISTINCT member_id) FROM (` + s.sql + `) x`
		}
	default:
		query = `SELECT COUNT(*) FROM members m WHERE ` + c.where(rules, "", "")
	}
	return query, c.args, nil
}

// countTx runs fn in a read-only transaction tuned for counting (PostgreSQL).
func (db *DB) countTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, pgCountSettings); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// ExplainSegmentCount returns the plan of the count of rules, one line per
// row: EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on
// PostgreSQL, which runs the count. Benchmarks log it.
func (db *DB) ExplainSegmentCount(ctx context.Context, rules fanmail.SegmentRules, now time.Time) ([]string, error) {
	query, args, err := db.SegmentCountSQL(rules, now)
	if err != nil {
		return nil, err
	}
	var lines []string
	explain := func(q querier, prefix string) error {
		rows, err := q.QueryContext(ctx, prefix+query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			lines = append(lines, strings.TrimSpace(fmt.Sprint(vals...)))
		}
		return rows.Err()
	}
	if db.engine != Postgres {
		err = explain(db.sql, "EXPLAIN QUERY PLAN ")
	} else {
		err = db.countTx(ctx, func(tx *sql.Tx) error { return explain(tx, "EXPLAIN (ANALYZE, BUFFERS) ") })
	}
	if err != nil {
		return nil, fmt.Errorf("explain segment count: %w", err)
	}
	return append([]string{query}, lines...), nil
}

// pgCountSettings tune one count on PostgreSQL. A count reads a few large
// id lists once: JIT-compiling it costs more than it saves (half a second at
// a million members); the lists that are hashed or sorted need more than the
// default work_mem; parallel workers each rebuilt every grouped list (order
// totals), while a count in a web request should leave the other cores to
// the rest of the site. Without hash joins and hash aggregation the planner
// merges the lists in member order, most of them read from indexes already
// in that order (consents, preferences and orders by member), instead of
// hashing hundreds of thousands of ids per list: at a million members the
// nested segment of the benchmark went from 1.9–2.3 s to 0.6–0.8 s.
const pgCountSettings = `SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true),
	set_config('max_parallel_workers_per_gather', '0', true),
	set_config('enable_hashjoin', 'off', true), set_config('enable_hashagg', 'off', true)`

// SegmentMembers returns up to limit members matching rules at now whose id
// is above afterID, by id: keyset pages for previews and exports.
func (db *DB) SegmentMembers(ctx context.Context, rules fanmail.SegmentRules, now time.Time, afterID int64, limit int) ([]fanmail.Member, error) {
	where, args, err := db.SegmentMemberSQL(rules, now, 2)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 50
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+qualify("m", memberColumns)+` FROM members m
		WHERE m.id > $1 AND (`+where+`) ORDER BY m.id LIMIT $2`, append([]any{afterID, limit}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("segment members: %w", err)
	}
	defer rows.Close()
	var out []fanmail.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("segment members: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// SegmentMemberSQL compiles rules into a condition on "members m" that holds
// for the members matching them at now, with its arguments. Placeholders are
// numbered from argOffset+1, so the condition can join an outer statement
// that already uses $1…$argOffset, e.g.
//
//	SELECT COUNT(*) FROM members m WHERE m.status = $1 AND (<where>)
//
// Conditions on other tables become subqueries over member ids; no table but
// m is visible to the caller. Invalid rules are EINVALID. Ids that do not
// exist (a deleted brand) simply match nobody.
//
// Rules that test only member columns (gender, age, region, registration,
// source, shop, status) become those tests. Others become m.id IN (…) over
// set operations on lists of member ids, one list per condition: INTERSECT
// for AND, UNION for OR, EXCEPT for NOT (see set). Each list is read once,
// from an index, whatever the number of members; a member is looked up only
// when it is in the result. The text differs by engine (SQLite gets lists
// in member order, which it merges), the meaning does not.
func (db *DB) SegmentMemberSQL(rules fanmail.SegmentRules, now time.Time, argOffset int) (where string, args []any, err error) {
	return db.segmentMemberSQL(rules, now, argOffset, "", "")
}

// segmentMemberSQL is SegmentMemberSQL for the members with ids in (lo, hi]
// (placeholders of the caller's), or all of them when lo is "": see
// segmentCompiler.where.
func (db *DB) segmentMemberSQL(rules fanmail.SegmentRules, now time.Time, argOffset int, lo, hi string) (string, []any, error) {
	if err := rules.Validate(); err != nil {
		return "", nil, err
	}
	c := db.compiler(now, argOffset)
	where := c.where(rules, lo, hi)
	return where, c.args, nil
}

// CheckSegmentRefs returns an EINVALID error naming the path of the first
// condition that refers to a brand, brand group, shop, question or answer
// option that does not exist (see fanmail.SegmentPath), or nil.
func (db *DB) CheckSegmentRefs(ctx context.Context, rules fanmail.SegmentRules) error {
	return db.checkRefs(ctx, rules, fanmail.SegmentRoot)
}

func (db *DB) checkRefs(ctx context.Context, r fanmail.SegmentRules, path string) error {
	for i, cond := range r.Conditions {
		p := fanmail.SegmentPath(path, 'c', i)
		var table, msg, extra string
		var extraArgs []any
		switch cond.Field {
		case fanmail.FieldBrand, fanmail.FieldBoughtBrand:
			table, msg = "brands", "Unknown brand."
		case fanmail.FieldBrandGroup, fanmail.FieldPreferredGroup:
			table, msg = "brand_groups", "Unknown brand group."
		case fanmail.FieldShop:
			table, msg = "shops", "Unknown shop."
		case fanmail.FieldAnswer:
			var n int
			if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM questions WHERE id = $1`, cond.Question).Scan(&n); err != nil {
				return fmt.Errorf("check segment: %w", err)
			}
			if n == 0 {
				return fanmail.FieldError(p, "Unknown question.")
			}
			table, msg = "question_options", "Unknown answer option."
			extra, extraArgs = " AND question_id = $1", []any{cond.Question}
		default:
			continue
		}
		ids := uniq(cond.IDs)
		c := segmentCompiler{offset: len(extraArgs)}
		var n int
		err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id IN (`+list(&c, ids)+`)`+extra,
			append(extraArgs, c.args...)...).Scan(&n)
		if err != nil {
			return fmt.Errorf("check segment: %w", err)
		}
		if n != len(ids) {
			return fanmail.FieldError(p, msg)
		}
	}
	for i, g := range r.Groups {
		if err := db.checkRefs(ctx, g, fanmail.SegmentPath(path, 'g', i)); err != nil {
			return err
		}
	}
	return nil
}
