package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
)

// Erasure
//
// An erased member's row stays as a numbered placeholder: the records kept
// by law or for the ledger (fanmail.ErasureKeeps) point at it. Everything
// personal goes in one transaction. The address lives on only as a keyed
// hash (HMAC-SHA256 with a secret kept in settings, like the link key) on
// the suppression list, so CreateMember, UpdateMember and imports refuse it
// until the person joins again on the join page (LiftErasure).

// SuppressErased is the suppression reason of an erased address's hash.
const SuppressErased = "erased"

// erasureSecretKey names the setting with the HMAC key of erased addresses.
const erasureSecretKey = "erasure_secret"

// erasedPrefix starts the suppression entry of an erased address's hash, so
// it can never equal a real address.
const erasedPrefix = "erased:"

// ErrErased is returned when an address erased on request is to be stored
// again by anyone but the person (an import, staff, the API).
var ErrErased = &fanmail.Error{Code: fanmail.ECONFLICT, Field: "email",
	Message: "This address was erased on request. Only the person can join again, on the join page."}

// ReasonErased is the import error of a row whose address was erased.
const ReasonErased = "Erased on request: only the person can join again, on the join page."

// EraseOptions say who erases a member and how open obligations are settled.
type EraseOptions struct {
	Source string // fanmail.SourcePortal when the member left; "admin", "api", "cli" or "retention" otherwise
	UserID int64  // the staff user; 0 when the member left
	Reason string // why (the request's reference); required for staff
	// VoidCertificates voids the member's unused gift certificates; without
	// it an erasure of a member holding one is refused.
	VoidCertificates bool
}

// Erasure is what an erasure did.
type Erasure struct {
	MemberID         int64
	VoidedCerts      int
	DeletedMessages  int64
	AnonymisedEvents int64
}

// erasureKey returns the HMAC key of erased addresses, creating it when
// create is set; without it an unset key is nil (nothing was ever erased).
func (tx *Tx) erasureKey(ctx context.Context, create bool) ([]byte, error) {
	if k := tx.db.erasureKey.Load(); k != nil {
		return *k, nil
	}
	if create {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
			erasureSecretKey, rand.Text()+rand.Text()); err != nil {
			return nil, fmt.Errorf("init erasure key: %w", err)
		}
	}
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, erasureSecretKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("erasure key: %w", err)
	}
	k := []byte(v)
	tx.db.erasureKey.Store(&k)
	return k, nil
}

// erasedEntry is the suppression entry of email under key.
func erasedEntry(key []byte, email string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(fanmail.NormalizeEmail(email)))
	return erasedPrefix + hex.EncodeToString(m.Sum(nil))
}

// IsErased reports whether email was erased on request and not lifted.
func (tx *Tx) IsErased(ctx context.Context, email string) (bool, error) {
	key, err := tx.erasureKey(ctx, false)
	if err != nil || key == nil {
		return false, err
	}
	return isSuppressed(ctx, tx, erasedEntry(key, email))
}

// IsErased is IsErased outside a transaction.
func (db *DB) IsErased(ctx context.Context, email string) (bool, error) {
	var erased bool
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		erased, err = tx.IsErased(ctx, email)
		return err
	})
	return erased, err
}

func (tx *Tx) refuseErased(ctx context.Context, email string) error {
	erased, err := tx.IsErased(ctx, email)
	if err != nil {
		return err
	}
	if erased {
		return ErrErased
	}
	return nil
}

