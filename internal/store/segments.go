package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
		query = `SELECT COUNT(*) FROM members m WHERE ` + c.where(rules)
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
	if err := rules.Validate(); err != nil {
		return "", nil, err
	}
	c := db.compiler(now, argOffset)
	where = c.where(rules)
	return where, c.args, nil
}

func (db *DB) compiler(now time.Time, argOffset int) *segmentCompiler {
	return &segmentCompiler{now: now.UTC(), offset: argOffset, sqlite: db.engine == SQLite}
}

// segmentCompiler builds the SQL of one set of rules.
type segmentCompiler struct {
	now    time.Time
	offset int
	sqlite bool
	args   []any
}

func (c *segmentCompiler) arg(v any) string {
	c.args = append(c.args, v)
	return "$" + strconv.Itoa(c.offset+len(c.args))
}

// list returns "$i, $j, …" for vs.
func list[T any](c *segmentCompiler, vs []T) string {
	ps := make([]string, len(vs))
	for i, v := range vs {
		ps[i] = c.arg(v)
	}
	return strings.Join(ps, ", ")
}

// where returns the condition on members m for r: the tests of member
// columns as they are when r has no others, else m.id IN (set).
func (c *segmentCompiler) where(r fanmail.SegmentRules) string {
	switch {
	case r.IsEmpty():
		return "1 = 1"
	case hasSets(r):
		return "m.id IN (" + c.set(r).sql + ")"
	}
	return c.group(r)
}

// pred returns r as a boolean expression over members m in which each test
// of another table is m.id IN (list) or m.id NOT IN (list): the form of the
// counts on PostgreSQL.
func (c *segmentCompiler) pred(r fanmail.SegmentRules) string {
	if r.Op == fanmail.SegmentOr && onlySets(r) {
		// One list (a UNION) rather than an OR of tests, which PostgreSQL
		// cannot turn into a join.
		return "m.id IN (" + c.set(r).sql + ")"
	}
	var parts []string
	and := r.Op == fanmail.SegmentAnd || len(r.Conditions)+len(r.Groups) == 1
	var merged map[int]bool
	if and {
		var grouped []idSet
		grouped, merged = c.orderGroups(r.Conditions)
		for _, g := range grouped {
			parts = append(parts, "m.id IN ("+g.sql+")")
		}
	}
	for i, cond := range r.Conditions {
		switch {
		case merged[i]:
		case !isSet(cond):
			parts = append(parts, c.column(cond))
		case cond.Op == fanmail.OpAll:
			var all []string
			for _, id := range uniq(cond.IDs) {
				all = append(all, "m.id IN ("+c.keyed(cond.Field, id)+")")
			}
			parts = append(parts, paren(all, " AND "))
		default:
			sub, neg := c.members(cond, false)
			if neg {
				// NOT IN is false for every member once the list holds a NULL.
				parts = append(parts, "m.id NOT IN (SELECT member_id FROM ("+sub+") n WHERE member_id IS NOT NULL)")
			} else {
				parts = append(parts, "m.id IN ("+sub+")")
			}
		}
	}
	for _, g := range r.Groups {
		parts = append(parts, c.pred(g))
	}
	join := " AND "
	if !and {
		join = " OR "
	}
	return paren(parts, join)
}

// onlySets reports whether every condition of r and of its groups tests
// another table than members.
func onlySets(r fanmail.SegmentRules) bool {
	for _, cond := range r.Conditions {
		if !isSet(cond) {
			return false
		}
	}
	for _, g := range r.Groups {
		if !onlySets(g) {
			return false
		}
	}
	return true
}

// group returns r, made of member column tests only, as a boolean expression.
func (c *segmentCompiler) group(r fanmail.SegmentRules) string {
	var parts []string
	for _, cond := range r.Conditions {
		parts = append(parts, c.column(cond))
	}
	for _, g := range r.Groups {
		parts = append(parts, c.group(g))
	}
	join := " AND "
	if r.Op == fanmail.SegmentOr {
		join = " OR "
	}
	return paren(parts, join)
}

