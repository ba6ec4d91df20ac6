package campaign

import (
	"context"
	"errors"
	"time"

	"github.com/fanmail/fanmail"
)

// maxZoneLead is how far ahead of the company's clock the earliest time zone
// can be (UTC+14 against UTC-12).
const maxZoneLead = 26 * time.Hour

// Tick starts the scheduled campaigns that are due and finishes sending
// campaigns with nothing left to send. JobTick runs it on one node at a time;
// running it on several at once is harmless (starting is a compare-and-set).
func (s *Service) Tick(ctx context.Context) error {
	now := s.now()
	due, err := s.db.DueCampaigns(ctx, now.Add(maxZoneLead))
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range due {
		first, err := s.firstDue(ctx, c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if first.After(now) {
			continue
		}
		if err := s.start(ctx, c, now); err != nil {
			errs = append(errs, err)
		}
	}
	ids, err := s.db.SendingCampaignIDs(ctx)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, id := range ids {
		if err := s.maybeFinish(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// maybeFinish finishes campaign id if nothing is left to send.
func (s *Service) maybeFinish(ctx context.Context, id int64) error {
	done, err := s.db.FinishCampaign(ctx, id)
	if err != nil || !done {
		return err
	}
	s.logger.Info("campaign finished", "campaign_id", id)
	s.forget(id)
	s.notify()
	return nil
}

// analyzeSends refreshes the planner's statistics of sends after campaign
// id queued n of them at once (store.AnalyzeAfter): its claims are planned
// from them. A failure costs only speed, so it is logged.
func (s *Service) analyzeSends(ctx context.Context, id, n int64) {
	if _, err := s.db.AnalyzeAfter(ctx, n, "sends"); err != nil {
		s.logger.Warn("statistics not refreshed after campaign", "campaign_id", id, "err", err)
	}
}

// firstDue returns when the first member of c is due: SendAt, or with
// MemberTZ the wall-clock time of SendAt in the earliest member time zone.
func (s *Service) firstDue(ctx context.Context, c fanmail.Campaign) (time.Time, error) {
	if !c.MemberTZ {
		return *c.SendAt, nil
	}
	zones, err := s.memberZones(ctx)
	if err != nil {
		return time.Time{}, err
	}
	first := *c.SendAt
	for _, t := range zoneDue(c, zones) {
		if t.Before(first) {
			first = t
		}
	}
	return first, nil
}

// zoneDue returns, for each valid zone, the instant that has the wall-clock
// time of c.SendAt in c.Timezone.
func zoneDue(c fanmail.Campaign, zones []string) map[string]time.Time {
	home, err := time.LoadLocation(c.Timezone)
	if err != nil {
		home = time.UTC
	}
	w := c.SendAt.In(home)
	out := map[string]time.Time{}
	for _, z := range zones {
		loc, err := time.LoadLocation(z)
		if err != nil {
			continue // such members get the campaign's time
		}
		out[z] = time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc).UTC()
	}
	return out
}

// memberZones returns the time zones members have set, read at most every
// ten minutes.
func (s *Service) memberZones(ctx context.Context) ([]string, error) {
	s.mu.Lock()
	zones, at := s.zones, s.zonesAt
	s.mu.Unlock()
	if !at.IsZero() && time.Since(at) < 10*time.Minute {
		return zones, nil
	}
	zones, err := s.db.MemberTimezones(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.zones, s.zonesAt = zones, time.Now()
	s.mu.Unlock()
	return zones, nil
}

// start moves campaign c to sending: its audience is counted now, and
// with MemberTZ every send is queued at its zone's time. A campaign whose
// template no longer renders (a brand it shows was deleted) goes back to draft.
func (s *Service) start(ctx context.Context, c fanmail.Campaign, now time.Time) error {
	cc, err := s.compile(ctx, c, modeCheck)
	if err != nil {
		if fanmail.ErrorCode(err) != fanmail.EINVALID {
			return err
		}
		s.logger.Error("campaign cannot start, back to draft", "campaign_id", c.ID, "err", fanmail.ErrorMessage(err))
		_, err := s.db.MoveCampaign(ctx, c.ID, fanmail.CampaignDraft, nil, fanmail.CampaignScheduled)
		return err
	}
	a := cc.audience
	a.Due = *c.SendAt
	if c.MemberTZ {
		zones, err := s.memberZones(ctx)
		if err != nil {
			return err
		}
		a.Upfront, a.ZoneDue = true, zoneDue(c, zones)
	}
	started := time.Now()
	// Not cancellable: queueing a large campaign upfront may outlast the
	// job's timeout, and cancelling would roll it back to start over.
	_, n, err := s.db.StartCampaign(context.WithoutCancel(ctx), c.ID, a, now)
	if fanmail.ErrorCode(err) == fanmail.ECONFLICT {
		return nil // another node started it
	}
	if err != nil {
		return err
	}
	s.logger.Info("campaign started", "campaign_id", c.ID, "audience", n, "took", time.Since(started).Round(time.Millisecond))
	s.notify()
	if a.Upfront {
		s.analyzeSends(context.WithoutCancel(ctx), c.ID, n) // every send queued at once
	}
	if n == 0 {
		return s.maybeFinish(ctx, c.ID)
	}
	return nil
}