// LiftErasure removes the erased mark of email: the person joins again
// with fresh consent. It reports whether there was one.
func (tx *Tx) LiftErasure(ctx context.Context, email string) (bool, error) {
	key, err := tx.erasureKey(ctx, false)
	if err != nil || key == nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM suppressions WHERE email_normalized = $1`, erasedEntry(key, email))
	if err != nil {
		return false, fmt.Errorf("lift erasure: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// erasedAmong returns which of the normalized addresses were erased.
func (tx *Tx) erasedAmong(ctx context.Context, emails []any) (map[string]bool, error) {
	key, err := tx.erasureKey(ctx, false)
	if err != nil || key == nil || len(emails) == 0 {
		return nil, err
	}
	byEntry := make(map[string]string, len(emails))
	entries := make([]any, 0, len(emails))
	for _, e := range emails {
		en := erasedEntry(key, e.(string))
		byEntry[en] = e.(string)
		entries = append(entries, en)
	}
	out := map[string]bool{}
	err = tx.queryIn(ctx, `SELECT email_normalized FROM suppressions WHERE email_normalized IN `, entries,
		func(rows *sql.Rows) error {
			var en string
			if err := rows.Scan(&en); err != nil {
				return err
			}
			out[byEntry[en]] = true
			return nil
		})
	return out, err
}

// UnusedCertificates counts the member's gift certificates still issued,
// which an erasure must void or wait for.
func (tx *Tx) UnusedCertificates(ctx context.Context, memberID int64) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM certificates WHERE member_id = $1 AND state = 'issued'`,
		memberID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("unused certificates of member %d: %w", memberID, err)
	}
	return n, nil
}

