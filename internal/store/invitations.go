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

var errInvitationNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Survey invitation not found.")

const invitationColumns = `id, survey_id, member_id, brand_id, message_id, cause, status, expires_at, created_at, answered_at`

func scanInvitation(row memberScanner) (fanmail.SurveyInvitation, error) {
	var v fanmail.SurveyInvitation
	var answered sql.NullTime
	err := row.Scan(&v.ID, &v.SurveyID, &v.MemberID, &v.BrandID, &v.MessageID, &v.Cause, &v.Status, &v.ExpiresAt, &v.CreatedAt, &answered)
	v.ExpiresAt, v.CreatedAt = v.ExpiresAt.UTC(), v.CreatedAt.UTC()
	if answered.Valid {
		t := answered.Time.UTC()
		v.AnsweredAt = &t
	}
	return v, err
}

// CreateInvitation inserts v as sent. When the member was already invited
// to the survey for the same cause, the existing invitation is returned with
// created false.
func (tx *Tx) CreateInvitation(ctx context.Context, v fanmail.SurveyInvitation) (fanmail.SurveyInvitation, bool, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `
		INSERT INTO survey_invitations (survey_id, member_id, brand_id, cause, status, expires_at, created_at)
		VALUES ($1, $2, $3, $4, 'sent', $5, $6)
		ON CONFLICT (survey_id, member_id, cause) DO NOTHING
		RETURNING id`, v.SurveyID, v.MemberID, v.BrandID, v.Cause, v.ExpiresAt.UTC(), tx.Now).Scan(&id)
	created := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return v, false, fmt.Errorf("create invitation: %w", mapError(err))
	}
	if !created {
		old, err := invitationWhere(ctx, tx, `survey_id = $1 AND member_id = $2 AND cause = $3`, v.SurveyID, v.MemberID, v.Cause)
		return old, false, err
	}
	v, err = invitationWhere(ctx, tx, `id = $1`, id)
	return v, true, err
}

// SetInvitationMessage records the outbox message carrying invitation id.
func (tx *Tx) SetInvitationMessage(ctx context.Context, id, messageID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE survey_invitations SET message_id = $1 WHERE id = $2`, messageID, id); err != nil {
		return fmt.Errorf("invitation %d message: %w", id, err)
	}
	return nil
}

// InvitationByID returns invitation id, or ENOTFOUND.
func (db *DB) InvitationByID(ctx context.Context, id int64) (fanmail.SurveyInvitation, error) {
	return invitationWhere(ctx, db.sql, `id = $1`, id)
}

// InvitationByID is DB.InvitationByID inside tx.
func (tx *Tx) InvitationByID(ctx context.Context, id int64) (fanmail.SurveyInvitation, error) {
	return invitationWhere(ctx, tx, `id = $1`, id)
}

func invitationWhere(ctx context.Context, q querier, where string, args ...any) (fanmail.SurveyInvitation, error) {
	return queryOne(ctx, q, scanInvitation, errInvitationNotFound, `SELECT `+invitationColumns+` FROM survey_invitations WHERE `+where, args...)
}

// MarkInvitationAnswered moves invitation id from sent to answered. It
// returns EEXPIRED when the invitation was answered or expired already.
func (tx *Tx) MarkInvitationAnswered(ctx context.Context, id int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE survey_invitations SET status = 'answered', answered_at = $1
		WHERE id = $2 AND status = 'sent'`, tx.Now, id)
	if err != nil {
		return fmt.Errorf("answer invitation %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fanmail.Errorf(fanmail.EEXPIRED, "This survey was already answered.")
	}
	return nil
}

// OpenInvitations returns the member's invitations still open at now (not
// answered, not expired, of an active survey), newest first.
func (db *DB) OpenInvitations(ctx context.Context, memberID int64, now time.Time) ([]fanmail.SurveyInvitation, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT i.`+strings.ReplaceAll(invitationColumns, ", ", ", i.")+`
		FROM survey_invitations i JOIN surveys s ON s.id = i.survey_id
		WHERE i.member_id = $1 AND i.status <> $2 AND i.expires_at > $3 AND s.active
		ORDER BY i.id DESC LIMIT 50`, memberID, fanmail.InvitationAnswered, now.UTC())
	if err != nil {
		return nil, fmt.Errorf("open invitations: %w", err)
	}
	defer rows.Close()
	var out []fanmail.SurveyInvitation
	for rows.Next() {
		v, err := scanInvitation(rows)
		if err != nil {
			return nil, fmt.Errorf("open invitations: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
