package loyalty

import (
	"context"
	"strings"

	"github.com/fanmail/fanmail"
)

// SetRule stores rule as its brand's fan rule, replacing the one before,
// and returns it as stored. Later survey answers are decided by it;
// decisions made before keep the rule they were made by. EINVALID names the
// field at fault (fanmail.FanRule.Validate, or a brand that does not
// exist).
func (s *Service) SetRule(ctx context.Context, rule fanmail.FanRule) (fanmail.FanRule, error) {
	rule.QuestionKey = strings.TrimSpace(rule.QuestionKey)
	if rule.Kind != fanmail.FanShareAtLeast {
		rule.QuestionKey, rule.MinPosition = "", 0
	}
	if rule.Kind != fanmail.FanScoreAtLeast {
		rule.Points = nil
	}
	if err := rule.Validate(); err != nil {
		return rule, err
	}
	if _, err := s.db.BrandByID(ctx, rule.BrandID, false); fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return rule, errNoBrand
	} else if err != nil {
		return rule, err
	}
	out, err := s.db.SetFanRule(ctx, rule)
	if err != nil {
		return out, err
	}
	s.logger.Info("fan rule set", "brand_id", rule.BrandID, "kind", rule.Kind, "enabled", rule.Enabled)
	return out, nil
}

// RuleFor returns a brand's fan rule; a brand whose staff set none has
// fanmail.DefaultFanRule, returned with a zero UpdatedAt. An unknown brand
// is ENOTFOUND.
func (s *Service) RuleFor(ctx context.Context, brandID int64) (fanmail.FanRule, error) {
	if _, err := s.db.BrandByID(ctx, brandID, false); err != nil {
		return fanmail.FanRule{}, err
	}
	r, err := s.db.FanRule(ctx, brandID)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		r = fanmail.DefaultFanRule
		r.BrandID = brandID
		return r, nil
	}
	return r, err
}

// Memberships returns the brands a member is a fan of, oldest first.
func (s *Service) Memberships(ctx context.Context, memberID int64) ([]fanmail.FanMembership, error) {
	return s.db.FanMemberships(ctx, memberID)
}

// Decisions returns a member's fan decisions, newest first, each with the
// rule it was made by and the values that decided it.
func (s *Service) Decisions(ctx context.Context, memberID int64) ([]fanmail.FanDecision, error) {
	return s.db.FanDecisions(ctx, memberID)
}

// BrandNames returns every brand's name by id, published or not, for pages
// that list ledger lines, rewards and memberships.
func (s *Service) BrandNames(ctx context.Context) (map[int64]string, error) {
	bs, err := s.db.Brands(ctx, 0, false)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(bs))
	for _, b := range bs {
		names[b.ID] = b.Name
	}
	return names, nil
}
