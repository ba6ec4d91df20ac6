// Package jobs owns fanmail's durable job queue: work that must survive a
// restart, retried with backoff, and schedules that run on one node at a time.
// It runs River (riverqueue.com) on SQLite and PostgreSQL and hides River's
// generic client behind Queue, so the rest of fanmail sees only job kinds and
// JSON payloads.
//
// Jobs run at least once, so handlers must be idempotent. Enqueue after the
// transaction that made the work necessary commits, and let a periodic sweeper
// enqueue whatever the database says is still pending: that also covers a crash
// between commit and enqueue. (There is no InsertTx: River's PostgreSQL driver
// needs a pgx.Tx, and fanmail's transactions are *sql.Tx.)
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/fanmail/fanmail/internal/store"
)

// Handler does one job; payload is the JSON given to Insert. Returning an
// error retries the job with backoff until its attempts run out; wrap the
// error with Permanent to give up at once. ctx ends when the job times out
// or when Stop's context ends.
type Handler func(ctx context.Context, payload json.RawMessage) error

// Periodic is a job inserted every Every by whichever node is currently the
// elected leader, so it runs once per tick across all nodes. A tick is skipped
// while the previous job of the same Periodic is still waiting or running.
type Periodic struct {
	Kind       string
	Every      time.Duration
	Payload    any  // marshalled to JSON once, by New
	RunOnStart bool // also insert one as soon as a node becomes leader
}

// Options configure a Queue. Zero values mean River's defaults.
type Options struct {
	// Handlers maps each job kind to the function that does it. Insert
	// refuses kinds not listed here.
	Handlers map[string]Handler
	// Periodic jobs; their kinds must be in Handlers.
	Periodic []Periodic
	// Workers is how many jobs this node runs at once (default 10).
	Workers int
	// MaxAttempts is how often a job is tried before it is discarded
	// (default 25, about three weeks of backoff).
	MaxAttempts int
	// JobTimeout cancels a handler's context after this long (default one
	// minute; -1 for never).
	JobTimeout time.Duration
	// RetryDelay gives the wait before retry number attempt (1 after the
	// first failure). Nil means River's backoff: attempt⁴ seconds plus jitter.
	RetryDelay func(attempt int) time.Duration
	// PollInterval is how often a node looks for due jobs it was not told
	// about (default one second). New jobs are normally noticed at once.
	PollInterval time.Duration
}

// Queue is fanmail's durable job queue over the application database.
type Queue struct {
	db       *store.DB
	logger   *slog.Logger
	handlers map[string]Handler
	river    riverClient
}

// New builds a queue on db. It does not touch the database: call Migrate
// before the first Insert or Start.
func New(db *store.DB, logger *slog.Logger, opts Options) (*Queue, error) {
	if len(opts.Handlers) == 0 {
		return nil, errors.New("jobs: no handlers")
	}
	if logger == nil {
		logger = slog.Default()
	}
	q := &Queue{db: db, logger: logger, handlers: opts.Handlers}
	for kind, h := range opts.Handlers {
		if kind == "" || h == nil {
			return nil, fmt.Errorf("jobs: empty kind or nil handler for %q", kind)
		}
	}
	periodic, err := q.periodicJobs(opts.Periodic)
	if err != nil {
		return nil, err
	}
	cfg := q.riverConfig(opts, periodic)
	switch db.Engine() {
	case store.SQLite:
		q.river, err = newSQLiteClient(db, cfg)
	case store.Postgres:
		q.river, err = newPostgresClient(db, cfg)
	default:
		err = fmt.Errorf("unknown engine %q", db.Engine())
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return q, nil
}

// Migrate creates or updates River's tables next to fanmail's: in the
// search_path schema on PostgreSQL, in the same file on SQLite. It is
// idempotent; on PostgreSQL an advisory lock lets several nodes call it at
// once (on SQLite, calls within one process are serialised).
func (q *Queue) Migrate(ctx context.Context) error {
	n, err := q.river.migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate jobs: %w", err)
	}
	if n > 0 {
		q.logger.Info("job queue migrated", "versions", n)
	}
	return nil
}

// Insert enqueues one job of kind with payload marshalled to JSON. With
// UniqueKey or UniqueFor, a duplicate is silently skipped and Insert returns
// nil. It fails if kind has no handler.
//
// On SQLite, do not call Insert while holding a transaction: it waits for
// the single write lock that transaction holds.
func (q *Queue) Insert(ctx context.Context, kind string, payload any, opts ...InsertOpt) error {
	p, err := q.params(Job{Kind: kind, Payload: payload, Opts: opts})
	if err != nil {
		return err
	}
	if err := q.river.insertMany(ctx, []river.InsertManyParams{p}); err != nil {
		return fmt.Errorf("insert %s job: %w", kind, err)
	}
	return nil
}

// Job is one job for InsertMany.
type Job struct {
	Kind    string
	Payload any
	Opts    []InsertOpt
}

// InsertMany enqueues jobs in one transaction: all or none.
func (q *Queue) InsertMany(ctx context.Context, jobs []Job) error {
	if len(jobs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		p, err := q.params(j)
		if err != nil {
			return err
		}
		params[i] = p
	}
	if err := q.river.insertMany(ctx, params); err != nil {
		return fmt.Errorf("insert %d jobs: %w", len(jobs), err)
	}
	return nil
}

// Start begins working jobs and, on the elected leader, inserting periodic
// ones. Cancelling ctx does not stop the queue: call Stop, so that running
// jobs can finish.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.river.start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	return nil
}

// Stop stops taking new jobs and waits for running ones to finish. If ctx
// ends first, it cancels the running jobs' contexts, waits briefly for them to
// return (they are retried later), and returns ctx's error. Stop on a queue
// that was never started returns nil.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.river.stop(ctx)
	if err == nil {
		return nil
	}
	if ctx.Err() == nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := q.river.stopAndCancel(hard); err != nil {
		q.logger.Error("job queue did not stop", "err", err)
	}
	return fmt.Errorf("stop jobs: %w", ctx.Err())
}

// Permanent marks err as not worth retrying: a handler returning it ends the
// job as cancelled after this attempt.
func Permanent(err error) error { return &permanentError{err} }

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }
