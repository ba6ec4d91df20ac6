package compliance

import (
	"context"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/store"
)

// statusLimit bounds the records a Status lists; the counts are whole.
const statusLimit = 50

// Status is what the compliance page, the API and the CLI report.
type Status struct {
	At time.Time
	// OverdueNotices counts advertising consent records of confirmed
	// members older than 14 days without a result notice; Overdue lists
	// the oldest of them.
	OverdueNotices int
	Overdue        []store.ConsentEvent
	// ReconfirmationsDue counts grants whose two-year re-confirmation fell
	// due and was not noticed; Due lists the first of them.
	ReconfirmationsDue int
	Due                []DueReconfirmation
	// Runs is the last run of each job that ran, in the order of Jobs.
	Runs      []store.JobRun
	Retention []config.RetentionRule
}

// IsClear reports whether nothing is overdue and no last run failed.
func (st Status) IsClear() bool {
	for _, r := range st.Runs {
		if r.Error != "" {
			return false
		}
	}
	return st.OverdueNotices == 0 && st.ReconfirmationsDue == 0
}

// Status returns the notices overdue at the database's clock, the
// re-confirmations due, the last run of each job and the retention.
func (s *Service) Status(ctx context.Context) (Status, error) {
	st := Status{At: s.db.Now(), Retention: s.opts.Retention.Rules()}
	var err error
	st.OverdueNotices, st.Overdue, err = s.db.OverdueConsentNotices(ctx, st.At.Add(-fanmail.ResultNoticeDeadline), statusLimit)
	if err != nil {
		return st, err
	}
	err = s.dueReconfirmations(ctx, st.At, func(due []DueReconfirmation) error {
		st.ReconfirmationsDue += len(due)
		for _, d := range due {
			if len(st.Due) < statusLimit {
				st.Due = append(st.Due, d)
			}
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	st.Runs, err = s.db.LastJobRuns(ctx, Jobs)
	return st, err
}
