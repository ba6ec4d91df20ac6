package loyalty

import (
	"context"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

var (
	errRewardBrand    = fanmail.FieldError("brand", "Choose the brand whose chips pay for the reward.")
	errNoBrand        = fanmail.FieldError("brand", "This brand does not exist.")
	errProductBrand   = fanmail.FieldError("product", "The product must be one of the reward's brand.")
	errUnknownProduct = fanmail.FieldError("product", "This product does not exist.")
)

// Rewards returns the rewards of the catalogue f selects, by brand, then
// cost.
func (s *Service) Rewards(ctx context.Context, f store.RewardFilter) ([]fanmail.Reward, error) {
	return s.db.Rewards(ctx, f)
}

// Reward returns reward id, active or not, or ENOTFOUND.
func (s *Service) Reward(ctx context.Context, id int64) (fanmail.Reward, error) {
	return s.db.RewardByID(ctx, id)
}

// Affordable returns the active rewards of a brand that cost at most
// balance chips, cheapest first.
func (s *Service) Affordable(ctx context.Context, brandID, balance int64) ([]fanmail.Reward, error) {
	rs, err := s.db.Rewards(ctx, store.RewardFilter{BrandID: brandID, ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	var out []fanmail.Reward
	for _, r := range rs {
		if r.BrandID == brandID && r.Cost <= balance {
			out = append(out, r)
		}
	}
	return out, nil
}

// CreateReward adds r to the catalogue and returns it with its ID. EINVALID
// names the field at fault (fanmail.Reward.Validate; a brand that does not
// exist; a product not of the brand).
func (s *Service) CreateReward(ctx context.Context, r fanmail.Reward) (fanmail.Reward, error) {
	r.Name, r.NameEn = strings.TrimSpace(r.Name), strings.TrimSpace(r.NameEn)
	if err := s.checkReward(ctx, r); err != nil {
		return r, err
	}
	return s.db.CreateReward(ctx, r)
}

// UpdateReward changes reward id by u (nil fields stay) and returns it as
// stored. Its brand and kind never change. Errors as CreateReward, and
// ENOTFOUND for an unknown id.
func (s *Service) UpdateReward(ctx context.Context, id int64, u fanmail.RewardUpdate) (fanmail.Reward, error) {
	old, err := s.db.RewardByID(ctx, id)
	if err != nil {
		return old, err
	}
	r := u.Apply(old)
	r.Name, r.NameEn = strings.TrimSpace(r.Name), strings.TrimSpace(r.NameEn)
	if err := s.checkReward(ctx, r); err != nil {
		return r, err
	}
	return s.db.UpdateReward(ctx, r)
}

// checkReward validates r and its references.
func (s *Service) checkReward(ctx context.Context, r fanmail.Reward) error {
	if r.BrandID == 0 {
		return errRewardBrand
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if _, err := s.db.BrandByID(ctx, r.BrandID, false); fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return errNoBrand
	} else if err != nil {
		return err
	}
	if r.ProductID == 0 {
		return nil
	}
	p, err := s.db.ProductByID(ctx, r.ProductID, false)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return errUnknownProduct
	}
	if err != nil {
		return err
	}
	if p.BrandID != r.BrandID {
		return errProductBrand
	}
	return nil
}
