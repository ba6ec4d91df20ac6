package store

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fanmail/fanmail"
)

// MemberSearch selects members for the staff search, newest first. The text
// conditions (prefixes and ID) are alternatives: a member matching any of them
// qualifies; with none set every member does. The other fields narrow the
// result; zero values do not filter.
type MemberSearch struct {
	EmailPrefixes []string // of email_normalized
	NamePrefixes  []string
	PhonePrefixes []string // of phone_normalized
	CodePrefixes  []string
	ID            int64 // exact member id

	BrandID      int64  // marked the brand as a favourite
	Gender       string // exact
	MinBirthYear int    // inclusive, 0 = no bound
	MaxBirthYear int    // inclusive, 0 = no bound
	Consent      string // currently granted this purpose
	Status       string // exact

	Before int64 // keyset cursor: only ids below it; 0 = from the newest
	Limit  int
}

// broadText is the number of text matches from which a text search walks
// members by id, checking the text on each row, instead of collecting the
// matching ids first: a page then needs about limit × members / matches rows,
// fewer than the matches themselves beyond √(50 × 1M) ≈ 7,000 at 1M
// members. Counting the matches (up to broadText) costs index entries too,
// so it is set a little lower. A variable so tests can take either path.
var broadText = 5_000

// SearchMembers returns up to q.Limit members matching q, highest id first.
//
// Prefixes are range conditions (col >= p AND col < p') rather than LIKE:
// they mean the same on both engines (byte order; the PostgreSQL columns use
// the "C" collation since 0004) and walk the (col, id) indexes. Keyset paging
// by id keeps deep pages as cheap as the first. The cost of a search without
// text grows with how far apart its filter's matches lie; a text search
// costs about twice its matches in index entries up to broadText, and beyond
// that broadText entries and limit × members / matches rows.
func (db *DB) SearchMembers(ctx context.Context, q MemberSearch) ([]fanmail.Member, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	text := memberText(q)
	if text.empty() {
		return db.scanMembers(ctx, q, "")
	}
	var args searchArgs
	probe := "SELECT COUNT(*) FROM (SELECT id FROM (" + text.subqueries(&args) + ") u LIMIT " + args.add(broadText) + ") c"
	var matches int
	if err := db.sql.QueryRowContext(ctx, probe, args...).Scan(&matches); err != nil {
		return nil, fmt.Errorf("search members: %w", err)
	}
	switch {
	case matches >= broadText:
		return db.scanMembers(ctx, q, "row")
	case db.engine == SQLite:
		// SQLite builds the list of matching ids, walks it from the highest
		// id and reads rows only until the page is full.
		return db.scanMembers(ctx, q, "list")
	default:
		return db.searchMembersByIDs(ctx, q, text)
	}
}

// scanMembers runs the search as one statement ordered by id. text is "" (no
// text), "list" (matching ids from the indexes) or "row" (the text checked on
// each row while walking members by id: the text columns are wrapped in
// "|| ”" so that neither planner turns to their indexes and sorts).
func (db *DB) scanMembers(ctx context.Context, q MemberSearch, text string) ([]fanmail.Member, error) {
	var args searchArgs
	where := []string{"1 = 1"}
	switch text {
	case "list":
		where = append(where, "m.id IN ("+memberText(q).subqueries(&args)+")")
	case "row":
		where = append(where, "("+memberText(q).rowCondition(&args)+")")
	}
	if q.Before > 0 {
		where = append(where, "m.id < "+args.add(q.Before))
	}
	where = append(where, memberFilterConditions(q, &args)...)
	return db.querySearchMembers(ctx, "SELECT "+memberColumns+" FROM members m WHERE "+strings.Join(where, " AND ")+
		" ORDER BY m.id DESC LIMIT "+args.add(q.Limit), args...)
}