// EraseMember removes or anonymises every personal detail of the member
// and keeps what fanmail.ErasureKeeps lists. Errors: ENOTFOUND; ECONFLICT
// for a member already erased, or one with unused gift certificates unless
// o.VoidCertificates. It is a withdrawal: no mail claimed for the member is
// handed to SMTP once tx commits.
func (tx *Tx) EraseMember(ctx context.Context, id int64, o EraseOptions) (Erasure, error) {
	res := Erasure{MemberID: id}
	m, err := tx.MemberByID(ctx, id)
	if err != nil {
		return res, err
	}
	if m.ErasedAt != nil {
		return res, fanmail.Errorf(fanmail.ECONFLICT, "This member was already erased.")
	}
	unused, err := tx.UnusedCertificates(ctx, id)
	if err != nil {
		return res, err
	}
	if unused > 0 && !o.VoidCertificates {
		return res, &fanmail.Error{Code: fanmail.ECONFLICT, Field: "void_certificates", Args: []any{unused},
			Message: "The member holds %d unused gift certificate(s). Void them with the erasure (void certificates) or wait until they are used."}
	}
	if err := tx.withdraw(ctx, id, WithdrawStatus, "erased"); err != nil {
		return res, err
	}
	key, err := tx.erasureKey(ctx, true)
	if err != nil {
		return res, err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO suppressions (email_normalized, reason, source, created_at) VALUES ($1, $2, 'erasure', $3)
		ON CONFLICT (email_normalized) DO NOTHING`, erasedEntry(key, m.Email), SuppressErased, tx.Now); err != nil {
		return res, fmt.Errorf("erase member %d: suppress: %w", id, err)
	}
	if err := tx.withdrawConsents(ctx, id); err != nil {
		return res, err
	}
	brands, err := tx.BrandPreferences(ctx, id)
	if err != nil {
		return res, err
	}
	for _, b := range brands {
		if _, err := tx.RemoveBrandPreference(ctx, id, b); err != nil {
			return res, err
		}
	}
	if o.VoidCertificates {
		r, err := tx.ExecContext(ctx, `UPDATE certificates SET state = 'void' WHERE member_id = $1 AND state = 'issued'`, id)
		if err != nil {
			return res, fmt.Errorf("erase member %d: void certificates: %w", id, err)
		}
		n, _ := r.RowsAffected()
		res.VoidedCerts = int(n)
	}
	if res.DeletedMessages, err = tx.execCount(ctx, `DELETE FROM messages WHERE member_id = $1`, id); err != nil {
		return res, err
	}
	if res.AnonymisedEvents, err = tx.execCount(ctx,
		`UPDATE events SET member_id = NULL, send_id = NULL, detail = '' WHERE member_id = $1`, id); err != nil {
		return res, err
	}
	e := fanmail.NormalizeEmail(m.Email)
	for _, q := range []struct {
		query string
		arg   any
	}{
		{`DELETE FROM sessions WHERE member_id = $1`, id},
		{`DELETE FROM link_tokens WHERE member_id = $1`, id},
		{`DELETE FROM answers WHERE member_id = $1`, id},
		{`DELETE FROM member_profiles WHERE member_id = $1`, id},
		{`DELETE FROM member_engagement WHERE member_id = $1`, id},
		{`DELETE FROM fan_decisions WHERE member_id = $1`, id},
		{`DELETE FROM fan_memberships WHERE member_id = $1`, id},
		{`DELETE FROM survey_responses WHERE member_id = $1`, id},
		{`DELETE FROM survey_invitations WHERE member_id = $1`, id},
		{`DELETE FROM sends WHERE member_id = $1`, id},
		{`DELETE FROM flow_events WHERE member_id = $1`, id},
		{`UPDATE ledger_entries SET note = '' WHERE member_id = $1`, id},
		{`UPDATE consents SET ip = '' WHERE member_id = $1`, id},
		{`DELETE FROM suppressions WHERE email_normalized = $1`, e},
		{`DELETE FROM soft_bounces WHERE email_normalized = $1`, e},
		{`DELETE FROM address_health WHERE email_normalized = $1`, e},
	} {
		if _, err := tx.execCount(ctx, q.query, q.arg); err != nil {
			return res, err
		}
	}
	placeholder := fmt.Sprintf("erased-%d@erased.invalid", id)
	if _, err := tx.ExecContext(ctx, `
		UPDATE members SET code = NULL, email = $2, email_normalized = $2, name = '', phone = '', phone_normalized = '',
			birth_year = 0, gender = '', postal_code = '', address = '', timezone = '', password_hash = '',
			status = $3, import_id = NULL, erased_at = $4, updated_at = $4
		WHERE id = $1`, id, placeholder, fanmail.MemberInactive, tx.Now); err != nil {
		return res, fmt.Errorf("erase member %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO erasures (member_id, source, user_id, reason, voided, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, o.Source, nullInt64(o.UserID), strings.TrimSpace(o.Reason), res.VoidedCerts, tx.Now); err != nil {
		return res, fmt.Errorf("record erasure of member %d: %w", id, err)
	}
	return res, nil
}

// withdrawConsents records the withdrawal of every purpose the member had
// granted (the history shows the erasure ended them) and leaves none
// granted.
func (tx *Tx) withdrawConsents(ctx context.Context, id int64) error {
	cur, err := tx.CurrentConsents(ctx, id)
	if err != nil {
		return err
	}
	for _, p := range fanmail.Purposes {
		if !cur[p] {
			continue
		}
		if err := tx.AddConsent(ctx, fanmail.Consent{MemberID: id, Purpose: p, Channel: fanmail.ChannelOf(p),
			Granted: false, Source: fanmail.SourceErasure, Version: fanmail.ConsentWordingVersion}); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) execCount(ctx context.Context, query string, args ...any) (int64, error) {
	r, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("erase: %s: %w", strings.Fields(query)[0]+" "+strings.Fields(query)[2], err)
	}
	n, _ := r.RowsAffected()
	return n, nil
}

// CampaignMail is one campaign mail a member received.
type CampaignMail struct {
	CampaignID int64
	Subject    string
	State      string
	SentAt     *time.Time
}

// CampaignMailsOf returns the campaign mails sent or queued for the member,
// oldest first, for the member's copy of their data.
func (db *DB) CampaignMailsOf(ctx context.Context, memberID int64) ([]CampaignMail, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT s.campaign_id, c.subject, s.state, s.sent_at FROM sends s JOIN campaigns c ON c.id = s.campaign_id
		WHERE s.member_id = $1 ORDER BY s.id`, memberID)
	if err != nil {
		return nil, fmt.Errorf("campaign mails of member %d: %w", memberID, err)
	}
	defer rows.Close()
	var out []CampaignMail
	for rows.Next() {
		var m CampaignMail
		var sent sql.NullTime
		if err := rows.Scan(&m.CampaignID, &m.Subject, &m.State, &sent); err != nil {
			return nil, fmt.Errorf("campaign mails of member %d: %w", memberID, err)
		}
		m.SentAt = timeOrNil(sent)
		out = append(out, m)
	}
	return out, rows.Err()
}
