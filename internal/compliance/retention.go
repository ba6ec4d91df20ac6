package compliance

import (
	"context"
	"time"

	"github.com/fanmail/fanmail"

	"github.com/fanmail/fanmail/internal/tracking"
)

// ApplyRetention deletes or anonymises what is past its retention period
// (Options.Retention; a zero period keeps that data), at the database's
// clock. Counts: tracking_events, replies, bounce_reports, soft_bounces,
// message_bodies (rows changed), and inactive_members_erased (and
// inactive_members_refused, when erasure refused one) or, without an
// EraseInactive hook, inactive_members_found.
func (s *Service) ApplyRetention(ctx context.Context) (map[string]int64, error) {
	return s.record(ctx, JobRetention, func(ctx context.Context, counts map[string]int64) error {
		now, r := s.db.Now(), s.opts.Retention
		anonymise := []struct {
			name   string
			period time.Duration
			kinds  []string
		}{
			{"tracking_events", r.TrackingEvents, []string{tracking.KindOpen, tracking.KindClick, tracking.KindDelivered, tracking.KindUnsubscribe}},
			{"replies", r.Replies, []string{tracking.KindReply}},
			{"bounce_reports", r.BounceReports, []string{tracking.KindBounceHard, tracking.KindBounceSoft, tracking.KindComplaint}},
		}
		for _, a := range anonymise {
			if a.period == 0 {
				continue
			}
			n, err := s.db.AnonymiseEvents(ctx, a.kinds, now.Add(-a.period))
			counts[a.name] = n
			if err != nil {
				return err
			}
		}
		if r.BounceReports > 0 {
			n, err := s.db.DeleteSoftBounces(ctx, now.Add(-r.BounceReports))
			counts["soft_bounces"] = n
			if err != nil {
				return err
			}
		}
		if r.MessageBodies > 0 {
			n, err := s.db.ClearMessageData(ctx, now.Add(-r.MessageBodies))
			counts["message_bodies"] = n
			if err != nil {
				return err
			}
		}
		if r.InactiveMembers > 0 {
			return s.inactiveMembers(ctx, now.Add(-r.InactiveMembers), counts)
		}
		return nil
	})
}

// inactiveMembers erases each member inactive since cutoff through the
// EraseInactive hook, or only counts them without one.
func (s *Service) inactiveMembers(ctx context.Context, cutoff time.Time, counts map[string]int64) error {
	var after int64
	for {
		ids, err := s.db.InactiveMembers(ctx, cutoff, after, s.opts.Batch)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if s.opts.EraseInactive == nil {
				counts["inactive_members_found"]++
				continue
			}
			err := s.opts.EraseInactive(ctx, id)
			if code := fanmail.ErrorCode(err); code != "" && code != fanmail.EINTERNAL {
				// Erasure refused it (a pending redemption, an open
				// case): it is tried again tomorrow.
				s.logger.Warn("inactive member not erased", "member_id", id, "err", err)
				counts["inactive_members_refused"]++
				continue
			}
			if err != nil {
				return err
			}
			counts["inactive_members_erased"]++
		}
		if len(ids) < s.opts.Batch {
			return nil
		}
		after = ids[len(ids)-1]
	}
}
