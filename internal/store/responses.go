package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/fanmail/fanmail"
)

// CreateResponse stores r and its answers (already validated) and returns
// its id: one row per chosen option, one per number, one for free text or
// the explanation of "other". A second response to the same invitation is
// ECONFLICT.
func (tx *Tx) CreateResponse(ctx context.Context, r fanmail.SurveyResponse) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `
		INSERT INTO survey_responses (invitation_id, survey_id, member_id, brand_id, submitted_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		nullInt64(r.InvitationID), r.SurveyID, r.MemberID, r.BrandID, tx.Now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create response: %w", mapError(err))
	}
	for _, a := range r.Answers {
		if err := tx.insertAnswer(ctx, id, a); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func (tx *Tx) insertAnswer(ctx context.Context, responseID int64, a fanmail.Answer) error {
	insert := func(option sql.NullInt64, number sql.NullInt64, text string, other bool) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO survey_answers (response_id, question_id, option_id, number, text, is_other)
			VALUES ($1, $2, $3, $4, $5, $6)`, responseID, a.QuestionID, option, number, text, other)
		if err != nil {
			return fmt.Errorf("store answer of response %d: %w", responseID, mapError(err))
		}
		return nil
	}
	for _, oid := range a.OptionIDs {
		if err := insert(nullInt64(oid), sql.NullInt64{}, "", false); err != nil {
			return err
		}
	}
	if a.Number != nil {
		if err := insert(sql.NullInt64{}, sql.NullInt64{Int64: int64(*a.Number), Valid: true}, "", false); err != nil {
			return err
		}
	}
	if a.Other || a.Text != "" {
		return insert(sql.NullInt64{}, sql.NullInt64{}, a.Text, a.Other)
	}
	return nil
}

// CountAnswers adds answers to survey_answer_counts under gender and age
// band: one count per chosen option, per "other" and per number.
func (tx *Tx) CountAnswers(ctx context.Context, answers []fanmail.Answer, gender, ageBand string) error {
	add := func(qid, option int64, number int, other bool) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO survey_answer_counts (question_id, option_id, number, is_other, gender, age_band, count)
			VALUES ($1, $2, $3, $4, $5, $6, 1)
			ON CONFLICT (question_id, option_id, number, is_other, gender, age_band)
			DO UPDATE SET count = survey_answer_counts.count + 1`, qid, option, number, other, gender, ageBand)
		if err != nil {
			return fmt.Errorf("count answers of question %d: %w", qid, err)
		}
		return nil
	}
	for _, a := range answers {
		for _, oid := range a.OptionIDs {
			if err := add(a.QuestionID, oid, 0, false); err != nil {
				return err
			}
		}
		if a.Number != nil {
			if err := add(a.QuestionID, 0, *a.Number, false); err != nil {
				return err
			}
		}
		if a.Other {
			if err := add(a.QuestionID, 0, 0, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// AnswerCount is how often members of a gender and age band gave one answer
// to a question: an option (OptionID), "other" (Other) or a number.
type AnswerCount struct {
	QuestionID int64
	OptionID   int64
	Number     int
	Other      bool
	Gender     string
	AgeBand    string
	Count      int64
}

// AnswerCounts returns the answer counts of the questions of survey key,
// leaving out zero counts.
func (db *DB) AnswerCounts(ctx context.Context, surveyKey string) ([]AnswerCount, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT c.question_id, c.option_id, c.number, c.is_other, c.gender, c.age_band, c.count
		FROM survey_answer_counts c JOIN questions q ON q.id = c.question_id
		WHERE q.survey = $1 AND c.count <> 0
		ORDER BY q.position, c.question_id, c.option_id, c.number, c.is_other, c.gender, c.age_band`, surveyKey)
	if err != nil {
		return nil, fmt.Errorf("answer counts of %s: %w", surveyKey, err)
	}
	defer rows.Close()
	var out []AnswerCount
	for rows.Next() {
		var c AnswerCount
		if err := rows.Scan(&c.QuestionID, &c.OptionID, &c.Number, &c.Other, &c.Gender, &c.AgeBand, &c.Count); err != nil {
			return nil, fmt.Errorf("answer counts of %s: %w", surveyKey, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CountResponses returns how many responses survey id has.
func (db *DB) CountResponses(ctx context.Context, surveyID int64) (int, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1`, surveyID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count responses of survey %d: %w", surveyID, err)
	}
	return n, nil
}

// ResponsesOfMember returns the member's survey responses, newest first,
// each with its answers in question order.
func (db *DB) ResponsesOfMember(ctx context.Context, memberID int64) ([]fanmail.SurveyResponse, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT id, invitation_id, survey_id, member_id, brand_id, submitted_at
		FROM survey_responses WHERE member_id = $1 ORDER BY id DESC`, memberID)
	if err != nil {
		return nil, fmt.Errorf("responses of member %d: %w", memberID, err)
	}
	defer rows.Close()
	var out []fanmail.SurveyResponse
	index := map[int64]int{}
	for rows.Next() {
		var r fanmail.SurveyResponse
		var inv sql.NullInt64
		if err := rows.Scan(&r.ID, &inv, &r.SurveyID, &r.MemberID, &r.BrandID, &r.SubmittedAt); err != nil {
			return nil, fmt.Errorf("responses of member %d: %w", memberID, err)
		}
		r.InvitationID, r.SubmittedAt = inv.Int64, r.SubmittedAt.UTC()
		index[r.ID] = len(out)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("responses of member %d: %w", memberID, err)
	}
	rows.Close()
	return out, db.attachAnswers(ctx, memberID, out, index)
}

// attachAnswers fills the Answers of responses (indexed by id) of member.
func (db *DB) attachAnswers(ctx context.Context, memberID int64, responses []fanmail.SurveyResponse, index map[int64]int) error {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT a.response_id, a.question_id, a.option_id, a.number, a.text, a.is_other
		FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id
		JOIN questions q ON q.id = a.question_id
		LEFT JOIN question_options o ON o.id = a.option_id
		WHERE r.member_id = $1
		ORDER BY a.response_id, q.position, q.id, o.position, a.id`, memberID)
	if err != nil {
		return fmt.Errorf("answers of member %d: %w", memberID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var rid, qid int64
		var option, number sql.NullInt64
		var text string
		var other bool
		if err := rows.Scan(&rid, &qid, &option, &number, &text, &other); err != nil {
			return fmt.Errorf("answers of member %d: %w", memberID, err)
		}
		r := &responses[index[rid]]
		if n := len(r.Answers); n == 0 || r.Answers[n-1].QuestionID != qid {
			r.Answers = append(r.Answers, fanmail.Answer{MemberID: memberID, QuestionID: qid, AnsweredAt: r.SubmittedAt})
		}
		a := &r.Answers[len(r.Answers)-1]
		switch {
		case option.Valid:
			a.OptionIDs = append(a.OptionIDs, option.Int64)
		case number.Valid:
			n := int(number.Int64)
			a.Number = &n
		default:
			a.Text, a.Other = text, other
		}
	}
	return rows.Err()
}
