package compliance

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// noticeData is what a notice message is rendered from, fixed when it is
// written: the sender then, and each consent it reports.
type noticeData struct {
	Sender string       `json:"sender"`
	Items  []noticeItem `json:"items"`
}

type noticeItem struct {
	Purpose string    `json:"purpose"`
	Result  string    `json:"result"` // fanmail.ConsentGranted, …; "" in a re-confirmation
	At      time.Time `json:"at"`     // the decision, or the date of consent
}

// SendResultNotices writes a result notice (Network Act art. 50(7)) for
// every advertising consent record of a confirmed member that has none:
// one e-mail per decision, listing each channel it decided (records of one
// member made in one transaction are one decision). Consent about SMS is
// noticed by e-mail too, the channel fanmail has. Each notice is written in
// one transaction with the records it covers, so a run stopped halfway
// wrote whole notices, and the next run writes the rest; no record is
// noticed twice. Counts: events, notices.
func (s *Service) SendResultNotices(ctx context.Context) (map[string]int64, error) {
	return s.record(ctx, JobResultNotices, func(ctx context.Context, counts map[string]int64) error {
		sender, err := s.sender(ctx)
		if err != nil {
			return err
		}
		var after int64
		for {
			es, err := s.db.UnnoticedConsents(ctx, after, s.opts.Batch)
			if err != nil {
				return err
			}
			groups := groupDecisions(es)
			if len(es) == s.opts.Batch && len(groups) > 1 {
				groups = groups[:len(groups)-1] // may go on in the next batch
			}
			for _, g := range groups {
				if err := s.writeResultNotice(ctx, sender, g); err != nil {
					return err
				}
				counts["events"] += int64(len(g))
				counts["notices"]++
				after = g[len(g)-1].ID
				s.afterNotice()
			}
			if len(es) < s.opts.Batch {
				return nil
			}
		}
	})
}

// groupDecisions splits records (by id) into decisions: runs of one
// member's records made at the same time.
func groupDecisions(es []store.ConsentEvent) [][]store.ConsentEvent {
	var out [][]store.ConsentEvent
	for i, e := range es {
		if i > 0 && e.MemberID == es[i-1].MemberID && e.CreatedAt.Equal(es[i-1].CreatedAt) {
			out[len(out)-1] = append(out[len(out)-1], e)
			continue
		}
		out = append(out, []store.ConsentEvent{e})
	}
	return out
}

func (s *Service) writeResultNotice(ctx context.Context, sender string, g []store.ConsentEvent) error {
	d := noticeData{Sender: sender}
	ids := make([]int64, len(g))
	for i, e := range g {
		d.Items = append(d.Items, noticeItem{Purpose: e.Purpose, Result: e.Result(), At: e.CreatedAt})
		ids[i] = e.ID
	}
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		m, _, err := tx.EnqueueMessage(ctx, fanmail.Message{Kind: fanmail.MessageConsentNotice, Channel: fanmail.ChannelEmail,
			Purpose: fanmail.PurposeTransactional, MemberID: g[0].MemberID,
			Ref: "consent_notice:" + strconv.FormatInt(g[0].ID, 10), Data: data})
		if err != nil {
			return err
		}
		return tx.MarkConsentsNoticed(ctx, ids, m.ID)
	})
	if err != nil {
		return err
	}
	s.opts.AfterCommit()
	return nil
}

// DueReconfirmation is one grant whose re-confirmation period fell due
// and has not been noticed.
type DueReconfirmation struct {
	store.StandingGrant
	Period int       // the period due (1 = two years after the grant)
	DueAt  time.Time // when it fell due
}

// dueReconfirmations calls fn with the due grants of each member in turn,
// at now. fn returning an error stops the walk with it.
func (s *Service) dueReconfirmations(ctx context.Context, now time.Time, fn func(due []DueReconfirmation) error) error {
	// A day's margin: ReconfirmPeriod decides, on KST calendar dates.
	by := now.AddDate(-fanmail.ReconfirmYears, 0, 1)
	var afterMember, afterID int64
	for {
		gs, err := s.db.StandingGrants(ctx, by, afterMember, afterID, s.opts.Batch)
		if err != nil {
			return err
		}
		full := len(gs) == s.opts.Batch
		if full && gs[0].MemberID != gs[len(gs)-1].MemberID {
			// The last member's grants may go on in the next batch.
			last := gs[len(gs)-1].MemberID
			for gs[len(gs)-1].MemberID == last {
				gs = gs[:len(gs)-1]
			}
		}
		for i := 0; i < len(gs); {
			j := i
			var due []DueReconfirmation
			for ; j < len(gs) && gs[j].MemberID == gs[i].MemberID; j++ {
				g := gs[j]
				if n := fanmail.ReconfirmPeriod(g.GrantedAt, now); n >= 1 && n > g.LastPeriod {
					due = append(due, DueReconfirmation{StandingGrant: g, Period: n, DueAt: fanmail.ReconfirmDue(g.GrantedAt, n)})
				}
			}
			if len(due) > 0 {
				if err := fn(due); err != nil {
					return err
				}
			}
			i = j
		}
		if !full {
			return nil
		}
		afterMember, afterID = gs[len(gs)-1].MemberID, gs[len(gs)-1].ConsentID
	}
}

// SendReconfirmations writes a re-confirmation notice (Network Act art.
// 50(8)) to each confirmed member with an advertising grant whose two-year
// period fell due: one e-mail per member listing each channel, the date of
// consent and how to withdraw. Each grant's period is noticed once: a clock
// that jumps back finds nothing due, and one that jumps several periods
// ahead notices the current period only. Counts: grants, notices.
func (s *Service) SendReconfirmations(ctx context.Context) (map[string]int64, error) {
	return s.record(ctx, JobReconfirm, func(ctx context.Context, counts map[string]int64) error {
		sender, err := s.sender(ctx)
		if err != nil {
			return err
		}
		return s.dueReconfirmations(ctx, s.db.Now(), func(due []DueReconfirmation) error {
			if err := s.writeReconfirmation(ctx, sender, due); err != nil {
				return err
			}
			counts["grants"] += int64(len(due))
			counts["notices"]++
			s.afterNotice()
			return nil
		})
	})
}

func (s *Service) writeReconfirmation(ctx context.Context, sender string, due []DueReconfirmation) error {
	d := noticeData{Sender: sender}
	for _, g := range due {
		d.Items = append(d.Items, noticeItem{Purpose: g.Purpose, At: g.GrantedAt})
	}
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	first := due[0]
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		m, _, err := tx.EnqueueMessage(ctx, fanmail.Message{Kind: fanmail.MessageConsentReconfirm, Channel: fanmail.ChannelEmail,
			Purpose: fanmail.PurposeTransactional, MemberID: first.MemberID,
			Ref:  "consent_reconfirm:" + strconv.FormatInt(first.ConsentID, 10) + ":" + strconv.Itoa(first.Period),
			Data: data})
		if err != nil {
			return err
		}
		for _, g := range due {
			if err := tx.MarkReconfirmed(ctx, g.ConsentID, g.Period, m.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.opts.AfterCommit()
	return nil
}
