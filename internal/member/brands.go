package member

import (
	"context"
	"slices"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// BrandGroups returns the published brand groups with their published brands,
// for members choosing favourites.
func (s *Service) BrandGroups(ctx context.Context) ([]store.PreferenceGroup, error) {
	return s.db.PreferenceGroups(ctx)
}

// Brands returns the ids of the member's favourite brands.
func (s *Service) Brands(ctx context.Context, memberID int64) ([]int64, error) {
	return s.db.BrandPreferences(ctx, memberID)
}

// SetBrands makes brandIDs the member's favourite brands: new ones are added
// and counted under the member's gender and age band, dropped ones removed
// and their counts taken back. Errors: EINVALID for an unknown or unpublished
// brand among the new ones, ENOTFOUND.
func (s *Service) SetBrands(ctx context.Context, memberID int64, brandIDs []int64) error {
	want := slices.Clone(brandIDs)
	slices.Sort(want)
	want = slices.Compact(want)
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		m, err := tx.MemberByID(ctx, memberID)
		if err != nil {
			return err
		}
		have, err := tx.BrandPreferences(ctx, memberID)
		if err != nil {
			return err
		}
		var add []int64
		for _, id := range want {
			if !slices.Contains(have, id) {
				add = append(add, id)
			}
		}
		if missing, err := tx.MissingBrand(ctx, add); err != nil || missing != 0 {
			return orInvalid(err, "brands", "Unknown brand.")
		}
		for _, id := range have {
			if !slices.Contains(want, id) {
				if _, err := tx.RemoveBrandPreference(ctx, memberID, id); err != nil {
					return err
				}
			}
		}
		band := s.ageBand(m.BirthYear)
		for _, id := range add {
			if _, err := tx.AddBrandPreference(ctx, memberID, id, m.Gender, band); err != nil {
				return err
			}
		}
		return nil
	})
}

// BrandCounts returns how many members chose the brand, by gender and age
// band (seed 000 fig. 4).
func (s *Service) BrandCounts(ctx context.Context, brandID int64) ([]fanmail.BrandPreferenceCount, error) {
	return s.db.BrandPreferenceCounts(ctx, brandID)
}
