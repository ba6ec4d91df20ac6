package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
)

// adPurposesSQL is fanmail.AdPurposes as an SQL list; the purposes are
// constants, never input.
var adPurposesSQL = "('" + strings.Join(fanmail.AdPurposes, "', '") + "')"

// ConsentEvent is one advertising consent record: an opt-in, a refusal or
// a withdrawal of one channel's consent.
type ConsentEvent struct {
	ID         int64
	MemberID   int64
	Purpose    string
	Granted    bool
	WasGranted bool // the purpose's record before this one granted it: a refusal is a withdrawal
	CreatedAt  time.Time
}

// Result returns how the record reads: fanmail.ConsentGranted,
// ConsentWithdrawn or ConsentDeclined.
func (e ConsentEvent) Result() string {
	switch {
	case e.Granted:
		return fanmail.ConsentGranted
	case e.WasGranted:
		return fanmail.ConsentWithdrawn
	}
	return fanmail.ConsentDeclined
}

const consentEventColumns = `c.id, c.member_id, c.purpose, c.granted,
	COALESCE((SELECT p.granted FROM consents p WHERE p.member_id = c.member_id AND p.purpose = c.purpose AND p.id < c.id
	          ORDER BY p.id DESC LIMIT 1), FALSE), c.created_at`

func scanConsentEvents(ctx context.Context, q querier, query string, args ...any) ([]ConsentEvent, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ConsentEvent
	for rows.Next() {
		var e ConsentEvent
		if err := rows.Scan(&e.ID, &e.MemberID, &e.Purpose, &e.Granted, &e.WasGranted, &e.CreatedAt); err != nil {
			return nil, err
		}
		e.CreatedAt = e.CreatedAt.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// UnnoticedConsents returns up to limit advertising consent records after
// id afterID, oldest first, that have no result notice yet, of confirmed
// members: a pending member's consent takes effect, and is noticed, once the
// address is confirmed.
func (db *DB) UnnoticedConsents(ctx context.Context, afterID int64, limit int) ([]ConsentEvent, error) {
	es, err := scanConsentEvents(ctx, db.sql, `SELECT `+consentEventColumns+`
		FROM consents c JOIN members m ON m.id = c.member_id
		WHERE c.purpose IN `+adPurposesSQL+` AND c.id > $1 AND m.status = 'active'
		  AND NOT EXISTS (SELECT 1 FROM consent_notices n WHERE n.consent_id = c.id)
		ORDER BY c.id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("unnoticed consents: %w", err)
	}
	return es, nil
}

// OverdueConsentNotices returns how many advertising consent records of
// confirmed members made before cutoff have no result notice, and the
// oldest limit of them.
func (db *DB) OverdueConsentNotices(ctx context.Context, cutoff time.Time, limit int) (int, []ConsentEvent, error) {
	where := ` FROM consents c JOIN members m ON m.id = c.member_id
		WHERE c.purpose IN ` + adPurposesSQL + ` AND c.created_at < $1 AND m.status = 'active'
		  AND NOT EXISTS (SELECT 1 FROM consent_notices n WHERE n.consent_id = c.id)`
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*)`+where, cutoff.UTC()).Scan(&n); err != nil {
		return 0, nil, fmt.Errorf("overdue consent notices: %w", err)
	}
	es, err := scanConsentEvents(ctx, db.sql, `SELECT `+consentEventColumns+where+` ORDER BY c.id LIMIT $2`, cutoff.UTC(), limit)
	if err != nil {
		return 0, nil, fmt.Errorf("overdue consent notices: %w", err)
	}
	return n, es, nil
}

// MarkConsentsNoticed records that message messageID is the result notice
// of the consent records ids. A record noticed already keeps its notice.
func (tx *Tx) MarkConsentsNoticed(ctx context.Context, ids []int64, messageID int64) error {
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO consent_notices (consent_id, message_id, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (consent_id) DO NOTHING`, id, nullInt64(messageID), tx.Now); err != nil {
			return fmt.Errorf("mark consent %d noticed: %w", id, err)
		}
	}
	return nil
}

// ConsentNotice returns the message id of consent record id's result
// notice, or ENOTFOUND when it has none.
func (db *DB) ConsentNotice(ctx context.Context, consentID int64) (int64, error) {
	var id *int64
	err := db.sql.QueryRowContext(ctx, `SELECT message_id FROM consent_notices WHERE consent_id = $1`, consentID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fanmail.Errorf(fanmail.ENOTFOUND, "Notice not found.")
	}
	if err != nil {
		return 0, fmt.Errorf("notice of consent %d: %w", consentID, err)
	}
	if id == nil {
		return 0, nil
	}
	return *id, nil
}

// StandingGrant is a member's current grant of an advertising consent:
// the record that granted it, and the last re-confirmation period noticed.
type StandingGrant struct {
	ConsentID  int64
	MemberID   int64
	Purpose    string
	GrantedAt  time.Time
	LastPeriod int // 0 before the first re-confirmation
}

// StandingGrants returns up to limit current advertising grants of
// confirmed members given at or before grantedBy, ordered by member and
// record, after the member afterMember's record afterID (keyset paging).
func (db *DB) StandingGrants(ctx context.Context, grantedBy time.Time, afterMember, afterID int64, limit int) ([]StandingGrant, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT c.id, c.member_id, c.purpose, c.created_at,
		       COALESCE((SELECT MAX(r.period) FROM consent_reconfirmations r WHERE r.consent_id = c.id), 0)
		FROM member_consents mc
		JOIN members m ON m.id = mc.member_id AND m.status = 'active'
		JOIN consents c ON c.id = (SELECT MAX(l.id) FROM consents l WHERE l.member_id = mc.member_id AND l.purpose = mc.purpose)
		WHERE mc.granted = TRUE AND mc.purpose IN `+adPurposesSQL+` AND c.granted = TRUE AND c.created_at <= $1
		  AND (mc.member_id > $2 OR (mc.member_id = $2 AND c.id > $3))
		ORDER BY mc.member_id, c.id LIMIT $4`, grantedBy.UTC(), afterMember, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("standing grants: %w", err)
	}
	defer rows.Close()
	var out []StandingGrant
	for rows.Next() {
		var g StandingGrant
		if err := rows.Scan(&g.ConsentID, &g.MemberID, &g.Purpose, &g.GrantedAt, &g.LastPeriod); err != nil {
			return nil, fmt.Errorf("standing grants: %w", err)
		}
		g.GrantedAt = g.GrantedAt.UTC()
		out = append(out, g)
	}
	return out, rows.Err()
}

// MarkReconfirmed records that message messageID re-confirmed period of
// the grant consentID. A period noticed already keeps its notice.
func (tx *Tx) MarkReconfirmed(ctx context.Context, consentID int64, period int, messageID int64) error {
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO consent_reconfirmations (consent_id, period, message_id, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (consent_id, period) DO NOTHING`, consentID, period, nullInt64(messageID), tx.Now); err != nil {
		return fmt.Errorf("mark consent %d re-confirmed: %w", consentID, err)
	}
	return nil
}

// Reconfirmations returns the periods of grant consentID re-confirmed so
// far, in order.
func (db *DB) Reconfirmations(ctx context.Context, consentID int64) ([]int, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT period FROM consent_reconfirmations WHERE consent_id = $1 ORDER BY period`, consentID)
	if err != nil {
		return nil, fmt.Errorf("re-confirmations of consent %d: %w", consentID, err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var p int
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
