package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/fanmail/fanmail/internal/store"
)

// riverClient is what Queue needs from River's generic client; the
// transaction type (pgx.Tx or *sql.Tx) stays inside client[TTx].
type riverClient interface {
	insertMany(ctx context.Context, params []river.InsertManyParams) error
	start(ctx context.Context) error
	stop(ctx context.Context) error
	stopAndCancel(ctx context.Context) error
	migrate(ctx context.Context) (applied int, err error)
}

type client[TTx any] struct {
	driver riverdriver.Driver[TTx]
	river  *river.Client[TTx]
	logger *slog.Logger
	// lock holds off other nodes while migrating; it returns the unlock.
	lock func(ctx context.Context) (unlock func(), err error)
}

func newClient[TTx any](driver riverdriver.Driver[TTx], cfg *river.Config) (*client[TTx], error) {
	rc, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, err
	}
	return &client[TTx]{driver: driver, river: rc, logger: cfg.Logger}, nil
}

func (c *client[TTx]) insertMany(ctx context.Context, params []river.InsertManyParams) error {
	if len(params) == 1 {
		_, err := c.river.Insert(ctx, params[0].Args, params[0].InsertOpts)
		return err
	}
	_, err := c.river.InsertMany(ctx, params)
	return err
}

func (c *client[TTx]) start(ctx context.Context) error         { return c.river.Start(ctx) }
func (c *client[TTx]) stop(ctx context.Context) error          { return c.river.Stop(ctx) }
func (c *client[TTx]) stopAndCancel(ctx context.Context) error { return c.river.StopAndCancel(ctx) }

func (c *client[TTx]) migrate(ctx context.Context) (int, error) {
	unlock, err := c.lock(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	// Schema stays empty: River then uses unqualified names, which resolve
	// through the connection's search_path on PostgreSQL.
	m, err := rivermigrate.New(c.driver, &rivermigrate.Config{Logger: c.logger})
	if err != nil {
		return 0, err
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return 0, err
	}
	return len(res.Versions), nil
}

// sqliteMigrations serialises River migrations within this process: River
// checks which versions exist outside the transaction that applies one, so
// two concurrent runs would both try to create the tables. A SQLite file is
// served by one fanmail process, so a process-wide lock is enough.
var sqliteMigrations sync.Mutex

// newSQLiteClient runs River on fanmail's own *sql.DB. River's docs suggest
// one open connection to avoid SQLITE_BUSY; fanmail's DSN instead makes every
// transaction BEGIN IMMEDIATE with a busy timeout, so writers queue for the
// lock rather than fail, and River's SQLite driver writes its own timestamp
// text, so _time_format does not matter to it.
func newSQLiteClient(db *store.DB, cfg *river.Config) (riverClient, error) {
	c, err := newClient[*sql.Tx](riversqlite.New(db.SQL()), cfg)
	if err != nil {
		return nil, err
	}
	c.lock = func(context.Context) (func(), error) {
		sqliteMigrations.Lock()
		return sqliteMigrations.Unlock, nil
	}
	return c, nil
}

// migrateLockKey is the PostgreSQL advisory lock held while River migrates;
// store uses 72616131 for fanmail's own migrations.
const migrateLockKey = 72616132

func newPostgresClient(db *store.DB, cfg *river.Config) (riverClient, error) {
	pool := db.Pool()
	c, err := newClient[pgx.Tx](riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, err
	}
	c.lock = func(ctx context.Context) (func(), error) {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateLockKey); err != nil {
			conn.Release()
			return nil, err
		}
		return func() {
			conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, migrateLockKey)
			conn.Release()
		}, nil
	}
	return c, nil
}

// riverConfig turns Options into River's client configuration, with one
// worker that dispatches every fanmail kind to its Handler.
func (q *Queue) riverConfig(opts Options, periodic []*river.PeriodicJob) *river.Config {
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(q.work))
	cfg := &river.Config{
		// River's own per-job lines (Info) would repeat ours; keep its warnings.
		Logger:            slog.New(minLevel{q.logger.Handler(), slog.LevelWarn}).With("component", "river"),
		Workers:           workers,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cmp.Or(max(opts.Workers, 0), 10)}},
		PeriodicJobs:      periodic,
		MaxAttempts:       opts.MaxAttempts,
		JobTimeout:        opts.JobTimeout,
		FetchPollInterval: opts.PollInterval,
	}
	if opts.PollInterval > 0 {
		// River fetches at most once a cooldown, and a fetch takes at most
		// as many jobs as workers are free: with the default 100 ms, a
		// burst of flow steps ran 4 jobs per 100 ms. A short cooldown lets
		// finished workers take the next jobs at once (River refuses a poll
		// interval shorter than the cooldown).
		cfg.FetchCooldown = min(opts.PollInterval, 10*time.Millisecond)
	}
	if opts.RetryDelay != nil {
		cfg.RetryPolicy = retryPolicy{opts.RetryDelay}
	}
	return cfg
}

