package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/fanmail/fanmail"
)

// ReplaceAnswers deletes the member's answers to the questions listed and
// stores answers (already validated) in their place: one row per chosen
// option, plus one row for free text or the explanation of "other".
func (tx *Tx) ReplaceAnswers(ctx context.Context, memberID int64, questionIDs []int64, answers []fanmail.Answer) error {
	for _, qid := range questionIDs {
		if _, err := tx.ExecContext(ctx, `DELETE FROM answers WHERE member_id = $1 AND question_id = $2`, memberID, qid); err != nil {
			return fmt.Errorf("replace answers of member %d: %w", memberID, err)
		}
	}
	insert := func(qid int64, option sql.NullInt64, other bool, text string) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO answers (member_id, question_id, option_id, is_other, text, answered_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, memberID, qid, option, other, text, tx.Now)
		if err != nil {
			return fmt.Errorf("store answer of member %d: %w", memberID, mapError(err))
		}
		return nil
	}
	for _, a := range answers {
		for _, oid := range a.OptionIDs {
			if err := insert(a.QuestionID, nullInt64(oid), false, ""); err != nil {
				return err
			}
		}
		if a.Other || a.Text != "" {
			if err := insert(a.QuestionID, sql.NullInt64{}, a.Other, a.Text); err != nil {
				return err
			}
		}
	}
	return nil
}

// Answers returns the member's answers, one per question answered, in the
// order of the questions.
func (db *DB) Answers(ctx context.Context, memberID int64) ([]fanmail.Answer, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT a.question_id, a.option_id, a.is_other, a.text, a.answered_at
		FROM answers a JOIN questions q ON q.id = a.question_id
		LEFT JOIN question_options o ON o.id = a.option_id
		WHERE a.member_id = $1
		ORDER BY q.survey, q.position, q.id, o.position, a.id`, memberID)
	if err != nil {
		return nil, fmt.Errorf("answers of member %d: %w", memberID, err)
	}
	defer rows.Close()
	var out []fanmail.Answer
	for rows.Next() {
		var qid int64
		var option sql.NullInt64
		var other bool
		var text string
		var at sql.NullTime
		if err := rows.Scan(&qid, &option, &other, &text, &at); err != nil {
			return nil, fmt.Errorf("answers of member %d: %w", memberID, err)
		}
		if len(out) == 0 || out[len(out)-1].QuestionID != qid {
			out = append(out, fanmail.Answer{MemberID: memberID, QuestionID: qid, AnsweredAt: at.Time.UTC()})
		}
		a := &out[len(out)-1]
		switch {
		case option.Valid:
			a.OptionIDs = append(a.OptionIDs, option.Int64)
		default:
			a.Other, a.Text = other, text
		}
	}
	return out, rows.Err()
}