// isSet reports whether cond tests rows of another table than members.
func isSet(cond fanmail.SegmentCondition) bool {
	switch cond.Field {
	case fanmail.FieldConsent, fanmail.FieldBrand, fanmail.FieldBrandGroup, fanmail.FieldAnswer,
		fanmail.FieldOpened, fanmail.FieldClicked,
		fanmail.FieldBoughtBrand, fanmail.FieldOrderCount, fanmail.FieldOrderTotal, fanmail.FieldLastOrder:
		return true
	}
	return false
}

func hasSets(r fanmail.SegmentRules) bool {
	for _, cond := range r.Conditions {
		if isSet(cond) {
			return true
		}
	}
	for _, g := range r.Groups {
		if hasSets(g) {
			return true
		}
	}
	return false
}

// col returns a member column as the engine should see it: on SQLite, +m.col
// keeps a barely selective index (status, gender) from driving a scan.
func (c *segmentCompiler) col(name string) string {
	if c.sqlite {
		return "+m." + name
	}
	return "m." + name
}

// daysAgo returns the time n days before now.
func (c *segmentCompiler) daysAgo(n int) time.Time { return c.now.AddDate(0, 0, -n) }

func not(neg bool, cond string) string {
	if neg {
		return "NOT (" + cond + ")"
	}
	return cond
}

// among returns "col IN (…)" or "col NOT IN (…)".
func among[T any](c *segmentCompiler, col string, neg bool, vs []T) string {
	op := " IN ("
	if neg {
		op = " NOT IN ("
	}
	return col + op + list(c, vs) + ")"
}

func negated(cond fanmail.SegmentCondition) bool {
	switch cond.Op {
	case fanmail.OpNotIn, fanmail.OpNotGranted, fanmail.OpNotWithinDays:
		return true
	}
	return false
}

// column returns the test of a condition on member columns.
func (c *segmentCompiler) column(cond fanmail.SegmentCondition) string {
	neg := negated(cond)
	switch cond.Field {
	case fanmail.FieldGender:
		vs := make([]string, len(cond.Values))
		for i, v := range cond.Values {
			if v != fanmail.GenderUnknown {
				vs[i] = v
			}
		}
		return among(c, c.col("gender"), neg, vs)
	case fanmail.FieldStatus:
		return among(c, c.col("status"), neg, cond.Values)
	case fanmail.FieldSource:
		return among(c, c.col("source"), neg, cond.Values)
	case fanmail.FieldShop:
		if neg {
			return "(" + c.col("shop_id") + " IS NULL OR " + among(c, c.col("shop_id"), true, cond.IDs) + ")"
		}
		return among(c, c.col("shop_id"), false, cond.IDs)
	case fanmail.FieldAgeBand:
		var ors []string
		for _, label := range cond.Values {
			b, _ := fanmail.ParseAgeBand(label) // validated
			lo, hi := b.BirthYearRange(c.now)
			// Year 0 means "unknown": never in a band.
			ors = append(ors, c.col("birth_year")+" BETWEEN "+c.arg(max(lo, 1))+" AND "+c.arg(hi))
		}
		return not(neg, paren(ors, " OR "))
	case fanmail.FieldRegion:
		var prefixes []string
		for _, code := range cond.Values {
			r, _ := fanmail.RegionByCode(code)
			prefixes = append(prefixes, r.Prefixes...)
		}
		// SQLite's members_segment index holds the address's first four
		// characters, enough for every region prefix.
		address := "m.address"
		if c.sqlite {
			address = "substr(m.address, 1, 4)"
		}
		return not(neg, c.prefixes(address, prefixes))
	case fanmail.FieldPostalCode:
		return not(neg, c.prefixes(c.col("postal_code"), cond.Values))
	case fanmail.FieldRegistered:
		switch cond.Op {
		case fanmail.OpBefore, fanmail.OpOnOrAfter:
			d, _ := fanmail.SegmentDate(cond.Date) // validated
			if cond.Op == fanmail.OpBefore {
				return c.col("created_at") + " < " + c.arg(d.UTC())
			}
			return c.col("created_at") + " >= " + c.arg(d.UTC())
		case fanmail.OpWithinDays:
			return c.col("created_at") + " >= " + c.arg(c.daysAgo(cond.Days))
		default:
			return c.col("created_at") + " < " + c.arg(c.daysAgo(cond.Days))
		}
	}
	panic("segment: not a member column condition: " + cond.Field)
}

