package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fanmail/fanmail"
)

// Brand preferences: each row of brand_preferences remembers the gender and
// age band under which it was counted in brand_preference_counts, so that
// taking it back (or moving it after a profile change) is exact.

// AddBrandPreference records that the member likes brandID and counts it
// under gender and ageBand. It reports false (and counts nothing) when the
// member already had the brand.
func (tx *Tx) AddBrandPreference(ctx context.Context, memberID, brandID int64, gender, ageBand string) (bool, error) {
	var got int64
	err := tx.QueryRowContext(ctx, `
		INSERT INTO brand_preferences (member_id, brand_id, created_at, gender, age_band) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (member_id, brand_id) DO NOTHING
		RETURNING brand_id`, memberID, brandID, tx.Now, gender, ageBand).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("add brand preference of member %d: %w", memberID, mapError(err))
	}
	return true, tx.countPreference(ctx, brandID, gender, ageBand, 1)
}

// RemoveBrandPreference takes back the member's preference for brandID and
// its count. It reports false when there was none.
func (tx *Tx) RemoveBrandPreference(ctx context.Context, memberID, brandID int64) (bool, error) {
	var gender, band string
	err := tx.QueryRowContext(ctx, `
		DELETE FROM brand_preferences WHERE member_id = $1 AND brand_id = $2
		RETURNING gender, age_band`, memberID, brandID).Scan(&gender, &band)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("remove brand preference of member %d: %w", memberID, err)
	}
	return true, tx.countPreference(ctx, brandID, gender, band, -1)
}

// RecountBrandPreferences moves the member's preferences that were counted
// under another gender or age band to gender and ageBand.
func (tx *Tx) RecountBrandPreferences(ctx context.Context, memberID int64, gender, ageBand string) error {
	type pref struct {
		brandID      int64
		gender, band string
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT brand_id, gender, age_band FROM brand_preferences
		WHERE member_id = $1 AND (gender <> $2 OR age_band <> $3)`, memberID, gender, ageBand)
	if err != nil {
		return fmt.Errorf("recount preferences of member %d: %w", memberID, err)
	}
	var moved []pref
	for rows.Next() {
		var p pref
		if err := rows.Scan(&p.brandID, &p.gender, &p.band); err != nil {
			rows.Close()
			return fmt.Errorf("recount preferences of member %d: %w", memberID, err)
		}
		moved = append(moved, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("recount preferences of member %d: %w", memberID, err)
	}
	for _, p := range moved {
		if err := tx.countPreference(ctx, p.brandID, p.gender, p.band, -1); err != nil {
			return err
		}
		if err := tx.countPreference(ctx, p.brandID, gender, ageBand, 1); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE brand_preferences SET gender = $1, age_band = $2
			WHERE member_id = $3 AND brand_id = $4`, gender, ageBand, memberID, p.brandID); err != nil {
			return fmt.Errorf("recount preferences of member %d: %w", memberID, err)
		}
	}
	return nil
}

