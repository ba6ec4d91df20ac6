package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fanmail/fanmail/internal/jobs"
)

// Job kinds owned by the app itself.
const jobSessionCleanup = "app.session_cleanup"

// openQueue builds the durable job queue with every service's handlers and
// the periodic jobs, and hands the services its Insert.
func (a *App) openQueue(ctx context.Context) error {
	handlers := map[string]jobs.Handler{
		jobSessionCleanup: func(ctx context.Context, _ json.RawMessage) error {
			n, err := a.db.DeleteExpiredSessions(ctx)
			if n > 0 {
				a.logger.Debug("expired sessions deleted", "count", n)
			}
			return err
		},
	}
	for _, hs := range []map[string]jobs.Handler{a.Campaigns.JobHandlers(), a.Events.Handlers(), a.Loyalty.JobHandlers(),
		a.Compliance.JobHandlers()} {
		for kind, h := range hs {
			handlers[kind] = h
		}
	}
	periodic := []jobs.Periodic{{Kind: jobSessionCleanup, Every: time.Hour, RunOnStart: true}}
	periodic = append(periodic, a.Campaigns.Periodic()...)
	periodic = append(periodic, a.Loyalty.Periodic()...)
	periodic = append(periodic, a.Compliance.Periodic()...)
	q, err := jobs.New(a.db, a.logger, jobs.Options{
		Handlers: handlers,
		Workers:  a.cfg.Workers,
		Periodic: periodic,
		// Flow steps (a chip mail after a brand selection) should not wait
		// up to River's default second for a worker to notice them.
		PollInterval: 100 * time.Millisecond,
	})
	if err != nil {
		return err
	}
	if err := q.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate queue: %w", err)
	}
	a.queue = q
	a.Events.Use(q)
	enqueue := func(ctx context.Context, kind string, payload any) error {
		return q.Insert(ctx, kind, payload)
	}
	a.Campaigns.SetEnqueue(enqueue)
	return nil
}
