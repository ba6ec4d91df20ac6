package store

// Compiling segment rules into SQL: a condition on members m (tests of member
// columns), lists of member ids combined with set operations (tests of other
// tables; SQLite merges them in member order), or, for counts on PostgreSQL,
// member tests m.id IN (list) (see SegmentCountSQL).

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fanmail/fanmail"
)

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
// columns as they are when r has no others, else m.id IN (set). Given a
// range (lo and hi are placeholders; "" for none), the set is read for the
// member ids in (lo, hi] only: PostgreSQL pushes the range into each arm of
// the set operations and into grouped lists, which read it from indexes
// keyed or ordered by member, so a claim of a few hundred members costs
// what its range holds.
func (c *segmentCompiler) where(r fanmail.SegmentRules, lo, hi string) string {
	switch {
	case r.IsEmpty():
		return "1 = 1"
	case hasSets(r) && lo != "":
		return "m.id IN (SELECT member_id FROM (" + c.set(r).sql + ") r WHERE member_id > " + lo + " AND member_id <= " + hi + ")"
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
		fanmail.FieldBoughtBrand, fanmail.FieldOrderCount, fanmail.FieldOrderTotal, fanmail.FieldLastOrder,
		fanmail.FieldPreferredGroup, fanmail.FieldPurchasePattern:
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
	case fanmail.FieldPreferredGroup:
		return profiles(c, "preferred_group_id", uniq(cond.IDs), sorted), neg
	case fanmail.FieldPurchasePattern:
		// A member never analysed has no row but the unknown pattern: a
		// list naming unknown is turned around, into the members whose
		// pattern is one of those not named, taken away.
		if !slices.Contains(cond.Values, fanmail.PatternUnknown) {
			return profiles(c, "purchase_pattern", uniq(cond.Values), sorted), neg
		}
		var others []string
		for _, p := range fanmail.PurchasePatterns {
			if !slices.Contains(cond.Values, p) {
				others = append(others, p)
			}
		}
		if len(others) == 0 {
			return "SELECT member_id FROM member_profiles WHERE 1 = 0", !neg
		}
		return profiles(c, "purchase_pattern", others, sorted), !neg
	}
	panic("segment: not a set condition: " + cond.Field)
}

// profiles selects the members whose stored profile has one of vs in col;
// sorted, one index range (member_profiles_group or _pattern) per value,
// so the ids come in order.
func profiles[T any](c *segmentCompiler, col string, vs []T, sorted bool) string {
	if sorted && len(vs) > 1 {
		arms := make([]string, len(vs))
		for i, v := range vs {
			arms[i] = "SELECT member_id FROM member_profiles WHERE " + col + " = " + c.arg(v)
		}
		return strings.Join(arms, " UNION ")
	}
	return "SELECT member_id FROM member_profiles WHERE " + among(c, col, false, vs)
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
			// Keys make consents, one brand's fans, engagement and profiles unique per member,
			// GROUP BY the order totals, set operations every compound;
			// other lists may name a member twice.
			compound := strings.Contains(sub, " UNION ") || strings.Contains(sub, " EXCEPT ")
			s := idSet{sql: sub, compound: compound, distinct: compound || cond.Field == fanmail.FieldConsent ||
				cond.Field == fanmail.FieldBrand && len(uniq(cond.IDs)) == 1 ||
				cond.Field == fanmail.FieldOpened || cond.Field == fanmail.FieldClicked ||
				cond.Field == fanmail.FieldOrderCount || cond.Field == fanmail.FieldOrderTotal ||
				cond.Field == fanmail.FieldPreferredGroup || cond.Field == fanmail.FieldPurchasePattern}
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

// uniq returns vs sorted, without repeats.
func uniq[T cmp.Ordered](vs []T) []T {
	out := slices.Clone(vs)
	slices.Sort(out)
	return slices.Compact(out)
}