func (tx *Tx) countPreference(ctx context.Context, brandID int64, gender, band string, delta int) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO brand_preference_counts (brand_id, gender, age_band, count) VALUES ($1, $2, $3, $4)
		ON CONFLICT (brand_id, gender, age_band) DO UPDATE SET count = brand_preference_counts.count + excluded.count`,
		brandID, gender, band, delta)
	if err != nil {
		return fmt.Errorf("count preference for brand %d: %w", brandID, mapError(err))
	}
	return nil
}

// BrandPreferences returns the ids of the member's favourite brands, in
// catalogue order.
func (db *DB) BrandPreferences(ctx context.Context, memberID int64) ([]int64, error) {
	return brandPreferences(ctx, db.sql, memberID)
}

// BrandPreferences is BrandPreferences inside the transaction.
func (tx *Tx) BrandPreferences(ctx context.Context, memberID int64) ([]int64, error) {
	return brandPreferences(ctx, tx, memberID)
}

func brandPreferences(ctx context.Context, q querier, memberID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT p.brand_id FROM brand_preferences p
		JOIN brands b ON b.id = p.brand_id JOIN brand_groups g ON g.id = b.group_id
		WHERE p.member_id = $1 ORDER BY g.position, g.id, b.position, b.id`, memberID)
	if err != nil {
		return nil, fmt.Errorf("brand preferences of member %d: %w", memberID, err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("brand preferences of member %d: %w", memberID, err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// BrandPreferenceCounts returns how many members chose brandID, per gender
// and age band, leaving out zero counts.
func (db *DB) BrandPreferenceCounts(ctx context.Context, brandID int64) ([]fanmail.BrandPreferenceCount, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT brand_id, gender, age_band, count FROM brand_preference_counts
		WHERE brand_id = $1 AND count <> 0 ORDER BY gender, age_band`, brandID)
	if err != nil {
		return nil, fmt.Errorf("preference counts of brand %d: %w", brandID, err)
	}
	defer rows.Close()
	var out []fanmail.BrandPreferenceCount
	for rows.Next() {
		var c fanmail.BrandPreferenceCount
		if err := rows.Scan(&c.BrandID, &c.Gender, &c.AgeBand, &c.Count); err != nil {
			return nil, fmt.Errorf("preference counts of brand %d: %w", brandID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MissingBrand returns the first of ids that is not a published brand, or 0
// when all are.
func (tx *Tx) MissingBrand(ctx context.Context, ids []int64) (int64, error) {
	for _, id := range ids {
		ok, err := tx.anyRows(ctx, `SELECT COUNT(*) FROM brands WHERE id = $1 AND published = $2`, id, true)
		if err != nil {
			return 0, err
		}
		if !ok {
			return id, nil
		}
	}
	return 0, nil
}

// PreferenceGroup is a published brand group with its published brands, as
// offered to members choosing favourites.
type PreferenceGroup struct {
	Group  fanmail.BrandGroup
	Brands []fanmail.Brand
}

// PreferenceGroups returns the published groups that have published brands,
// in catalogue order.
func (db *DB) PreferenceGroups(ctx context.Context) ([]PreferenceGroup, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT g.id, g.slug, g.name_ko, g.name_en, g.position,
			b.id, b.slug, b.name, b.description_ko, b.description_en, b.position
		FROM brand_groups g JOIN brands b ON b.group_id = g.id
		WHERE g.published = $1 AND b.published = $1
		ORDER BY g.position, g.id, b.position, b.id`, true)
	if err != nil {
		return nil, fmt.Errorf("preference groups: %w", err)
	}
	defer rows.Close()
	var out []PreferenceGroup
	for rows.Next() {
		var g fanmail.BrandGroup
		var b fanmail.Brand
		if err := rows.Scan(&g.ID, &g.Slug, &g.NameKo, &g.NameEn, &g.Position,
			&b.ID, &b.Slug, &b.Name, &b.DescriptionKo, &b.DescriptionEn, &b.Position); err != nil {
			return nil, fmt.Errorf("preference groups: %w", err)
		}
		g.Published, b.Published, b.GroupID = true, true, g.ID
		if len(out) == 0 || out[len(out)-1].Group.ID != g.ID {
			out = append(out, PreferenceGroup{Group: g})
		}
		out[len(out)-1].Brands = append(out[len(out)-1].Brands, b)
	}
	return out, rows.Err()
}

// FavoriteBrandNames returns the names of the favourite brands of each of
// memberIDs, in catalogue order.
func (db *DB) FavoriteBrandNames(ctx context.Context, memberIDs []int64) (map[int64][]string, error) {
	in, arg := db.idsIn("p.member_id", 1, memberIDs)
	rows, err := db.sql.QueryContext(ctx, `SELECT p.member_id, b.name FROM brand_preferences p
		JOIN brands b ON b.id = p.brand_id JOIN brand_groups g ON g.id = b.group_id
		WHERE `+in+` ORDER BY p.member_id, g.position, g.id, b.position, b.id`, arg)
	if err != nil {
		return nil, fmt.Errorf("favourite brands: %w", err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("favourite brands: %w", err)
		}
		out[id] = append(out[id], name)
	}
	return out, rows.Err()
}