func (q *Queue) periodicJobs(list []Periodic) ([]*river.PeriodicJob, error) {
	var out []*river.PeriodicJob
	var seen []string
	for _, p := range list {
		if _, ok := q.handlers[p.Kind]; !ok {
			return nil, fmt.Errorf("jobs: periodic %q has no handler", p.Kind)
		}
		if p.Every <= 0 {
			return nil, fmt.Errorf("jobs: periodic %q: Every must be positive", p.Kind)
		}
		if slices.Contains(seen, p.Kind) {
			return nil, fmt.Errorf("jobs: periodic %q listed twice", p.Kind)
		}
		seen = append(seen, p.Kind)
		params, err := q.params(Job{Kind: p.Kind, Payload: p.Payload, Opts: []InsertOpt{UniqueKey("periodic")}})
		if err != nil {
			return nil, fmt.Errorf("jobs: periodic %q: %w", p.Kind, err)
		}
		out = append(out, river.NewPeriodicJob(
			river.PeriodicInterval(p.Every),
			func() (river.JobArgs, *river.InsertOpts) {
				opts := *params.InsertOpts
				return params.Args, &opts
			},
			&river.PeriodicJobOpts{RunOnStart: p.RunOnStart},
		))
	}
	return out, nil
}

// work runs the handler for one job and logs one line about it.
func (q *Queue) work(ctx context.Context, job *river.Job[jobArgs]) (err error) {
	start := time.Now()
	kind := job.Args.JobKind
	defer func() {
		if r := recover(); r != nil {
			q.logger.Error("job panicked", "kind", kind, "job_id", job.ID, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("job %d panicked: %v", job.ID, r)
		}
		err = q.logJob(ctx, job.JobRow, kind, time.Since(start), err)
	}()
	h, ok := q.handlers[kind]
	if !ok {
		// Retried, not cancelled: during a rolling deploy a newer node may
		// know the kind.
		return fmt.Errorf("no handler for job kind %q", kind)
	}
	return h(ctx, job.Args.Payload)
}

// logJob writes the job's line and turns Permanent errors into River's
// cancellation.
func (q *Queue) logJob(ctx context.Context, job *rivertype.JobRow, kind string, d time.Duration, err error) error {
	attrs := []any{"kind", kind, "job_id", job.ID, "attempt", job.Attempt, "duration", d}
	var perm *permanentError
	switch {
	case err == nil:
		q.logger.Info("job done", append(attrs, "outcome", "completed")...)
		return nil
	case errors.As(err, &perm):
		q.logger.Error("job failed", append(attrs, "outcome", "cancelled", "err", err)...)
		return river.JobCancel(err)
	case errors.Is(ctx.Err(), context.Canceled) && errors.Is(err, context.Canceled):
		// Stop cancelled it; River puts it back without spending an attempt.
		// (A JobTimeout ends in DeadlineExceeded and counts as a failure.)
		q.logger.Warn("job failed", append(attrs, "outcome", "interrupted", "err", err)...)
	case job.Attempt >= job.MaxAttempts:
		q.logger.Error("job failed", append(attrs, "outcome", "discarded", "err", err)...)
	default:
		q.logger.Warn("job failed", append(attrs, "outcome", "retry", "err", err)...)
	}
	return err
}

// retryPolicy applies Options.RetryDelay.
type retryPolicy struct {
	delay func(attempt int) time.Duration
}

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(max(p.delay(job.Attempt), 0))
}

// minLevel drops records below min before they reach h; it carries River's
// log into ours.
type minLevel struct {
	h   slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.h.Enabled(ctx, l)
}

// Handle passes r on, but as Debug when it is an error River logs with a
// context that Stop cancelled: River's services log their interrupted
// database call ("context canceled") at ERROR on every clean shutdown.
// River's contexts descend from Start's, which is never cancelled (see
// Queue.Start), so only Stop cancels them.
func (m minLevel) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError && errors.Is(ctx.Err(), context.Canceled) {
		if !m.h.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r.Level = slog.LevelDebug
		r.Message += " (stopping)"
	}
	return m.h.Handle(ctx, r)
}

func (m minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{m.h.WithAttrs(as), m.min}
}
func (m minLevel) WithGroup(name string) slog.Handler { return minLevel{m.h.WithGroup(name), m.min} }
