package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fanmail/fanmail"
)

const brandStepColumns = `brand_id, step, enabled, subject_ko, subject_en, intro_ko, intro_en, updated_at`

func scanBrandStep(row interface{ Scan(...any) error }) (fanmail.BrandStep, error) {
	var s fanmail.BrandStep
	err := row.Scan(&s.BrandID, &s.Step, &s.Enabled, &s.SubjectKo, &s.SubjectEn, &s.IntroKo, &s.IntroEn, &s.UpdatedAt)
	s.UpdatedAt = s.UpdatedAt.UTC()
	return s, err
}

// BrandSteps returns every step of the brand's fan program in order, the
// defaults for those staff never changed.
func (db *DB) BrandSteps(ctx context.Context, brandID int64) ([]fanmail.BrandStep, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+brandStepColumns+` FROM brand_steps WHERE brand_id = $1`, brandID)
	if err != nil {
		return nil, fmt.Errorf("brand steps: %w", err)
	}
	defer rows.Close()
	set := map[string]fanmail.BrandStep{}
	for rows.Next() {
		s, err := scanBrandStep(rows)
		if err != nil {
			return nil, fmt.Errorf("brand steps: %w", err)
		}
		set[s.Step] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("brand steps: %w", err)
	}
	out := make([]fanmail.BrandStep, 0, len(fanmail.BrandStepKinds))
	for _, k := range fanmail.BrandStepKinds {
		s, ok := set[k]
		if !ok {
			s = fanmail.DefaultBrandStep(brandID, k)
		}
		out = append(out, s)
	}
	return out, nil
}

// BrandStep returns one step of the brand's fan program, the default when
// staff never changed it.
func (db *DB) BrandStep(ctx context.Context, brandID int64, step string) (fanmail.BrandStep, error) {
	return brandStep(ctx, db.sql, brandID, step)
}

// BrandStep is DB.BrandStep inside tx.
func (tx *Tx) BrandStep(ctx context.Context, brandID int64, step string) (fanmail.BrandStep, error) {
	return brandStep(ctx, tx, brandID, step)
}

func brandStep(ctx context.Context, q querier, brandID int64, step string) (fanmail.BrandStep, error) {
	s, err := scanBrandStep(q.QueryRowContext(ctx, `SELECT `+brandStepColumns+` FROM brand_steps WHERE brand_id = $1 AND step = $2`, brandID, step))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fanmail.DefaultBrandStep(brandID, step), nil
		}
		return s, fmt.Errorf("brand step: %w", err)
	}
	return s, nil
}

// SetBrandStep stores a step of a brand's fan program. EINVALID names the
// field at fault, or says the brand does not exist.
func (db *DB) SetBrandStep(ctx context.Context, s fanmail.BrandStep) (fanmail.BrandStep, error) {
	if err := s.Validate(); err != nil {
		return s, err
	}
	s.UpdatedAt = db.Now()
	_, err := db.sql.ExecContext(ctx, `INSERT INTO brand_steps (`+brandStepColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (brand_id, step) DO UPDATE SET enabled = excluded.enabled, subject_ko = excluded.subject_ko,
			subject_en = excluded.subject_en, intro_ko = excluded.intro_ko, intro_en = excluded.intro_en, updated_at = excluded.updated_at`,
		s.BrandID, s.Step, s.Enabled, s.SubjectKo, s.SubjectEn, s.IntroKo, s.IntroEn, s.UpdatedAt)
	if err != nil {
		// An unknown brand breaks the foreign key: EINVALID.
		return s, fmt.Errorf("set brand step: %w", mapError(err))
	}
	return s, nil
}
