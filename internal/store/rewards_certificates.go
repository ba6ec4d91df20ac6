package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fanmail/fanmail"
)

const certificateColumns = `id, code, member_id, brand_id, value, state, reason, ref, expires_at, redeemed_at,
	shop_id, created_at`

func scanCertificate(row interface{ Scan(...any) error }) (fanmail.Certificate, error) {
	var c fanmail.Certificate
	var brand, shop sql.NullInt64
	var expires, redeemed sql.NullTime
	err := row.Scan(&c.ID, &c.Code, &c.MemberID, &brand, &c.Value, &c.State, &c.Reason, &c.Ref,
		&expires, &redeemed, &shop, &c.CreatedAt)
	c.BrandID, c.ShopID = brand.Int64, shop.Int64
	c.ExpiresAt, c.RedeemedAt = timeOrNil(expires), timeOrNil(redeemed)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

var (
	errCertificateNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Gift certificate not found.")
	errCertificateCode     = &fanmail.Error{Code: fanmail.ECONFLICT, Field: "code",
		Message: "This gift certificate code is taken."}
	errCertificateRef = &fanmail.Error{Code: fanmail.ECONFLICT, Field: "ref",
		Message: "This reference was already used for another gift certificate."}
)

func certificateWhere(ctx context.Context, q querier, where string, arg any) (fanmail.Certificate, error) {
	c, err := scanCertificate(q.QueryRowContext(ctx, `SELECT `+certificateColumns+` FROM certificates WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errCertificateNotFound
	}
	if err != nil {
		return c, fmt.Errorf("certificate: %w", err)
	}
	return c, nil
}

// CertificateByCode returns the gift certificate with the (canonical) code,
// in any state, or ENOTFOUND.
func (db *DB) CertificateByCode(ctx context.Context, code string) (fanmail.Certificate, error) {
	return certificateWhere(ctx, db.sql, `code = $1`, code)
}

// CertificateByCode returns the gift certificate with the (canonical) code,
// in any state, or ENOTFOUND.
func (tx *Tx) CertificateByCode(ctx context.Context, code string) (fanmail.Certificate, error) {
	return certificateWhere(ctx, tx, `code = $1`, code)
}

// CertificateByID returns the gift certificate with id, or ENOTFOUND.
func (db *DB) CertificateByID(ctx context.Context, id int64) (fanmail.Certificate, error) {
	return certificateWhere(ctx, db.sql, `id = $1`, id)
}

// Certificates returns a member's gift certificates, newest first.
func (db *DB) Certificates(ctx context.Context, memberID int64) ([]fanmail.Certificate, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+certificateColumns+` FROM certificates
		WHERE member_id = $1 ORDER BY id DESC`, memberID)
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	defer rows.Close()
	var out []fanmail.Certificate
	for rows.Next() {
		c, err := scanCertificate(rows)
		if err != nil {
			return nil, fmt.Errorf("certificates: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// IssueCertificate stores a validated gift certificate in state issued. It
// is idempotent on c.Ref: when a certificate with that ref exists it is
// returned with created=false (ECONFLICT naming ref if it is for another
// member or value). A code already taken is ECONFLICT naming code; a member
// or brand that does not exist is EINVALID.
func (tx *Tx) IssueCertificate(ctx context.Context, c fanmail.Certificate) (out fanmail.Certificate, created bool, err error) {
	c.State = fanmail.CertIssued
	err = tx.QueryRowContext(ctx, `INSERT INTO certificates
		(code, member_id, brand_id, value, state, reason, ref, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (ref) DO NOTHING RETURNING id`,
		c.Code, c.MemberID, nullInt64(c.BrandID), c.Value, c.State, c.Reason, c.Ref, optTime(c.ExpiresAt),
		tx.Now).Scan(&c.ID)
	if errors.Is(err, sql.ErrNoRows) {
		prior, err := certificateWhere(ctx, tx, `ref = $1`, c.Ref)
		if err == nil && (prior.MemberID != c.MemberID || prior.Value != c.Value) {
			err = errCertificateRef
		}
		return prior, false, err
	}
	if isUniqueViolation(err) {
		return c, false, errCertificateCode
	}
	if err != nil {
		return c, false, fmt.Errorf("issue certificate: %w", mapError(err))
	}
	c.CreatedAt = tx.Now
	c.ExpiresAt = utcOrNil(c.ExpiresAt)
	return c, true, nil
}

func utcOrNil(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// RedeemCertificate marks gift certificate id redeemed at tx.Now in shop
// shopID (0: none). It succeeds once: a certificate that is not issued or
// has expired fails as Certificate.CanRedeem says (ECONFLICT when already
// redeemed, EEXPIRED, EINVALID when void); an unknown id is ENOTFOUND.
func (tx *Tx) RedeemCertificate(ctx context.Context, id, shopID int64) (fanmail.Certificate, error) {
	c, err := scanCertificate(tx.QueryRowContext(ctx, `UPDATE certificates
		SET state = 'redeemed', redeemed_at = $2, shop_id = $3
		WHERE id = $1 AND state = 'issued' AND (expires_at IS NULL OR expires_at > $2)
		RETURNING `+certificateColumns, id, tx.Now, nullInt64(shopID)))
	if errors.Is(err, sql.ErrNoRows) {
		return tx.whyNot(ctx, id)
	}
	if err != nil {
		return c, fmt.Errorf("redeem certificate %d: %w", id, mapError(err))
	}
	return c, nil
}

// whyNot returns the error explaining why certificate id could not change.
func (tx *Tx) whyNot(ctx context.Context, id int64) (fanmail.Certificate, error) {
	c, err := certificateWhere(ctx, tx, `id = $1`, id)
	if err != nil {
		return c, err
	}
	if err := c.CanRedeem(tx.Now); err != nil {
		return c, err
	}
	return c, fmt.Errorf("certificate %d: state %s did not change", id, c.State)
}

// VoidCertificate makes an issued gift certificate void. Voiding a void one
// again is a no-op; a redeemed one is ECONFLICT, an expired one EEXPIRED, an
// unknown id ENOTFOUND.
func (tx *Tx) VoidCertificate(ctx context.Context, id int64) (fanmail.Certificate, error) {
	c, err := scanCertificate(tx.QueryRowContext(ctx, `UPDATE certificates SET state = 'void'
		WHERE id = $1 AND state = 'issued' RETURNING `+certificateColumns, id))
	if errors.Is(err, sql.ErrNoRows) {
		c, err := certificateWhere(ctx, tx, `id = $1`, id)
		if err != nil || c.State == fanmail.CertVoid {
			return c, err
		}
		return tx.whyNot(ctx, id)
	}
	if err != nil {
		return c, fmt.Errorf("void certificate %d: %w", id, err)
	}
	return c, nil
}

// ExpireCertificates marks every issued gift certificate whose expiry is
// not after now as expired, and returns how many it marked.
func (db *DB) ExpireCertificates(ctx context.Context, now time.Time) (int, error) {
	res, err := db.sql.ExecContext(ctx, `UPDATE certificates SET state = 'expired'
		WHERE state = 'issued' AND expires_at <= $1`, now.UTC())
	if err != nil {
		return 0, fmt.Errorf("expire certificates: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("expire certificates: %w", err)
	}
	return int(n), nil
}
