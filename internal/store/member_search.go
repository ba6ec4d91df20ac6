package store

import (
	"context"
	"fmt"
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

// SearchMembers returns up to q.Limit members matching q, highest id first.
//
// Prefixes become range conditions (col >= p AND col < p') rather than LIKE:
// they mean the same on both engines (byte order; the PostgreSQL columns use
// the "C" collation since 0004) and walk the (col, id) indexes. Each text
// alternative is its own indexed subquery; paging is by id, so the cost of a
// text search grows with its number of matches, and of a filter-only search
// with how far the filter's matches lie apart.
func (db *DB) SearchMembers(ctx context.Context, q MemberSearch) ([]fanmail.Member, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var alts []string
	prefix := func(col string, ps []string) {
		for _, p := range ps {
			p = strings.ToValidUTF8(p, "")
			if p == "" {
				continue
			}
			alts = append(alts, "SELECT id FROM members WHERE "+col+" >= "+arg(p)+" AND "+col+" < "+arg(prefixEnd(p)))
		}
	}
	prefix("email_normalized", q.EmailPrefixes)
	prefix("name", q.NamePrefixes)
	prefix("phone_normalized", q.PhonePrefixes)
	prefix("code", q.CodePrefixes)
	if q.ID > 0 {
		alts = append(alts, "SELECT id FROM members WHERE id = "+arg(q.ID))
	}

	where := []string{"1 = 1"}
	if len(alts) > 0 {
		where = append(where, "m.id IN ("+strings.Join(alts, " UNION ALL ")+")")
	}
	if q.Before > 0 {
		where = append(where, "m.id < "+arg(q.Before))
	}
	if q.Gender != "" {
		where = append(where, "m.gender = "+arg(q.Gender))
	}
	if q.MinBirthYear > 0 {
		where = append(where, "m.birth_year >= "+arg(q.MinBirthYear))
	}
	if q.MaxBirthYear > 0 {
		where = append(where, "m.birth_year <= "+arg(q.MaxBirthYear))
	}
	if q.Status != "" {
		where = append(where, "m.status = "+arg(q.Status))
	}
	if q.BrandID > 0 {
		where = append(where, "EXISTS (SELECT 1 FROM brand_preferences bp WHERE bp.member_id = m.id AND bp.brand_id = "+arg(q.BrandID)+")")
	}
	if q.Consent != "" {
		where = append(where, "EXISTS (SELECT 1 FROM member_consents mc WHERE mc.member_id = m.id AND mc.purpose = "+
			arg(q.Consent)+" AND mc.granted = "+arg(true)+")")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	query := "SELECT " + memberColumns + " FROM members m WHERE " + strings.Join(where, " AND ") +
		" ORDER BY m.id DESC LIMIT " + arg(limit)

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
