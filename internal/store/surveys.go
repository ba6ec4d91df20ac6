package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fanmail/fanmail"
)

var errSurveyNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Survey not found.")

const surveyColumns = `id, key, brand_id, title_ko, title_en, intro_ko, intro_en, active, chip_reward, created_at`

func scanSurvey(row memberScanner) (fanmail.Survey, error) {
	var s fanmail.Survey
	err := row.Scan(&s.ID, &s.Key, &s.BrandID, &s.TitleKo, &s.TitleEn, &s.IntroKo, &s.IntroEn, &s.Active, &s.ChipReward, &s.CreatedAt)
	s.CreatedAt = s.CreatedAt.UTC()
	return s, err
}

// Surveys returns every survey, oldest first; brandID > 0 keeps the surveys
// of that brand and those of no brand.
func (db *DB) Surveys(ctx context.Context, brandID int64) ([]fanmail.Survey, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+surveyColumns+` FROM surveys
		WHERE $1 = 0 OR brand_id = $1 OR brand_id = 0 ORDER BY id`, brandID)
	if err != nil {
		return nil, fmt.Errorf("surveys: %w", err)
	}
	defer rows.Close()
	var out []fanmail.Survey
	for rows.Next() {
		s, err := scanSurvey(rows)
		if err != nil {
			return nil, fmt.Errorf("surveys: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SurveyByID returns survey id, or ENOTFOUND.
func (db *DB) SurveyByID(ctx context.Context, id int64) (fanmail.Survey, error) {
	return surveyWhere(ctx, db.sql, `id = $1`, id)
}

// SurveyByID is DB.SurveyByID inside tx.
func (tx *Tx) SurveyByID(ctx context.Context, id int64) (fanmail.Survey, error) {
	return surveyWhere(ctx, tx, `id = $1`, id)
}

// SurveyByKey returns the survey with key, or ENOTFOUND.
func (db *DB) SurveyByKey(ctx context.Context, key string) (fanmail.Survey, error) {
	return surveyWhere(ctx, db.sql, `key = $1`, key)
}

// SurveyByKey is DB.SurveyByKey inside tx.
func (tx *Tx) SurveyByKey(ctx context.Context, key string) (fanmail.Survey, error) {
	return surveyWhere(ctx, tx, `key = $1`, key)
}

// BrandSurvey returns the newest active survey of brand id, or ENOTFOUND
// when staff made none.
func (tx *Tx) BrandSurvey(ctx context.Context, brandID int64) (fanmail.Survey, error) {
	return queryOne(ctx, tx, scanSurvey, errSurveyNotFound, `SELECT `+surveyColumns+` FROM surveys
		WHERE brand_id = $1 AND active = $2 ORDER BY id DESC LIMIT 1`, brandID, true)
}

func surveyWhere(ctx context.Context, q querier, where string, arg any) (fanmail.Survey, error) {
	return queryOne(ctx, q, scanSurvey, errSurveyNotFound, `SELECT `+surveyColumns+` FROM surveys WHERE `+where, arg)
}

// queryOne runs query, which selects at most one row, and scans it; no row
// is notFound.
func queryOne[T any](ctx context.Context, q querier, scan func(memberScanner) (T, error), notFound error, query string, args ...any) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, notFound
	}
	if err != nil {
		return v, fmt.Errorf("%s: %w", fanmail.ErrorMessage(notFound), err)
	}
	return v, nil
}

// CreateSurvey inserts s and returns it with its id. A duplicate key is
// ECONFLICT.
func (tx *Tx) CreateSurvey(ctx context.Context, s fanmail.Survey) (fanmail.Survey, error) {
	s.CreatedAt = tx.Now
	err := tx.QueryRowContext(ctx, `
		INSERT INTO surveys (key, brand_id, title_ko, title_en, intro_ko, intro_en, active, chip_reward, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		s.Key, s.BrandID, s.TitleKo, s.TitleEn, s.IntroKo, s.IntroEn, s.Active, s.ChipReward, s.CreatedAt).Scan(&s.ID)
	if err != nil {
		return s, fmt.Errorf("create survey: %w", mapError(err))
	}
	return s, nil
}

// UpdateSurvey writes the brand, titles, intros, active flag and chip
// reward of s (not its key).
func (db *DB) UpdateSurvey(ctx context.Context, s fanmail.Survey) error {
	res, err := db.sql.ExecContext(ctx, `
		UPDATE surveys SET brand_id = $1, title_ko = $2, title_en = $3, intro_ko = $4, intro_en = $5, active = $6, chip_reward = $7
		WHERE id = $8`, s.BrandID, s.TitleKo, s.TitleEn, s.IntroKo, s.IntroEn, s.Active, s.ChipReward, s.ID)
	if err != nil {
		return fmt.Errorf("update survey %d: %w", s.ID, mapError(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errSurveyNotFound
	}
	return nil
}
