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
	where, args, err := db.SegmentMemberSQL(rules, now, 0)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM members m WHERE `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count segment: %w", err)
	}
	return n, nil
}

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
func (db *DB) SegmentMemberSQL(rules fanmail.SegmentRules, now time.Time, argOffset int) (where string, args []any, err error) {
	if err := rules.Validate(); err != nil {
		return "", nil, err
	}
	c := segmentCompiler{now: now.UTC(), offset: argOffset}
	where = c.group(rules, true)
	return where, c.args, nil
}

// segmentCompiler builds the SQL of one set of rules.
type segmentCompiler struct {
	now    time.Time
	offset int
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

func (c *segmentCompiler) group(r fanmail.SegmentRules, top bool) string {
	var parts []string
	for _, cond := range r.Conditions {
		parts = append(parts, c.condition(cond))
	}
	for _, g := range r.Groups {
		parts = append(parts, c.group(g, false))
	}
	if len(parts) == 0 {
		return "1 = 1" // only the top group may be empty: everyone
	}
	if len(parts) == 1 {
		return parts[0]
	}
	join := " AND "
	if r.Op == fanmail.SegmentOr {
		join = " OR "
	}
	return "(" + strings.Join(parts, join) + ")"
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

// semi returns a condition that holds when the member has a row in from
// satisfying cond (which may refer to the row by the tables' aliases and to
// the member as m), or, with neg, has none.
func semi(neg bool, from, memberCol, cond string) string {
	q := "EXISTS (SELECT 1 FROM " + from + " WHERE " + memberCol + " = m.id AND " + cond + ")"
	if neg {
		return "NOT " + q
	}
	return q
}

func (c *segmentCompiler) condition(cond fanmail.SegmentCondition) string {
	neg := cond.Op == fanmail.OpNotIn || cond.Op == fanmail.OpNotGranted || cond.Op == fanmail.OpNotWithinDays
	switch cond.Field {
	case fanmail.FieldGender:
		vs := make([]string, len(cond.Values))
		for i, v := range cond.Values {
			if v != fanmail.GenderUnknown {
				vs[i] = v
			}
		}
		return among(c, "m.gender", neg, vs)
	case fanmail.FieldStatus:
		return among(c, "m.status", neg, cond.Values)
	case fanmail.FieldSource:
		return among(c, "m.source", neg, cond.Values)
	case fanmail.FieldShop:
		if neg {
			return "(m.shop_id IS NULL OR " + among(c, "m.shop_id", true, cond.IDs) + ")"
		}
		return among(c, "m.shop_id", false, cond.IDs)
	case fanmail.FieldAgeBand:
		var ors []string
		for _, label := range cond.Values {
			b, _ := fanmail.ParseAgeBand(label) // validated
			lo, hi := b.BirthYearRange(c.now)
			// Year 0 means "unknown": never in a band.
			ors = append(ors, "m.birth_year BETWEEN "+c.arg(max(lo, 1))+" AND "+c.arg(hi))
		}
		return not(neg, orJoin(ors))
	case fanmail.FieldRegion:
		var prefixes []string
		for _, code := range cond.Values {
			r, _ := fanmail.RegionByCode(code)
			prefixes = append(prefixes, r.Prefixes...)
		}
		return not(neg, c.prefixes("m.address", prefixes))
	case fanmail.FieldPostalCode:
		return not(neg, c.prefixes("m.postal_code", cond.Values))
	case fanmail.FieldRegistered:
		switch cond.Op {
		case fanmail.OpBefore, fanmail.OpOnOrAfter:
			d, _ := fanmail.SegmentDate(cond.Date) // validated
			if cond.Op == fanmail.OpBefore {
				return "m.created_at < " + c.arg(d.UTC())
			}
			return "m.created_at >= " + c.arg(d.UTC())
		case fanmail.OpWithinDays:
			return "m.created_at >= " + c.arg(c.daysAgo(cond.Days))
		default:
			return "m.created_at < " + c.arg(c.daysAgo(cond.Days))
		}
	case fanmail.FieldConsent:
		return semi(neg, "member_consents mc", "mc.member_id",
			"mc.purpose = "+c.arg(cond.Values[0])+" AND mc.granted = "+c.arg(true))
	case fanmail.FieldBrand:
		if cond.Op == fanmail.OpAll {
			var ands []string
			for _, id := range uniq(cond.IDs) {
				ands = append(ands, semi(false, "brand_preferences bp", "bp.member_id", "bp.brand_id = "+c.arg(id)))
			}
			return andJoin(ands)
		}
		return semi(neg, "brand_preferences bp", "bp.member_id", among(c, "bp.brand_id", false, uniq(cond.IDs)))
	case fanmail.FieldBrandGroup:
		return semi(neg, "brand_preferences bp JOIN brands b ON b.id = bp.brand_id", "bp.member_id",
			among(c, "b.group_id", false, uniq(cond.IDs)))
	case fanmail.FieldAnswer:
		if cond.Op == fanmail.OpAll {
			var ands []string
			for _, id := range uniq(cond.IDs) {
				ands = append(ands, semi(false, "answers a", "a.member_id",
					"a.question_id = "+c.arg(cond.Question)+" AND a.option_id = "+c.arg(id)))
			}
			return andJoin(ands)
		}
		return semi(neg, "answers a", "a.member_id",
			"a.question_id = "+c.arg(cond.Question)+" AND "+among(c, "a.option_id", false, uniq(cond.IDs)))
	case fanmail.FieldOpened, fanmail.FieldClicked:
		kinds := "e.kind IN ('open', 'click')" // a click proves the mail was opened, images or not
		if cond.Field == fanmail.FieldClicked {
			kinds = "e.kind = 'click'"
		}
		return semi(neg, "events e", "e.member_id",
			kinds+" AND e.created_at >= "+c.arg(c.daysAgo(cond.Days))+" AND e.is_bot = "+c.arg(false))
	case fanmail.FieldBoughtBrand:
		cond2 := among(c, "oi.brand_id", false, uniq(cond.IDs))
		if cond.Days > 0 {
			cond2 += " AND o.ordered_at >= " + c.arg(c.daysAgo(cond.Days))
		}
		return semi(neg, "orders o JOIN order_items oi ON oi.order_id = o.id", "o.member_id", cond2)
	case fanmail.FieldOrderCount, fanmail.FieldOrderTotal:
		agg := "COUNT(*)"
		if cond.Field == fanmail.FieldOrderTotal {
			agg = "COALESCE(SUM(o.amount), 0)"
		}
		q := "(SELECT " + agg + " FROM orders o WHERE o.member_id = m.id"
		if cond.Days > 0 {
			q += " AND o.ordered_at >= " + c.arg(c.daysAgo(cond.Days))
		}
		cmp := " >= "
		if cond.Op == fanmail.OpLessThan {
			cmp = " < "
		}
		return q + ")" + cmp + c.arg(cond.Number)
	case fanmail.FieldLastOrder:
		since := c.arg(c.daysAgo(cond.Days))
		if neg {
			// Ordered before, but not lately; members who never ordered
			// have no last order and are left out.
			return "(SELECT MAX(o.ordered_at) FROM orders o WHERE o.member_id = m.id) < " + since
		}
		return semi(false, "orders o", "o.member_id", "o.ordered_at >= "+since)
	}
	panic("segment: unhandled field " + cond.Field) // Validate knows every field
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
	return orJoin(ors)
}

func orJoin(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

func andJoin(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " AND ") + ")"
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