// prefixes returns a condition that holds when col starts with one of ps:
// substr per prefix length, which both engines count in characters.
func (c *segmentCompiler) prefixes(col string, ps []string) string {
	byLen := map[int][]string{}
	var lens []int
	for _, p := range ps {
		n := utf8.RuneCountInString(p)
		if _, ok := byLen[n]; !ok {
			lens = append(lens, n)
		}
		byLen[n] = append(byLen[n], p)
	}
	slices.Sort(lens)
	var ors []string
	for _, n := range lens {
		ors = append(ors, among(c, "substr("+col+", 1, "+strconv.Itoa(n)+")", false, byLen[n]))
	}
	return paren(ors, " OR ")
}

// keyed selects the members who like one brand or chose one answer option.
func (c *segmentCompiler) keyed(field string, id int64) string {
	if field == fanmail.FieldBrand {
		return "SELECT member_id FROM brand_preferences WHERE brand_id = " + c.arg(id)
	}
	// Option ids are unique across questions (CheckSegmentRefs makes sure
	// they are the question's), so the answers_option index alone answers.
	return "SELECT member_id FROM answers WHERE option_id = " + c.arg(id)
}

// members returns a SELECT of the member ids (column member_id, never NULL)
// a set condition is about, and whether the condition holds for the members
// NOT in it. With sorted (SQLite), brand and option lists become a UNION
// of one index range each, so the ids come in order.
func (c *segmentCompiler) members(cond fanmail.SegmentCondition, sorted bool) (sub string, neg bool) {
	neg = negated(cond)
	keyedList := func(ids []int64) string {
		ids = uniq(ids)
		if sorted && len(ids) > 1 {
			var arms []string
			for _, id := range ids {
				arms = append(arms, c.keyed(cond.Field, id))
			}
			return strings.Join(arms, " UNION ")
		}
		if cond.Field == fanmail.FieldBrand {
			return "SELECT member_id FROM brand_preferences WHERE " + among(c, "brand_id", false, ids)
		}
		return "SELECT member_id FROM answers WHERE " + among(c, "option_id", false, ids)
	}
	switch cond.Field {
	case fanmail.FieldConsent:
		return "SELECT member_id FROM member_consents WHERE purpose = " + c.arg(cond.Values[0]) + " AND granted = " + c.arg(true), neg
	case fanmail.FieldBrand, fanmail.FieldAnswer:
		return keyedList(cond.IDs), neg
	case fanmail.FieldOpened, fanmail.FieldClicked:
		// The events trigger keeps member_engagement (migration 0012).
		col := "last_open_at"
		if cond.Field == fanmail.FieldClicked {
			col = "last_click_at"
		}
		return "SELECT member_id FROM member_engagement WHERE " + col + " >= " + c.arg(c.daysAgo(cond.Days)), neg
	case fanmail.FieldBrandGroup:
		// Sorted, +brand_id makes SQLite read the preferences in member
		// order (their key) and test the brand, rather than read them
		// brand by brand and sort a group's worth of members.
		brand := "brand_id"
		if sorted {
			brand = "+brand_id"
		}
		return "SELECT member_id FROM brand_preferences WHERE " + brand + " IN (SELECT id FROM brands WHERE " +
			among(c, "group_id", false, uniq(cond.IDs)) + ")", neg
	case fanmail.FieldBoughtBrand:
		return "SELECT o.member_id FROM order_items oi JOIN orders o ON o.id = oi.order_id" +
			whereAll(among(c, "oi.brand_id", false, uniq(cond.IDs)), c.since("o.ordered_at", cond.Days)), neg
	case fanmail.FieldOrderCount, fanmail.FieldOrderTotal:
		// Fewer orders than N includes none: the complement of "at least".
		agg := "COUNT(*)"
		if cond.Field == fanmail.FieldOrderTotal {
			agg = "SUM(amount)"
		}
		return "SELECT member_id FROM orders" + whereAll(c.since("ordered_at", cond.Days)) +
			" GROUP BY member_id HAVING " + agg + " >= " + c.arg(cond.Number), cond.Op == fanmail.OpLessThan
	case fanmail.FieldLastOrder:
		// "Not lately" means ordered before, but not within the window:
		// members who never ordered have no last order and are left out.
		// Sorted, both are read from orders_member in member order (a
		// GROUP BY would have to be sorted again).
		since := c.arg(c.daysAgo(cond.Days))
		switch {
		case sorted && neg:
			return "SELECT member_id FROM orders EXCEPT SELECT member_id FROM orders WHERE ordered_at >= " + since, false
		case sorted:
			return "SELECT member_id FROM orders WHERE ordered_at >= " + since, false
		case neg:
			return "SELECT member_id FROM orders GROUP BY member_id HAVING MAX(ordered_at) < " + since, false
		}
		return "SELECT member_id FROM orders WHERE ordered_at >= " + since, false
	}
	panic("segment: not a set condition: " + cond.Field)
}

