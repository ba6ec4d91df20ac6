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

// memberColumns are the columns scanMember reads, in order. Other files that
// list members (search) select the same columns and reuse scanMember.
const memberColumns = `id, code, email, name, phone, birth_year, gender, postal_code, address,
	lang, status, source, shop_id, confirmed_at, last_login_at, login_count, visit_count, last_seen_at,
	created_at, updated_at, erased_at`

// memberScanner is a *sql.Row or *sql.Rows.
type memberScanner interface{ Scan(dest ...any) error }

// scanMember reads one row of memberColumns.
func scanMember(row memberScanner) (fanmail.Member, error) {
	var m fanmail.Member
	var code sql.NullString
	var shopID sql.NullInt64
	var confirmed, lastLogin, lastSeen, erased sql.NullTime
	err := row.Scan(&m.ID, &code, &m.Email, &m.Name, &m.Phone, &m.BirthYear, &m.Gender, &m.PostalCode, &m.Address,
		&m.Lang, &m.Status, &m.Source, &shopID, &confirmed, &lastLogin, &m.LoginCount, &m.VisitCount, &lastSeen,
		&m.CreatedAt, &m.UpdatedAt, &erased)
	if err != nil {
		return m, err
	}
	m.Code, m.ShopID = code.String, shopID.Int64
	m.ConfirmedAt, m.LastLoginAt, m.LastSeenAt = timeOrNil(confirmed), timeOrNil(lastLogin), timeOrNil(lastSeen)
	m.ErasedAt = timeOrNil(erased)
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return m, nil
}

func timeOrNil(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// optString maps "" to NULL, for optional unique columns.
func optString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

var errMemberNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Member not found.")

func memberWhere(ctx context.Context, q querier, where string, arg any) (fanmail.Member, error) {
	m, err := scanMember(q.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM members WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return m, errMemberNotFound
	}
	if err != nil {
		return m, fmt.Errorf("member: %w", err)
	}
	return m, nil
}

// MemberByID returns the member with id, or ENOTFOUND.
func (db *DB) MemberByID(ctx context.Context, id int64) (fanmail.Member, error) {
	return memberWhere(ctx, db.sql, `id = $1`, id)
}

// MemberByEmail returns the member with the address (normalized here), or
// ENOTFOUND.
func (db *DB) MemberByEmail(ctx context.Context, email string) (fanmail.Member, error) {
	return memberWhere(ctx, db.sql, `email_normalized = $1`, fanmail.NormalizeEmail(email))
}

// MemberByCode returns the member with the member id (code), or ENOTFOUND.
func (db *DB) MemberByCode(ctx context.Context, code string) (fanmail.Member, error) {
	return memberWhere(ctx, db.sql, `code = $1`, code)
}

// MemberByID returns the member with id inside the transaction, or ENOTFOUND.
func (tx *Tx) MemberByID(ctx context.Context, id int64) (fanmail.Member, error) {
	return memberWhere(ctx, tx, `id = $1`, id)
}

// EmailTaken reports whether a member other than exceptID uses the address.
func (tx *Tx) EmailTaken(ctx context.Context, email string, exceptID int64) (bool, error) {
	return tx.anyRows(ctx, `SELECT COUNT(*) FROM members WHERE email_normalized = $1 AND id <> $2`,
		fanmail.NormalizeEmail(email), exceptID)
}

// CodeTaken reports whether a member other than exceptID uses the member id.
func (tx *Tx) CodeTaken(ctx context.Context, code string, exceptID int64) (bool, error) {
	return tx.anyRows(ctx, `SELECT COUNT(*) FROM members WHERE code = $1 AND id <> $2`, code, exceptID)
}

func (tx *Tx) anyRows(ctx context.Context, query string, args ...any) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return false, fmt.Errorf("exists: %w", err)
	}
	return n > 0, nil
}

// CreateMember inserts m (ID, timestamps and login counters are ignored) and
// returns it as stored. A duplicate address or member id is ECONFLICT, and
// so is an address erased on request (ErrErased).
func (tx *Tx) CreateMember(ctx context.Context, m fanmail.Member) (fanmail.Member, error) {
	if err := tx.refuseErased(ctx, m.Email); err != nil {
		return m, err
	}
	var id int64
	err := tx.QueryRowContext(ctx, `
		INSERT INTO members (code, email, email_normalized, name, phone, phone_normalized, birth_year,
			gender, postal_code, address, lang, status, source, shop_id, confirmed_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
		RETURNING id`,
		optString(m.Code), m.Email, fanmail.NormalizeEmail(m.Email), m.Name, m.Phone, fanmail.NormalizePhone(m.Phone),
		m.BirthYear, m.Gender, m.PostalCode, m.Address, m.Lang, m.Status, m.Source, nullInt64(m.ShopID),
		optTime(m.ConfirmedAt), tx.Now).Scan(&id)
	if err != nil {
		return m, fmt.Errorf("create member: %w", mapError(err))
	}
	return tx.MemberByID(ctx, id)
}

func optTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}

