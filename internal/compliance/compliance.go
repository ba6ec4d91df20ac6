// Package compliance owns the Korean Network Act's consent notices and
// the retention of personal data: the result notice after every
// advertising consent decision (art. 50(7)), the two-yearly
// re-confirmation (art. 50(8)), the nightly retention job (PIPA art. 21),
// the record of each run, and the status the compliance page shows.
//
// Every job takes "now" from the database's clock (db.Now) and keeps what
// it did in the database, so it is idempotent: a run stopped halfway is
// finished by the next, a clock that jumps back sends nothing again, and
// one that jumps forward sends what fell due, once.
package compliance

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/jobs"
	"github.com/fanmail/fanmail/internal/store"
)

// Job kinds, each periodic; the runs are recorded in job_runs under these names.
const (
	JobResultNotices = "compliance.result_notices"
	JobReconfirm     = "compliance.reconfirm"
	JobRetention     = "compliance.retention"
)

// Jobs lists the job kinds in the order the compliance page shows them.
var Jobs = []string{JobResultNotices, JobReconfirm, JobRetention}

// Options configure a Service. Zero values mean the defaults.
type Options struct {
	// BaseURL is the public site: notices link to BaseURL/portal/consents.
	BaseURL string
	// Sender names who sends the advertising the notices are about: the
	// sender of the legal footer. Nil names "fanmail".
	Sender func(ctx context.Context) (fanmail.Sender, error)
	// AfterCommit runs after a transaction that wrote outbox messages
	// commits (wakes the outbox).
	AfterCommit func()
	// Retention is how long each type of data is kept.
	Retention config.Retention
	// EraseInactive erases (anonymises) one inactive member past
	// Retention.InactiveMembers. Nil only counts them: the run reports
	// inactive_members_found, and nothing is erased.
	EraseInactive func(ctx context.Context, memberID int64) error
	// NoticeEvery is how often result notices are written (default
	// hourly, well within the 14 days); ReconfirmEvery and RetentionEvery
	// default to daily.
	NoticeEvery, ReconfirmEvery, RetentionEvery time.Duration
	// Batch is how many records one query reads (default 200).
	Batch int
}

// Service writes the notices and applies retention.
type Service struct {
	db     *store.DB
	logger *slog.Logger
	opts   Options
	// afterNotice runs after each notice's transaction commits; tests
	// stop a run halfway with it.
	afterNotice func()
}

// New returns the compliance service over db.
func New(db *store.DB, logger *slog.Logger, opts Options) *Service {
	if opts.NoticeEvery <= 0 {
		opts.NoticeEvery = time.Hour
	}
	if opts.ReconfirmEvery <= 0 {
		opts.ReconfirmEvery = 24 * time.Hour
	}
	if opts.RetentionEvery <= 0 {
		opts.RetentionEvery = 24 * time.Hour
	}
	if opts.Batch <= 0 {
		opts.Batch = 200
	}
	if opts.AfterCommit == nil {
		opts.AfterCommit = func() {}
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{db: db, logger: logger, opts: opts, afterNotice: func() {}}
}

// JobHandlers returns the handlers of this package's job kinds.
func (s *Service) JobHandlers() map[string]jobs.Handler {
	handler := func(fn func(context.Context) (map[string]int64, error)) jobs.Handler {
		return func(ctx context.Context, _ json.RawMessage) error {
			_, err := fn(ctx)
			return err
		}
	}
	return map[string]jobs.Handler{
		JobResultNotices: handler(s.SendResultNotices),
		JobReconfirm:     handler(s.SendReconfirmations),
		JobRetention:     handler(s.ApplyRetention),
	}
}

// Periodic returns the periodic jobs this package needs. The daily ones
// also run when a node becomes leader, or a node restarted more often than
// daily would never run them; result notices run hourly from then on.
func (s *Service) Periodic() []jobs.Periodic {
	return []jobs.Periodic{
		{Kind: JobResultNotices, Every: s.opts.NoticeEvery},
		{Kind: JobReconfirm, Every: s.opts.ReconfirmEvery, RunOnStart: true},
		{Kind: JobRetention, Every: s.opts.RetentionEvery, RunOnStart: true},
	}
}

// Run runs job now, as the queue would: the CLI's "compliance run".
// It returns ENOTFOUND for an unknown job.
func (s *Service) Run(ctx context.Context, job string) (map[string]int64, error) {
	switch job {
	case JobResultNotices, "notices":
		return s.SendResultNotices(ctx)
	case JobReconfirm, "reconfirm":
		return s.SendReconfirmations(ctx)
	case JobRetention, "retention":
		return s.ApplyRetention(ctx)
	}
	return nil, fanmail.Errorf(fanmail.ENOTFOUND, "Unknown job: use notices, reconfirm or retention.")
}

// record runs fn as one run of job, kept in job_runs with its counts and
// error, and logs it.
func (s *Service) record(ctx context.Context, job string, fn func(ctx context.Context, counts map[string]int64) error) (map[string]int64, error) {
	id, err := s.db.StartJobRun(ctx, job)
	if err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	runErr := fn(ctx, counts)
	msg := ""
	if runErr != nil {
		msg = runErr.Error()
	}
	// The run is recorded even when ctx was cancelled halfway.
	if err := s.db.FinishJobRun(context.WithoutCancel(ctx), id, counts, msg); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		return counts, fmt.Errorf("%s: %w", job, runErr)
	}
	s.logger.Info("compliance job done", "job", job, "counts", counts)
	return counts, nil
}

// sender returns the name notices are sent in.
func (s *Service) sender(ctx context.Context) (string, error) {
	if s.opts.Sender == nil {
		return "fanmail", nil
	}
	snd, err := s.opts.Sender(ctx)
	if err != nil {
		return "", err
	}
	if snd.Name == "" {
		return "fanmail", nil
	}
	return snd.Name, nil
}

// SetEraseInactive sets Options.EraseInactive, for wiring that builds the
// member erasure after this service.
func (s *Service) SetEraseInactive(fn func(ctx context.Context, memberID int64) error) {
	s.opts.EraseInactive = fn
}
