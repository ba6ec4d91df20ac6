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
// and their counts taken back; the member's profile is analysed again. Errors: EINVALID for an unknown or unpublished
// brand among the new ones, ENOTFOUND.
func (s *Service) SetBrands(ctx context.Context, memberID int64, brandIDs []int64) error {
	want := slices.Clone(brandIDs)
	slices.Sort(want)
	want = slices.Compact(want)
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
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
			// A confirmed member's new favourite starts the fan program
			// (seed 000 steps 4-5); a pending member's starts on confirmation.
			if m.Status == fanmail.MemberActive {
				if err := tx.Emit(ctx, fanmail.BrandSelected{MemberID: memberID, BrandID: id, Source: fanmail.SourcePortal}); err != nil {
					return err
				}
			}
		}
		_, err = tx.RecomputeProfile(ctx, memberID)
		return err
	})
	if err == nil {
		s.afterCommit()
	}
	return err
}

// BrandCounts returns how many members chose the brand, by gender and age
// band (seed 000 fig. 4).
func (s *Service) BrandCounts(ctx context.Context, brandID int64) ([]fanmail.BrandPreferenceCount, error) {
	return s.db.BrandPreferenceCounts(ctx, brandID)
}

// MarketingConsent reports whether the member currently agrees to
// advertising by e-mail, which the fan program's chip mails need.
func (s *Service) MarketingConsent(ctx context.Context, memberID int64) (bool, error) {
	return s.db.MarketingConsent(ctx, memberID)
}
