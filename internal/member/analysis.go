package member

import (
	"context"

	"github.com/fanmail/fanmail"
)

// Profile analysis (seed 000 step 5; rules in fanmail.AnalyseProfile). It
// is recomputed in the transaction of each change of its inputs: Register,
// UpdateProfile and SetBrands here, order.Service.Create for purchases.
// Nothing is queued, so nothing can be lost or seen half done, and a
// recompute costs a few indexed reads of one member's rows.

// recomputeBatch is how many members RecomputeProfiles analyses per
// transaction.
const recomputeBatch = 200

// Profile returns the stored analysis of the member's profile; a member
// never analysed (nothing to analyse yet) has no preferred group and
// fanmail.PatternUnknown.
func (s *Service) Profile(ctx context.Context, memberID int64) (fanmail.MemberProfile, error) {
	p, err := s.db.MemberProfile(ctx, memberID)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return fanmail.MemberProfile{MemberID: memberID, PurchasePattern: fanmail.PatternUnknown}, nil
	}
	return p, err
}

// RecomputeProfiles analyses again every member who has something to
// analyse or a stored analysis: for existing data, and after catalogue
// changes the analysis reads but does not watch (a brand moved to another
// group, a shop's kind). progress, if not nil, is called after each batch
// with the number of members done so far. It returns that number.
func (s *Service) RecomputeProfiles(ctx context.Context, progress func(done int)) (int, error) {
	done := 0
	for after := int64(0); ; {
		last, n, err := s.db.RecomputeProfiles(ctx, after, recomputeBatch)
		if err != nil {
			return done, err
		}
		if last == 0 {
			break
		}
		done, after = done+n, last
		if progress != nil {
			progress(done)
		}
	}
	s.logger.Info("member profiles recomputed", "members", done)
	return done, nil
}

// EnsureProfiles analyses every member once when no analysis is stored
// yet: the first start after the upgrade that brought the analysis. On a
// database without members' answers, favourite brands or orders it finds
// nothing to do, quickly, at each start.
func (s *Service) EnsureProfiles(ctx context.Context) error {
	has, err := s.db.HasMemberProfiles(ctx)
	if err != nil || has {
		return err
	}
	_, err = s.RecomputeProfiles(ctx, nil)
	return err
}
