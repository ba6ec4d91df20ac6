package store

import (
	"context"
	"fmt"
	"strconv"
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
