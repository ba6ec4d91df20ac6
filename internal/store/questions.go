package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fanmail/fanmail"
)

var errQuestionNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Question not found.")

const questionColumns = `id, survey, key, kind, label_ko, label_en, required, max_choices, allow_other, position, active,
	scale_min, scale_max, min_label_ko, min_label_en, max_label_ko, max_label_en`

func scanQuestion(row memberScanner) (fanmail.Question, error) {
	var x fanmail.Question
	err := row.Scan(&x.ID, &x.Survey, &x.Key, &x.Kind, &x.LabelKo, &x.LabelEn, &x.Required, &x.MaxChoices, &x.AllowOther, &x.Position, &x.Active,
		&x.ScaleMin, &x.ScaleMax, &x.MinLabelKo, &x.MinLabelEn, &x.MaxLabelKo, &x.MaxLabelEn)
	return x, err
}

// Questions returns the questions of survey in order with their options;
// activeOnly leaves out deactivated questions.
func (db *DB) Questions(ctx context.Context, survey string, activeOnly bool) ([]fanmail.Question, error) {
	return questions(ctx, db.sql, survey, activeOnly)
}

// Questions is Questions inside the transaction.
func (tx *Tx) Questions(ctx context.Context, survey string, activeOnly bool) ([]fanmail.Question, error) {
	return questions(ctx, tx, survey, activeOnly)
}

