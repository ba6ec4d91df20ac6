package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/fanmail/fanmail"
)

const rewardColumns = `id, brand_id, kind, name, name_en, product_id, cost, value, active, created_at, updated_at`

func scanReward(row interface{ Scan(...any) error }) (fanmail.Reward, error) {
	var r fanmail.Reward
	var brand, product sql.NullInt64
	err := row.Scan(&r.ID, &brand, &r.Kind, &r.Name, &r.NameEn, &product, &r.Cost, &r.Value, &r.Active,
		&r.CreatedAt, &r.UpdatedAt)
	r.BrandID, r.ProductID = brand.Int64, product.Int64
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, err
}

var errRewardNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Reward not found.")

func rewardWhere(ctx context.Context, q querier, where string, arg any) (fanmail.Reward, error) {
	r, err := scanReward(q.QueryRowContext(ctx, `SELECT `+rewardColumns+` FROM rewards WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errRewardNotFound
	}
	if err != nil {
		return r, fmt.Errorf("reward: %w", err)
	}
	return r, nil
}

// RewardByID returns the reward with id, active or not, or ENOTFOUND.
func (db *DB) RewardByID(ctx context.Context, id int64) (fanmail.Reward, error) {
	return rewardWhere(ctx, db.sql, `id = $1`, id)
}

// RewardByID returns the reward with id, active or not, or ENOTFOUND.
func (tx *Tx) RewardByID(ctx context.Context, id int64) (fanmail.Reward, error) {
	return rewardWhere(ctx, tx, `id = $1`, id)
}

// RewardFilter selects rewards.
type RewardFilter struct {
	BrandID    int64 // 0: every brand
	ActiveOnly bool
}

// Rewards returns the rewards matching f, by brand, then cost, then id.
func (db *DB) Rewards(ctx context.Context, f RewardFilter) ([]fanmail.Reward, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+rewardColumns+` FROM rewards
		WHERE (brand_id = $1 OR $1 = 0) AND (active OR NOT $2)
		ORDER BY COALESCE(brand_id, 0), cost, id`, f.BrandID, f.ActiveOnly)
	if err != nil {
		return nil, fmt.Errorf("rewards: %w", err)
	}
	defer rows.Close()
	var out []fanmail.Reward
	for rows.Next() {
		r, err := scanReward(rows)
		if err != nil {
			return nil, fmt.Errorf("rewards: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CreateReward stores a validated reward and returns it with its ID. A brand
// or product that does not exist is EINVALID.
func (db *DB) CreateReward(ctx context.Context, r fanmail.Reward) (fanmail.Reward, error) {
	now := db.Now()
	err := db.sql.QueryRowContext(ctx, `INSERT INTO rewards
		(brand_id, kind, name, name_en, product_id, cost, value, active, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		nullInt64(r.BrandID), r.Kind, r.Name, r.NameEn, nullInt64(r.ProductID), r.Cost, r.Value, r.Active,
		now).Scan(&r.ID)
	if err != nil {
		return r, fmt.Errorf("create reward: %w", mapError(err))
	}
	r.CreatedAt, r.UpdatedAt = now, now
	return r, nil
}

// UpdateReward writes every field of the validated reward r but its brand,
// kind and creation time, and returns it as stored; ENOTFOUND if there is
// no reward r.ID.
func (db *DB) UpdateReward(ctx context.Context, r fanmail.Reward) (fanmail.Reward, error) {
	res, err := db.sql.ExecContext(ctx, `UPDATE rewards SET name = $2, name_en = $3, product_id = $4,
		cost = $5, value = $6, active = $7, updated_at = $8 WHERE id = $1`,
		r.ID, r.Name, r.NameEn, nullInt64(r.ProductID), r.Cost, r.Value, r.Active, db.Now())
	if err != nil {
		return r, fmt.Errorf("update reward %d: %w", r.ID, mapError(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return r, errRewardNotFound
	}
	return db.RewardByID(ctx, r.ID)
}

const redemptionColumns = `id, idempotency_key, member_id, brand_id, reward_id, certificate_id, cost,
	shop_id, staff_id, state, created_at`

func scanRedemption(row interface{ Scan(...any) error }) (fanmail.Redemption, error) {
	var r fanmail.Redemption
	var brand, reward, cert, shop, staff sql.NullInt64
	err := row.Scan(&r.ID, &r.IdempotencyKey, &r.MemberID, &brand, &reward, &cert, &r.Cost,
		&shop, &staff, &r.State, &r.CreatedAt)
	r.BrandID, r.RewardID, r.CertificateID = brand.Int64, reward.Int64, cert.Int64
	r.ShopID, r.StaffID = shop.Int64, staff.Int64
	r.CreatedAt = r.CreatedAt.UTC()
	return r, err
}

var errRedemptionNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Redemption not found.")

func redemptionWhere(ctx context.Context, q querier, where string, arg any) (fanmail.Redemption, error) {
	r, err := scanRedemption(q.QueryRowContext(ctx, `SELECT `+redemptionColumns+` FROM redemptions WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errRedemptionNotFound
	}
	if err != nil {
		return r, fmt.Errorf("redemption: %w", err)
	}
	return r, nil
}

// RedemptionByID returns the redemption with id, or ENOTFOUND.
func (db *DB) RedemptionByID(ctx context.Context, id int64) (fanmail.Redemption, error) {
	return redemptionWhere(ctx, db.sql, `id = $1`, id)
}

// RedemptionByID returns the redemption with id, or ENOTFOUND.
func (tx *Tx) RedemptionByID(ctx context.Context, id int64) (fanmail.Redemption, error) {
	return redemptionWhere(ctx, tx, `id = $1`, id)
}

// RedemptionByKey returns the redemption made with an idempotency key, or ENOTFOUND.
func (tx *Tx) RedemptionByKey(ctx context.Context, key string) (fanmail.Redemption, error) {
	return redemptionWhere(ctx, tx, `idempotency_key = $1`, key)
}

// Redemptions returns a member's redemptions, newest first.
func (db *DB) Redemptions(ctx context.Context, memberID int64) ([]fanmail.Redemption, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+redemptionColumns+` FROM redemptions
		WHERE member_id = $1 ORDER BY id DESC`, memberID)
	if err != nil {
		return nil, fmt.Errorf("redemptions: %w", err)
	}
	defer rows.Close()
	var out []fanmail.Redemption
	for rows.Next() {
		r, err := scanRedemption(rows)
		if err != nil {
			return nil, fmt.Errorf("redemptions: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

var errKeyReused = &fanmail.Error{Code: fanmail.ECONFLICT, Field: "idempotency_key",
	Message: "This request key was already used for another redemption."}

// Redeem records redemption r and does it: for a reward (r.RewardID), it
// debits r.Cost chips of r.BrandID with a redeem entry; for a gift
// certificate (r.CertificateID, no reward), it redeems the certificate. It
// is idempotent on r.IdempotencyKey: a redemption already made with the key
// is returned with created=false and nothing is done again; if it asked for
// something else (Redemption.SameRequest) that is ECONFLICT naming
// idempotency_key. Too few chips is EINVALID ("Not enough chips."); a
// certificate that cannot be redeemed fails as Certificate.CanRedeem says.
func (tx *Tx) Redeem(ctx context.Context, r fanmail.Redemption) (out fanmail.Redemption, created bool, err error) {
	r.State = fanmail.RedemptionDone
	// The key is claimed first: a concurrent request with the same key
	// then waits here (PostgreSQL) for this one to commit and finds its
	// row, rather than racing it for the balance.
	err = tx.QueryRowContext(ctx, `INSERT INTO redemptions
		(idempotency_key, member_id, brand_id, reward_id, certificate_id, cost, shop_id, staff_id, state, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
		r.IdempotencyKey, r.MemberID, nullInt64(r.BrandID), nullInt64(r.RewardID), nullInt64(r.CertificateID),
		r.Cost, nullInt64(r.ShopID), nullInt64(r.StaffID), r.State, tx.Now).Scan(&r.ID)
	if errors.Is(err, sql.ErrNoRows) {
		prior, err := tx.RedemptionByKey(ctx, r.IdempotencyKey)
		if err != nil {
			return prior, false, err
		}
		if !prior.SameRequest(r) {
			return prior, false, errKeyReused
		}
		return prior, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("redeem: %w", mapError(err))
	}
	r.CreatedAt = tx.Now
	if r.RewardID == 0 {
		_, err = tx.RedeemCertificate(ctx, r.CertificateID, r.ShopID)
		return r, err == nil, err
	}
	_, _, err = tx.appendEntry(ctx, fanmail.LedgerEntry{
		MemberID: r.MemberID, BrandID: r.BrandID, Unit: fanmail.UnitChip, Op: fanmail.OpRedeem,
		Amount: -r.Cost, Reason: fanmail.ReasonRedemption, RedemptionID: r.ID,
		Ref: "redemption:" + strconv.FormatInt(r.ID, 10),
	})
	return r, err == nil, err
}

// SetRedemptionCertificate records the gift certificate a redemption issued.
func (tx *Tx) SetRedemptionCertificate(ctx context.Context, id, certificateID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE redemptions SET certificate_id = $2 WHERE id = $1`,
		id, certificateID); err != nil {
		return fmt.Errorf("set redemption %d certificate: %w", id, err)
	}
	return nil
}