// UpdateMember writes every non-nil field of u (already validated and
// normalized by the caller) and returns the member as stored. A duplicate
// address or member id is ECONFLICT; a missing member ENOTFOUND. An active
// member leaving that status is a withdrawal: mail already claimed for them
// is not handed to SMTP once tx commits.
func (tx *Tx) UpdateMember(ctx context.Context, id int64, u fanmail.MemberUpdate) (fanmail.Member, error) {
	if u.Status != nil && *u.Status != fanmail.MemberActive {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM members WHERE id = $1`, id).Scan(&status)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fanmail.Member{}, fmt.Errorf("update member %d: %w", id, err)
		}
		if status == fanmail.MemberActive {
			if err := tx.withdraw(ctx, id, WithdrawStatus, *u.Status); err != nil {
				return fanmail.Member{}, err
			}
		}
	}
	var sets []string
	var args []any
	set := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if u.Code != nil {
		set("code", optString(*u.Code))
	}
	if u.Email != nil {
		if err := tx.refuseErased(ctx, *u.Email); err != nil {
			return fanmail.Member{}, err
		}
		set("email", *u.Email)
		set("email_normalized", fanmail.NormalizeEmail(*u.Email))
	}
	if u.Name != nil {
		set("name", *u.Name)
	}
	if u.Phone != nil {
		set("phone", *u.Phone)
		set("phone_normalized", fanmail.NormalizePhone(*u.Phone))
	}
	if u.BirthYear != nil {
		set("birth_year", *u.BirthYear)
	}
	for col, p := range map[string]*string{"gender": u.Gender, "postal_code": u.PostalCode, "address": u.Address, "lang": u.Lang, "status": u.Status} {
		if p != nil {
			set(col, *p)
		}
	}
	set("updated_at", tx.Now)
	args = append(args, id)
	res, err := tx.ExecContext(ctx, `UPDATE members SET `+strings.Join(sets, ", ")+
		fmt.Sprintf(` WHERE id = $%d`, len(args)), args...)
	if err != nil {
		return fanmail.Member{}, fmt.Errorf("update member %d: %w", id, mapError(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fanmail.Member{}, errMemberNotFound
	}
	return tx.MemberByID(ctx, id)
}

// ConfirmMember makes a pending member active, stamping confirmed_at; other
// statuses are left alone. It returns the member as stored.
func (tx *Tx) ConfirmMember(ctx context.Context, id int64) (fanmail.Member, error) {
	if _, err := tx.ExecContext(ctx, `
		UPDATE members SET status = $1, confirmed_at = $2, updated_at = $2
		WHERE id = $3 AND status = $4`, fanmail.MemberActive, tx.Now, id, fanmail.MemberPending); err != nil {
		return fanmail.Member{}, fmt.Errorf("confirm member %d: %w", id, err)
	}
	return tx.MemberByID(ctx, id)
}

// RecordMemberLogin stamps last_login_at and counts the login.
func (tx *Tx) RecordMemberLogin(ctx context.Context, id int64) error {
	if _, err := tx.ExecContext(ctx, `
		UPDATE members SET last_login_at = $1, login_count = login_count + 1 WHERE id = $2`, tx.Now, id); err != nil {
		return fmt.Errorf("record login of member %d: %w", id, err)
	}
	return nil
}

// VisitGap is how long a member's requests may pause within one visit: a
// request this long or longer after the previous one counts a new visit.
const VisitGap = 30 * time.Minute

// RecordMemberVisit notes a request of member id to the portal at the
// database's now, counting a visit when it comes VisitGap or more after the
// previous one (or is the first). Requests within a minute of the last one
// noted write nothing (member.Service.RecordVisit does not even ask), so a
// member browsing costs one write a minute at most; a visit's last minute
// may thus go unseen.
func (db *DB) RecordMemberVisit(ctx context.Context, id int64) error {
	now := db.Now()
	if _, err := db.sql.ExecContext(ctx, `
		UPDATE members SET last_seen_at = $1,
			visit_count = visit_count + CASE WHEN last_seen_at IS NULL OR last_seen_at <= $2 THEN 1 ELSE 0 END
		WHERE id = $3 AND (last_seen_at IS NULL OR last_seen_at <= $4)`,
		now, now.Add(-VisitGap), id, now.Add(-time.Minute)); err != nil {
		return fmt.Errorf("record visit of member %d: %w", id, err)
	}
	return nil
}

// MemberPasswordHash returns the member's password hash, "" when none is set,
// or ENOTFOUND.
func (db *DB) MemberPasswordHash(ctx context.Context, id int64) (string, error) {
	var h string
	err := db.sql.QueryRowContext(ctx, `SELECT password_hash FROM members WHERE id = $1`, id).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errMemberNotFound
	}
	if err != nil {
		return "", fmt.Errorf("member password: %w", err)
	}
	return h, nil
}

// SetMemberPasswordHash stores a password hash ("" removes the password).
func (db *DB) SetMemberPasswordHash(ctx context.Context, id int64, hash string) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE members SET password_hash = $1, updated_at = $2 WHERE id = $3`,
		hash, db.Now(), id)
	if err != nil {
		return fmt.Errorf("set member password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errMemberNotFound
	}
	return nil
}
