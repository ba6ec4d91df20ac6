package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fanmail/fanmail"
)

// fanRuleParams is the JSON of fan_rules.params.
type fanRuleParams struct {
	QuestionKey string         `json:"question_key,omitempty"`
	MinPosition int            `json:"min_position,omitempty"`
	Points      map[string]int `json:"points,omitempty"`
	Threshold   int            `json:"threshold,omitempty"`
}

var errFanRuleNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "This brand has no fan rule.")

func fanRule(ctx context.Context, q querier, brandID int64) (fanmail.FanRule, error) {
	r := fanmail.FanRule{BrandID: brandID}
	var params string
	err := q.QueryRowContext(ctx, `SELECT enabled, kind, params, updated_at FROM fan_rules WHERE brand_id = $1`,
		brandID).Scan(&r.Enabled, &r.Kind, &params, &r.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errFanRuleNotFound
	}
	if err != nil {
		return r, fmt.Errorf("fan rule of brand %d: %w", brandID, err)
	}
	var p fanRuleParams
	if err := json.Unmarshal([]byte(params), &p); err != nil {
		return r, fmt.Errorf("fan rule of brand %d: %w", brandID, err)
	}
	r.QuestionKey, r.MinPosition, r.Points, r.Threshold = p.QuestionKey, p.MinPosition, p.Points, p.Threshold
	r.UpdatedAt = r.UpdatedAt.UTC()
	return r, nil
}

// FanRule returns a brand's fan rule, or ENOTFOUND.
func (db *DB) FanRule(ctx context.Context, brandID int64) (fanmail.FanRule, error) {
	return fanRule(ctx, db.sql, brandID)
}

// FanRule returns a brand's fan rule, or ENOTFOUND.
func (tx *Tx) FanRule(ctx context.Context, brandID int64) (fanmail.FanRule, error) {
	return fanRule(ctx, tx, brandID)
}

// SetFanRule stores the validated rule r as its brand's, replacing any
// earlier one, and returns it as stored. A brand that does not exist is EINVALID.
func (db *DB) SetFanRule(ctx context.Context, r fanmail.FanRule) (fanmail.FanRule, error) {
	params, err := json.Marshal(fanRuleParams{QuestionKey: r.QuestionKey, MinPosition: r.MinPosition,
		Points: r.Points, Threshold: r.Threshold})
	if err != nil {
		return r, fmt.Errorf("set fan rule: %w", err)
	}
	r.UpdatedAt = db.Now()
	_, err = db.sql.ExecContext(ctx, `INSERT INTO fan_rules (brand_id, enabled, kind, params, updated_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (brand_id) DO UPDATE
		SET enabled = excluded.enabled, kind = excluded.kind, params = excluded.params, updated_at = excluded.updated_at`,
		r.BrandID, r.Enabled, r.Kind, string(params), r.UpdatedAt)
	if err != nil {
		return r, fmt.Errorf("set fan rule: %w", mapError(err))
	}
	return r, nil
}

const fanDecisionColumns = `id, member_id, brand_id, is_fan, rule, vals, response_id, decided_at`

func scanFanDecision(row interface{ Scan(...any) error }) (fanmail.FanDecision, error) {
	var d fanmail.FanDecision
	err := row.Scan(&d.ID, &d.MemberID, &d.BrandID, &d.IsFan, &d.Rule, &d.Values, &d.ResponseID, &d.DecidedAt)
	d.DecidedAt = d.DecidedAt.UTC()
	return d, err
}

var errFanDecisionNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Fan decision not found.")

// FanDecisionByResponse returns the decision a brand made on a survey
// response, or ENOTFOUND.
func (tx *Tx) FanDecisionByResponse(ctx context.Context, brandID, responseID int64) (fanmail.FanDecision, error) {
	d, err := scanFanDecision(tx.QueryRowContext(ctx, `SELECT `+fanDecisionColumns+` FROM fan_decisions
		WHERE brand_id = $1 AND response_id = $2`, brandID, responseID))
	if errors.Is(err, sql.ErrNoRows) {
		return d, errFanDecisionNotFound
	}
	if err != nil {
		return d, fmt.Errorf("fan decision: %w", err)
	}
	return d, nil
}

// RecordFanDecision stores d, decided at tx.Now, unless its brand already
// decided on d.ResponseID: then it returns that decision and created=false.
// A member or brand that does not exist is EINVALID.
func (tx *Tx) RecordFanDecision(ctx context.Context, d fanmail.FanDecision) (out fanmail.FanDecision, created bool, err error) {
	d.DecidedAt = tx.Now
	err = tx.QueryRowContext(ctx, `INSERT INTO fan_decisions
		(member_id, brand_id, is_fan, rule, vals, response_id, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (brand_id, response_id) DO NOTHING RETURNING id`,
		d.MemberID, d.BrandID, d.IsFan, d.Rule, d.Values, d.ResponseID, d.DecidedAt).Scan(&d.ID)
	if errors.Is(err, sql.ErrNoRows) {
		prior, err := tx.FanDecisionByResponse(ctx, d.BrandID, d.ResponseID)
		return prior, false, err
	}
	if err != nil {
		return d, false, fmt.Errorf("record fan decision: %w", mapError(err))
	}
	return d, true, nil
}

// AddFanMembership makes the member a fan of the brand since tx.Now, and
// reports whether they were not one before.
func (tx *Tx) AddFanMembership(ctx context.Context, memberID, brandID int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO fan_memberships (member_id, brand_id, since) VALUES ($1, $2, $3)
		ON CONFLICT (member_id, brand_id) DO NOTHING`, memberID, brandID, tx.Now)
	if err != nil {
		return false, fmt.Errorf("add fan membership: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("add fan membership: %w", err)
	}
	return n > 0, nil
}

// FanDecisions returns a member's fan decisions, newest first.
func (db *DB) FanDecisions(ctx context.Context, memberID int64) ([]fanmail.FanDecision, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+fanDecisionColumns+` FROM fan_decisions
		WHERE member_id = $1 ORDER BY id DESC`, memberID)
	if err != nil {
		return nil, fmt.Errorf("fan decisions: %w", err)
	}
	defer rows.Close()
	var out []fanmail.FanDecision
	for rows.Next() {
		d, err := scanFanDecision(rows)
		if err != nil {
			return nil, fmt.Errorf("fan decisions: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// FanMemberships returns the brands a member is a fan of, oldest first.
func (db *DB) FanMemberships(ctx context.Context, memberID int64) ([]fanmail.FanMembership, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT member_id, brand_id, since FROM fan_memberships
		WHERE member_id = $1 ORDER BY since, brand_id`, memberID)
	if err != nil {
		return nil, fmt.Errorf("fan memberships: %w", err)
	}
	defer rows.Close()
	var out []fanmail.FanMembership
	for rows.Next() {
		var m fanmail.FanMembership
		if err := rows.Scan(&m.MemberID, &m.BrandID, &m.Since); err != nil {
			return nil, fmt.Errorf("fan memberships: %w", err)
		}
		m.Since = m.Since.UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}