// searchMembersByIDs is a text search on PostgreSQL. Given one statement,
// its planner reads every matching row before sorting by id (a common name:
// thousands of rows); instead, collect the matching ids from the indexes
// alone, then read rows for as many ids as the page needs.
func (db *DB) searchMembersByIDs(ctx context.Context, q MemberSearch, text searchText) ([]fanmail.Member, error) {
	var args searchArgs
	before := q.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	query := "SELECT DISTINCT id FROM (" + text.subqueries(&args) + ") u WHERE id < " + args.add(before) + " ORDER BY id DESC"
	var probe searchArgs
	if len(memberFilterConditions(q, &probe)) == 0 {
		query += " LIMIT " + args.add(q.Limit)
	}
	ids, err := db.querySearchIDs(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []fanmail.Member
	for len(ids) > 0 && len(out) < q.Limit {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		var args searchArgs
		where := memberFilterConditions(q, &args)
		marks := make([]string, len(chunk))
		for i, id := range chunk {
			marks[i] = args.add(id)
		}
		where = append(where, "m.id IN ("+strings.Join(marks, ", ")+")")
		ms, err := db.querySearchMembers(ctx, "SELECT "+memberColumns+" FROM members m WHERE "+
			strings.Join(where, " AND ")+" ORDER BY m.id DESC", args...)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out[:min(len(out), q.Limit)], nil
}

// searchText is the text part of a search: prefix ranges and an exact id,
// any of which qualifies a member.
type searchText struct {
	ranges []searchRange
	id     int64
}

// searchRange is lo <= col < hi.
type searchRange struct{ col, lo, hi string }

func memberText(q MemberSearch) searchText {
	var t searchText
	add := func(col string, ps []string) {
		for _, p := range ps {
			if p = strings.ToValidUTF8(p, ""); p != "" {
				t.ranges = append(t.ranges, searchRange{col, p, prefixEnd(p)})
			}
		}
	}
	add("email_normalized", q.EmailPrefixes)
	add("name", q.NamePrefixes)
	add("phone_normalized", q.PhonePrefixes)
	add("code", q.CodePrefixes)
	t.id = q.ID
	return t
}

func (t searchText) empty() bool { return len(t.ranges) == 0 && t.id <= 0 }

// subqueries returns one indexed "SELECT id FROM members …" per alternative,
// joined by UNION ALL.
func (t searchText) subqueries(args *searchArgs) string {
	var alts []string
	for _, r := range t.ranges {
		alts = append(alts, "SELECT id FROM members WHERE "+r.col+" >= "+args.add(r.lo)+" AND "+r.col+" < "+args.add(r.hi))
	}
	if t.id > 0 {
		alts = append(alts, "SELECT id FROM members WHERE id = "+args.add(t.id))
	}
	return strings.Join(alts, " UNION ALL ")
}

// rowCondition returns the alternatives as one condition on the row m.
func (t searchText) rowCondition(args *searchArgs) string {
	var alts []string
	for _, r := range t.ranges {
		col := "(m." + r.col + " || '')"
		alts = append(alts, "("+col+" >= "+args.add(r.lo)+" AND "+col+" < "+args.add(r.hi)+")")
	}
	if t.id > 0 {
		alts = append(alts, "m.id = "+args.add(t.id))
	}
	return strings.Join(alts, " OR ")
}

// searchArgs collects the arguments of a statement built in pieces.
type searchArgs []any

// add appends v and returns its placeholder.
func (a *searchArgs) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// memberFilterConditions returns the conditions on member rows (alias m)
// other than text and cursor.
func memberFilterConditions(q MemberSearch, args *searchArgs) []string {
	var where []string
	if q.Gender != "" {
		where = append(where, "m.gender = "+args.add(q.Gender))
	}
	// "+m.birth_year" keeps the planners off the birth_year index: an age
	// band holds a tenth of the members, and reading and sorting all of them
	// costs far more than walking members by id until the page is full.
	if q.MinBirthYear > 0 {
		where = append(where, "+m.birth_year >= "+args.add(q.MinBirthYear))
	}
	if q.MaxBirthYear > 0 {
		where = append(where, "+m.birth_year <= "+args.add(q.MaxBirthYear))
	}
	if q.Status != "" {
		where = append(where, "m.status = "+args.add(q.Status))
	}
	if q.BrandID > 0 {
		where = append(where, "EXISTS (SELECT 1 FROM brand_preferences bp WHERE bp.member_id = m.id AND bp.brand_id = "+args.add(q.BrandID)+")")
	}
	if q.Consent != "" {
		where = append(where, "EXISTS (SELECT 1 FROM member_consents mc WHERE mc.member_id = m.id AND mc.purpose = "+
			args.add(q.Consent)+" AND mc.granted = "+args.add(true)+")")
	}
	return where
}

func (db *DB) querySearchIDs(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search member ids: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("search member ids: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search member ids: %w", err)
	}
	return ids, nil
}

func (db *DB) querySearchMembers(ctx context.Context, query string, args ...any) ([]fanmail.Member, error) {
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search members: %w", err)
	}
	defer rows.Close()
	var members []fanmail.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("search members: %w", err)
		}
		members = append(members, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search members: %w", err)
	}
	return members, nil
}

// prefixEnd returns the least string greater than every string starting with
// p (in UTF-8 byte order, which is code point order): p with its last rune
// incremented. p must be valid UTF-8 and not empty.
func prefixEnd(p string) string {
	for p != "" {
		r, size := utf8.DecodeLastRuneInString(p)
		p = p[:len(p)-size]
		switch {
		case r == 0xD7FF:
			return p + string(rune(0xE000)) // skip the surrogates, which UTF-8 cannot hold
		case r < utf8.MaxRune:
			return p + string(r+1)
		}
	}
	// Only runes at the very top of Unicode: nothing valid sorts above them.
	return string(rune(utf8.MaxRune)) + string(rune(utf8.MaxRune))
}

// Overview is what the staff dashboard counts.
type Overview struct {
	Members, Active, Pending, Inactive int64
	Brands, Products                   int64
}

// Overview counts members by status, brands and products.
func (db *DB) Overview(ctx context.Context) (Overview, error) {
	var o Overview
	rows, err := db.sql.QueryContext(ctx, `SELECT status, COUNT(*) FROM members GROUP BY status`)
	if err != nil {
		return o, fmt.Errorf("overview: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int64
		if err := rows.Scan(&status, &n); err != nil {
			return o, fmt.Errorf("overview: %w", err)
		}
		o.Members += n
		switch status {
		case fanmail.MemberActive:
			o.Active = n
		case fanmail.MemberPending:
			o.Pending = n
		case fanmail.MemberInactive:
			o.Inactive = n
		}
	}
	if err := rows.Err(); err != nil {
		return o, fmt.Errorf("overview: %w", err)
	}
	err = db.sql.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM brands), (SELECT COUNT(*) FROM products)`).
		Scan(&o.Brands, &o.Products)
	if err != nil {
		return o, fmt.Errorf("overview: %w", err)
	}
	return o, nil
}