func questions(ctx context.Context, q querier, survey string, activeOnly bool) ([]fanmail.Question, error) {
	query := `SELECT ` + questionColumns + ` FROM questions WHERE survey = $1`
	args := []any{survey}
	if activeOnly {
		query += ` AND active = $2`
		args = append(args, true)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY position, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("questions of %s: %w", survey, err)
	}
	defer rows.Close()
	var qs []fanmail.Question
	index := map[int64]int{}
	for rows.Next() {
		x, err := scanQuestion(rows)
		if err != nil {
			return nil, fmt.Errorf("questions of %s: %w", survey, err)
		}
		index[x.ID] = len(qs)
		qs = append(qs, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("questions of %s: %w", survey, err)
	}
	rows.Close()
	orows, err := q.QueryContext(ctx, `
		SELECT o.id, o.question_id, o.value, o.label_ko, o.label_en, o.brand_id, o.position
		FROM question_options o JOIN questions q ON q.id = o.question_id
		WHERE q.survey = $1 ORDER BY o.position, o.id`, survey)
	if err != nil {
		return nil, fmt.Errorf("options of %s: %w", survey, err)
	}
	defer orows.Close()
	for orows.Next() {
		o, err := scanOption(orows)
		if err != nil {
			return nil, fmt.Errorf("options of %s: %w", survey, err)
		}
		if i, ok := index[o.QuestionID]; ok {
			qs[i].Options = append(qs[i].Options, o)
		}
	}
	return qs, orows.Err()
}

func scanOption(row memberScanner) (fanmail.QuestionOption, error) {
	var o fanmail.QuestionOption
	var brand sql.NullInt64
	err := row.Scan(&o.ID, &o.QuestionID, &o.Value, &o.LabelKo, &o.LabelEn, &brand, &o.Position)
	o.BrandID = brand.Int64
	return o, err
}

// QuestionByID returns a question with its options, or ENOTFOUND.
func (db *DB) QuestionByID(ctx context.Context, id int64) (fanmail.Question, error) {
	x, err := scanQuestion(db.sql.QueryRowContext(ctx, `SELECT `+questionColumns+` FROM questions WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return x, errQuestionNotFound
	}
	if err != nil {
		return x, fmt.Errorf("question %d: %w", id, err)
	}
	rows, err := db.sql.QueryContext(ctx, `
		SELECT id, question_id, value, label_ko, label_en, brand_id, position
		FROM question_options WHERE question_id = $1 ORDER BY position, id`, id)
	if err != nil {
		return x, fmt.Errorf("options of question %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanOption(rows)
		if err != nil {
			return x, fmt.Errorf("options of question %d: %w", id, err)
		}
		x.Options = append(x.Options, o)
	}
	return x, rows.Err()
}

// CountQuestions returns how many questions survey has, active or not.
func (db *DB) CountQuestions(ctx context.Context, survey string) (int, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM questions WHERE survey = $1`, survey).Scan(&n); err != nil {
		return 0, fmt.Errorf("count questions: %w", err)
	}
	return n, nil
}

// CreateQuestion inserts q at the end of its survey, with its options in the
// order given, and returns the new id. A duplicate key is ECONFLICT.
func (tx *Tx) CreateQuestion(ctx context.Context, q fanmail.Question) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `
		INSERT INTO questions (survey, key, kind, label_ko, label_en, required, max_choices, allow_other, position, active,
			scale_min, scale_max, min_label_ko, min_label_en, max_label_ko, max_label_en)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
			(SELECT COALESCE(MAX(position), 0) + 1 FROM questions WHERE survey = $1), $9, $10, $11, $12, $13, $14, $15)
		RETURNING id`,
		q.Survey, q.Key, q.Kind, q.LabelKo, q.LabelEn, q.Required, q.MaxChoices, q.AllowOther, q.Active,
		q.ScaleMin, q.ScaleMax, q.MinLabelKo, q.MinLabelEn, q.MaxLabelKo, q.MaxLabelEn).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create question: %w", mapError(err))
	}
	for _, o := range q.Options {
		o.QuestionID = id
		if _, err := tx.CreateOption(ctx, o); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// UpdateQuestion writes the kind, labels, required flag, maximum picks,
// "other" toggle and scale of q (not its key, survey, position or options).
func (db *DB) UpdateQuestion(ctx context.Context, q fanmail.Question) error {
	res, err := db.sql.ExecContext(ctx, `
		UPDATE questions SET kind = $1, label_ko = $2, label_en = $3, required = $4, max_choices = $5, allow_other = $6,
			scale_min = $7, scale_max = $8, min_label_ko = $9, min_label_en = $10, max_label_ko = $11, max_label_en = $12
		WHERE id = $13`, q.Kind, q.LabelKo, q.LabelEn, q.Required, q.MaxChoices, q.AllowOther,
		q.ScaleMin, q.ScaleMax, q.MinLabelKo, q.MinLabelEn, q.MaxLabelKo, q.MaxLabelEn, q.ID)
	if err != nil {
		return fmt.Errorf("update question %d: %w", q.ID, mapError(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errQuestionNotFound
	}
	return nil
}

// SetQuestionActive shows (true) or hides (false) a question on the forms;
// answers already given are kept either way.
func (db *DB) SetQuestionActive(ctx context.Context, id int64, active bool) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE questions SET active = $1 WHERE id = $2`, active, id)
	if err != nil {
		return fmt.Errorf("activate question %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errQuestionNotFound
	}
	return nil
}

// MoveQuestion moves a question one place up (delta < 0) or down (delta > 0)
// within its survey and renumbers the survey's positions from 1.
func (db *DB) MoveQuestion(ctx context.Context, id int64, delta int) error {
	return db.InTx(ctx, func(tx *Tx) error {
		var survey string
		err := tx.QueryRowContext(ctx, `SELECT survey FROM questions WHERE id = $1`, id).Scan(&survey)
		if errors.Is(err, sql.ErrNoRows) {
			return errQuestionNotFound
		}
		if err != nil {
			return fmt.Errorf("move question %d: %w", id, err)
		}
		return tx.reorderSurvey(ctx, `SELECT id FROM questions WHERE survey = $1 ORDER BY position, id`, survey,
			`UPDATE questions SET position = $1 WHERE id = $2`, id, delta)
	})
}

// reorderSurvey loads ids with list(arg), moves id by delta places and writes
// positions 1..n with update.
func (tx *Tx) reorderSurvey(ctx context.Context, list string, arg any, update string, id int64, delta int) error {
	rows, err := tx.QueryContext(ctx, list, arg)
	if err != nil {
		return fmt.Errorf("reorder: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var x int64
		if err := rows.Scan(&x); err != nil {
			rows.Close()
			return fmt.Errorf("reorder: %w", err)
		}
		ids = append(ids, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reorder: %w", err)
	}
	from := -1
	for i, x := range ids {
		if x == id {
			from = i
		}
	}
	to := from + delta
	if from < 0 || to < 0 || to >= len(ids) {
		return nil
	}
	ids[from], ids[to] = ids[to], ids[from]
	for i, x := range ids {
		if _, err := tx.ExecContext(ctx, update, i+1, x); err != nil {
			return fmt.Errorf("reorder: %w", err)
		}
	}
	return nil
}

// CreateOption appends an option to its question and returns its id. A
// duplicate value within the question is ECONFLICT; an unknown brand EINVALID.
func (tx *Tx) CreateOption(ctx context.Context, o fanmail.QuestionOption) (int64, error) {
	return createOption(ctx, tx, o)
}

// CreateOption is CreateOption outside a transaction.
func (db *DB) CreateOption(ctx context.Context, o fanmail.QuestionOption) (int64, error) {
	return createOption(ctx, db.sql, o)
}

func createOption(ctx context.Context, q querier, o fanmail.QuestionOption) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `
		INSERT INTO question_options (question_id, value, label_ko, label_en, brand_id, position)
		VALUES ($1, $2, $3, $4, $5, (SELECT COALESCE(MAX(position), 0) + 1 FROM question_options WHERE question_id = $1))
		RETURNING id`, o.QuestionID, o.Value, o.LabelKo, o.LabelEn, nullInt64(o.BrandID)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create option: %w", mapError(err))
	}
	return id, nil
}

// UpdateOption writes the labels and linked brand of an option of question
// o.QuestionID.
func (db *DB) UpdateOption(ctx context.Context, o fanmail.QuestionOption) error {
	res, err := db.sql.ExecContext(ctx, `
		UPDATE question_options SET label_ko = $1, label_en = $2, brand_id = $3 WHERE id = $4 AND question_id = $5`,
		o.LabelKo, o.LabelEn, nullInt64(o.BrandID), o.ID, o.QuestionID)
	if err != nil {
		return fmt.Errorf("update option %d: %w", o.ID, mapError(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fanmail.Errorf(fanmail.ENOTFOUND, "Option not found.")
	}
	return nil
}

// DeleteOption removes an option nobody chose; a chosen option is ECONFLICT
// (its answers are kept: rename it instead).
func (db *DB) DeleteOption(ctx context.Context, questionID, optionID int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		used, err := tx.anyRows(ctx, `SELECT (SELECT COUNT(*) FROM answers WHERE option_id = $1)
			+ (SELECT COUNT(*) FROM survey_answers WHERE option_id = $1)`, optionID)
		if err != nil {
			return err
		}
		if used {
			return fanmail.Errorf(fanmail.ECONFLICT, "Members chose this option, so it cannot be removed. Rename it instead.")
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM question_options WHERE id = $1 AND question_id = $2`, optionID, questionID)
		if err != nil {
			return fmt.Errorf("delete option %d: %w", optionID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fanmail.Errorf(fanmail.ENOTFOUND, "Option not found.")
		}
		return nil
	})
}

// MoveOption moves an option one place up (delta < 0) or down (delta > 0).
func (db *DB) MoveOption(ctx context.Context, questionID, optionID int64, delta int) error {
	return db.InTx(ctx, func(tx *Tx) error {
		return tx.reorderSurvey(ctx, `SELECT id FROM question_options WHERE question_id = $1 ORDER BY position, id`, questionID,
			`UPDATE question_options SET position = $1 WHERE id = $2`, optionID, delta)
	})
}

// BrandIDByRef returns the id of the brand whose slug or name is ref, or 0
// when there is none. The default survey links style options with it.
func (tx *Tx) BrandIDByRef(ctx context.Context, ref string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM brands WHERE slug = $1 OR name = $1 ORDER BY id LIMIT 1`, ref).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("brand by ref: %w", err)
	}
	return id, nil
}