// idSet is a SELECT or compound SELECT listing member ids as member_id.
type idSet struct {
	sql      string
	compound bool // made of set operations: parenthesise before combining
	distinct bool // no id twice
}

// combine joins sets with a set operation.
//
// On SQLite, set operations share one precedence and group from the left,
// so one compound operand may lead without parentheses: a parenthesised
// operand is a subquery whose order SQLite no longer knows, and sorting it
// again costs as much as the merge. INTERSECT and UNION commute, so the first
// compound moves to the front; EXCEPT keeps its order (its first operand
// leads anyway). On PostgreSQL, where INTERSECT binds tighter than UNION and
// EXCEPT, every compound operand is a subquery of its own.
func (c *segmentCompiler) combine(sets []idSet, op string) idSet {
	if len(sets) == 1 {
		return sets[0]
	}
	sets = slices.Clone(sets)
	if c.sqlite && op != "EXCEPT" {
		if i := slices.IndexFunc(sets, func(s idSet) bool { return s.compound }); i > 0 {
			lead := sets[i]
			copy(sets[1:i+1], sets[:i])
			sets[0] = lead
		}
	}
	arms := make([]string, len(sets))
	for i, s := range sets {
		switch {
		case !s.compound, c.sqlite && i == 0:
			arms[i] = s.sql
		default:
			arms[i] = "SELECT member_id FROM (" + s.sql + ") x"
		}
	}
	return idSet{sql: strings.Join(arms, " "+op+" "), compound: true, distinct: true}
}

// allMembers lists every member, from the narrow members_segment index.
var allMembers = idSet{sql: "SELECT m.id AS member_id FROM members m", distinct: true}

// set returns the ids of the members r matches, for counting them without
// reading a member row: AND is INTERSECT, OR is UNION, a negated condition
// is EXCEPT (from all members under an OR), and the member column tests of a
// group are one scan of members. A count then costs what its id lists cost,
// not a join of a million members.
//
// On SQLite every operand lists ids in order: the members_segment index
// (migration 0012) holds the member columns in id order, and brand and
// option lists are a UNION of one index range each. SQLite then merges the
// lists (its MERGE plans) without sorting, a temporary index or a lookup per
// member. PostgreSQL hashes them.
func (c *segmentCompiler) set(r fanmail.SegmentRules) idSet {
	var cols []string
	var pos, neg []idSet
	and := r.Op == fanmail.SegmentAnd || len(r.Conditions)+len(r.Groups) == 1
	var merged map[int]bool
	if and {
		pos, merged = c.orderGroups(r.Conditions)
	}
	for i, cond := range r.Conditions {
		switch {
		case merged[i]:
		case !isSet(cond):
			cols = append(cols, c.column(cond))
		case cond.Op == fanmail.OpAll:
			var all []idSet
			for _, id := range uniq(cond.IDs) {
				all = append(all, idSet{sql: c.keyed(cond.Field, id), distinct: true})
			}
			pos = append(pos, c.combine(all, "INTERSECT"))
		default:
			sub, isNeg := c.members(cond, c.sqlite)
			// Keys make consents, one brand's fans and engagement unique per member,
			// GROUP BY the order totals, set operations every compound;
			// other lists may name a member twice.
			compound := strings.Contains(sub, " UNION ") || strings.Contains(sub, " EXCEPT ")
			s := idSet{sql: sub, compound: compound, distinct: compound || cond.Field == fanmail.FieldConsent ||
				cond.Field == fanmail.FieldBrand && len(uniq(cond.IDs)) == 1 ||
				cond.Field == fanmail.FieldOpened || cond.Field == fanmail.FieldClicked ||
				cond.Field == fanmail.FieldOrderCount || cond.Field == fanmail.FieldOrderTotal}
			if isNeg {
				neg = append(neg, s)
			} else {
				pos = append(pos, s)
			}
		}
	}
	for _, g := range r.Groups {
		pos = append(pos, c.set(g))
	}
	if and {
		if len(cols) > 0 {
			pos = append([]idSet{{sql: "SELECT m.id AS member_id FROM members m WHERE " + strings.Join(cols, " AND "), distinct: true}}, pos...)
		}
		if len(pos) == 0 {
			pos = []idSet{allMembers}
		}
		return c.combine(append([]idSet{c.combine(pos, "INTERSECT")}, neg...), "EXCEPT")
	}
	if len(cols) > 0 {
		pos = append([]idSet{{sql: "SELECT m.id AS member_id FROM members m WHERE " + strings.Join(cols, " OR "), distinct: true}}, pos...)
	}
	for _, n := range neg {
		pos = append(pos, c.combine([]idSet{allMembers, n}, "EXCEPT"))
	}
	return c.combine(pos, "UNION")
}

