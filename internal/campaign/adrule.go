package campaign

import (
	"context"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// AdOverrideHook is told of every ad-rule override inside the transaction
// that records it on the campaign (c carries the new AdOverride), so an
// audit log written there commits or rolls back with it.
type AdOverrideHook func(ctx context.Context, tx *store.Tx, c fanmail.Campaign) error

// SetAdOverrideHook sets the hook told of ad-rule overrides (e.g. the audit
// log); nil: none.
func (s *Service) SetAdOverrideHook(fn AdOverrideHook) { s.adOverrideHook = fn }

// AdSignals returns what in campaign id's content makes it an ad (nil:
// nothing), for the compose page; ENOTFOUND if there is no such campaign.
func (s *Service) AdSignals(ctx context.Context, id int64) ([]fanmail.AdSignal, error) {
	c, err := s.db.CampaignByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return fanmail.AdSignals(c.AdContent()), nil
}

// OverrideAdRule lets draft campaign id go out as it is marked (not an ad,
// or transactional) although its content carries ad signals: a staff user
// of role, userID, takes responsibility for reason. The override holds for
// the content as it is now; editing the content voids it. EFORBIDDEN unless
// role has fanmail.PermOverrideAdRule; EINVALID without a reason or when
// nothing needs overriding (the content has no ad signals, or the campaign
// is marked as an ad); ECONFLICT unless the campaign is a draft; ENOTFOUND.
func (s *Service) OverrideAdRule(ctx context.Context, id int64, role string, userID int64, reason string) (fanmail.Campaign, error) {
	if !fanmail.Can(role, fanmail.PermOverrideAdRule) {
		return fanmail.Campaign{}, fanmail.Errorf(fanmail.EFORBIDDEN, "Only an administrator can let an advertisement go out unmarked.")
	}
	reason = strings.TrimSpace(reason)
	if err := fanmail.ValidateAdOverrideReason(reason); err != nil {
		return fanmail.Campaign{}, err
	}
	c, err := s.db.CampaignByID(ctx, id)
	if err != nil {
		return c, err
	}
	if !c.CanEdit() {
		return c, fanmail.Errorf(fanmail.ECONFLICT, "Only a draft can be changed.")
	}
	if c.IsAd && c.IsMarketing() {
		return c, fanmail.FieldError("is_ad", "The campaign is marked as an advertisement; it needs no override.")
	}
	if len(fanmail.AdSignals(c.AdContent())) == 0 {
		return c, fanmail.FieldError("is_ad", "Nothing in this mail looks like an advertisement; it needs no override.")
	}
	o := fanmail.AdOverride{UserID: userID, Reason: reason, Content: c.AdContent().Fingerprint(c.Kind, c.IsAd)}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.SetAdOverride(ctx, id, o); err != nil {
			return err
		}
		if s.adOverrideHook != nil {
			return s.adOverrideHook(ctx, tx, c)
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	s.logger.Info("campaign ad rule overridden", "campaign_id", id, "user_id", userID)
	return c, nil
}
