package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
)

// LeftOut is who a campaign's segment matches but its audience leaves out,
// and why: the gap between a segment's count and a campaign's sends. Each
// member counts under the first reason that applies, in the order of the
// fields.
type LeftOut struct {
	Matched     int64 // members the segment matches (every member without one), whatever their state
	Unconfirmed int64 // fanmail.SkipUnconfirmed: pending members
	Inactive    int64 // fanmail.SkipInactive: deactivated members
	NoConsent   int64 // fanmail.SkipNoConsent: marketing only
	Suppressed  int64 // fanmail.SkipSuppressed: marketing only
	// Members are the first of those left out, by id, with their reason.
	Members []LeftOutMember
}

// Total is how many members are left out.
func (l LeftOut) Total() int64 { return l.Unconfirmed + l.Inactive + l.NoConsent + l.Suppressed }

// Unlisted is how many of them Members does not list.
func (l LeftOut) Unlisted() int64 { return l.Total() - int64(len(l.Members)) }

// LeftOutMember is one member left out of a campaign and the reason (a
// fanmail.Skip… reason).
type LeftOutMember struct {
	ID     int64
	Name   string
	Reason string
}

// AudienceLeftOut counts, at now, the members a.Segment matches (every
// member when nil) that audience a leaves out, by reason, and returns the
// first limit of them. Only a.Segment and a.Marketing matter.
func (db *DB) AudienceLeftOut(ctx context.Context, a Audience, now time.Time, limit int) (LeftOut, error) {
	var l LeftOut
	const (
		consent    = `EXISTS (SELECT 1 FROM member_consents mc WHERE mc.member_id = m.id AND mc.purpose = 'marketing_email' AND mc.granted)`
		suppressed = `EXISTS (SELECT 1 FROM suppressions x WHERE x.email_normalized = m.email_normalized)`
	)
	noConsent, isSuppressed, inAudience := `0`, `0`, `m.status = 'active'`
	if a.Marketing {
		noConsent = `CASE WHEN m.status = 'active' AND NOT ` + consent + ` THEN 1 ELSE 0 END`
		isSuppressed = `CASE WHEN m.status = 'active' AND ` + consent + ` AND ` + suppressed + ` THEN 1 ELSE 0 END`
		inAudience += ` AND ` + consent + ` AND NOT ` + suppressed
	}
	where, args, err := db.withSegment(a, `TRUE`, now, 0, "", "")
	if err != nil {
		return l, err
	}
	err = db.sql.QueryRowContext(ctx, `
		SELECT COUNT(*),
			COALESCE(SUM(CASE WHEN m.status = 'pending' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN m.status NOT IN ('active', 'pending') THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(`+noConsent+`), 0), COALESCE(SUM(`+isSuppressed+`), 0)
		FROM members m WHERE `+where, args...).Scan(&l.Matched, &l.Unconfirmed, &l.Inactive, &l.NoConsent, &l.Suppressed)
	if err != nil {
		return l, fmt.Errorf("audience left out: %w", err)
	}
	if l.Total() == 0 || limit <= 0 {
		return l, nil
	}
	rows, err := db.sql.QueryContext(ctx, `
		SELECT m.id, m.name, m.status, `+consent+`
		FROM members m WHERE `+where+` AND NOT (`+inAudience+`)
		ORDER BY m.id LIMIT $`+strconv.Itoa(len(args)+1), append(args, limit)...)
	if err != nil {
		return l, fmt.Errorf("audience left out: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m LeftOutMember
		var status string
		var consented bool
		if err := rows.Scan(&m.ID, &m.Name, &status, &consented); err != nil {
			return l, fmt.Errorf("audience left out: %w", err)
		}
		switch {
		case status == fanmail.MemberPending:
			m.Reason = fanmail.SkipUnconfirmed
		case status != fanmail.MemberActive:
			m.Reason = fanmail.SkipInactive
		case !consented:
			m.Reason = fanmail.SkipNoConsent
		default:
			m.Reason = fanmail.SkipSuppressed
		}
		l.Members = append(l.Members, m)
	}
	return l, rows.Err()
}

// Audience says which members a campaign goes to, and when.
type Audience struct {
	// Segment restricts the audience to the members its rules match; nil
	// means every member.
	Segment *fanmail.SegmentRules
	// Marketing restricts it to members who consent to marketing e-mail
	// now and whose address is not suppressed. Members must be active either way.
	Marketing bool
	// Upfront queues every send when the campaign starts, due at
	// ZoneDue[member's time zone], or at Due for members of other zones.
	Upfront bool
	Due     time.Time
	ZoneDue map[string]time.Time
	// Details says which member details claims read besides the address.
	Details MemberDetails
}

// MemberDetails names member columns a claim reads; reading only those a
// template prints saves work on every send.
type MemberDetails struct {
	Name, Code, BirthYear, Gender bool
}

// AllDetails reads every member detail.
var AllDetails = MemberDetails{Name: true, Code: true, BirthYear: true, Gender: true}

// columns returns the member columns of a Claim over "members m", unread ones
// as constants so the positions stay put: email, name, code, birth year,
// gender, language. With as, they are named c1…c6.
func (d MemberDetails) columns(as bool) string {
	cols := []string{`m.email`, `''`, `''`, `0`, `''`, `''`}
	if d.Name {
		cols[1] = `m.name`
	}
	if d.Code {
		cols[2] = `COALESCE(m.code, '')`
	}
	if d.BirthYear {
		cols[3] = `m.birth_year`
	}
	if d.Gender {
		cols[4], cols[5] = `m.gender`, `m.lang`
	}
	if as {
		for i := range cols {
			cols[i] += ` AS c` + strconv.Itoa(i+1)
		}
	}
	return strings.Join(cols, ", ")
}

// readColumns returns only the member columns d reads, over "members m":
// email, then name, code, birth year, gender and language as d asks.
// scanInto gives the fields of a Claim they are scanned into.
func (d MemberDetails) readColumns() string {
	cols := `m.email`
	if d.Name {
		cols += `, m.name`
	}
	if d.Code {
		cols += `, COALESCE(m.code, '')`
	}
	if d.BirthYear {
		cols += `, m.birth_year`
	}
	if d.Gender {
		cols += `, m.gender, m.lang`
	}
	return cols
}

// scanInto returns the fields of c that the columns of readColumns fill,
// in order, after dest.
func (d MemberDetails) scanInto(c *Claim, dest ...any) []any {
	dest = append(dest, &c.Email)
	if d.Name {
		dest = append(dest, &c.Name)
	}
	if d.Code {
		dest = append(dest, &c.Code)
	}
	if d.BirthYear {
		dest = append(dest, &c.BirthYear)
	}
	if d.Gender {
		dest = append(dest, &c.Gender, &c.Lang)
	}
	return dest
}

// audienceWhere returns the audience as a condition over "members m" with
// ids in (lo, hi] (placeholders of the caller's) evaluated at now, its
// arguments numbered from $offset+1: the consent and suppression tests are
// looked up member by member, and a segment's id lists read for the range
// only, for claims, which read a few hundred members of a range.
func (db *DB) audienceWhere(a Audience, now time.Time, offset int, lo, hi string) (string, []any, error) {
	where := `m.status = 'active'`
	if a.Marketing {
		where += ` AND ` + db.d.consented
	}
	return db.withSegment(a, where, now, offset, lo, hi)
}

// audienceFrom returns the audience as a FROM clause naming "members m" and
// a condition, for statements that go through the whole audience (counting
// it, queueing it, and on SQLite claiming it): the consents of the purpose
// are read in member order and joined, several times faster than a look-up
// per member. The members' ids, in the order they are read, are id.
func (db *DB) audienceFrom(a Audience, now time.Time, offset int) (from, where, id string, args []any, err error) {
	if !a.Marketing {
		where, args, err = db.withSegment(a, `m.status = 'active'`, now, offset, "", "")
		return `members m`, where, `m.id`, args, err
	}
	from = db.d.consentsFrom
	where, args, err = db.withSegment(a, db.d.consentsJoin+`mc.purpose = 'marketing_email' AND mc.granted = TRUE AND m.status = 'active'
		AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_normalized = m.email_normalized)`, now, offset, "", "")
	return from, where, `mc.member_id`, args, err
}

func (db *DB) withSegment(a Audience, where string, now time.Time, offset int, lo, hi string) (string, []any, error) {
	if a.Segment == nil {
		return where, nil, nil
	}
	seg, args, err := db.segmentMemberSQL(*a.Segment, now, offset, lo, hi)
	if err != nil {
		return "", nil, err
	}
	return where + ` AND (` + seg + `)`, args, nil
}

// AudienceExists reports whether audience a has any member at now.
func (db *DB) AudienceExists(ctx context.Context, a Audience, now time.Time) (bool, error) {
	from, where, _, args, err := db.audienceFrom(a, now, 0)
	if err != nil {
		return false, err
	}
	var ok bool
	if err := db.sql.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+from+` WHERE `+where+`)`, args...).Scan(&ok); err != nil {
		return false, fmt.Errorf("audience: %w", err)
	}
	return ok, nil
}