// orderGroups returns, for the conditions of an AND group, one list per
// window of orders that two or more of them group by member (at least N
// orders, at least X won, last order within or not within N days: a lapsed
// buyer with two orders), so the orders are grouped once, and the indexes of
// the conditions it took.
func (c *segmentCompiler) orderGroups(conds []fanmail.SegmentCondition) ([]idSet, map[int]bool) {
	window := func(cond fanmail.SegmentCondition) (int, bool) {
		switch {
		case (cond.Field == fanmail.FieldOrderCount || cond.Field == fanmail.FieldOrderTotal) && cond.Op == fanmail.OpAtLeast:
			return cond.Days, true
		case cond.Field == fanmail.FieldLastOrder:
			return 0, true // the last order of all
		}
		return 0, false
	}
	byWindow := map[int][]int{}
	var windows []int
	for i, cond := range conds {
		if w, ok := window(cond); ok {
			if len(byWindow[w]) == 0 {
				windows = append(windows, w)
			}
			byWindow[w] = append(byWindow[w], i)
		}
	}
	var sets []idSet
	taken := map[int]bool{}
	for _, w := range windows {
		idx := byWindow[w]
		if len(idx) < 2 {
			continue
		}
		sql := "SELECT member_id FROM orders" + whereAll(c.since("ordered_at", w)) + " GROUP BY member_id HAVING "
		for j, i := range idx {
			cond := conds[i]
			if j > 0 {
				sql += " AND "
			}
			switch {
			case cond.Field == fanmail.FieldOrderCount:
				sql += "COUNT(*) >= " + c.arg(cond.Number)
			case cond.Field == fanmail.FieldOrderTotal:
				sql += "SUM(amount) >= " + c.arg(cond.Number)
			case cond.Op == fanmail.OpNotWithinDays:
				sql += "MAX(ordered_at) < " + c.arg(c.daysAgo(cond.Days))
			default:
				sql += "MAX(ordered_at) >= " + c.arg(c.daysAgo(cond.Days))
			}
			taken[i] = true
		}
		sets = append(sets, idSet{sql: sql, distinct: true})
	}
	return sets, taken
}

// since returns "col >= $n" for the time n days ago, or "" for 0 (ever).
func (c *segmentCompiler) since(col string, days int) string {
	if days <= 0 {
		return ""
	}
	return col + " >= " + c.arg(c.daysAgo(days))
}

func whereAll(conds ...string) string {
	var parts []string
	for _, s := range conds {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(parts, " AND ")
}

// paren joins parts with op, in parentheses when there are several.
func paren(parts []string, op string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, op) + ")"
}

func uniq(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
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
		case fanmail.FieldBrandGroup:
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
