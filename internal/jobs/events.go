package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// Events carries flow events (fanmail.Event) from the transaction that wrote
// them (store.Tx.Emit) to the services that handle them: each handler of an
// event kind gets its own job, so a failed step is retried alone. Register
// handlers with On before the queue is built; Handlers gives the queue their
// job kinds.
type Events struct {
	db     *store.DB
	logger *slog.Logger
	subs   map[string][]string // event kind → job kinds
	hs     map[string]Handler  // job kind → handler
	queue  *Queue
	kick   chan struct{}
	mu     sync.Mutex
}

// NewEvents returns an event relay over db.
func NewEvents(db *store.DB, logger *slog.Logger) *Events {
	return &Events{db: db, logger: logger, subs: map[string][]string{}, hs: map[string]Handler{}, kick: make(chan struct{}, 1)}
}

// On registers handler name (e.g. "loyalty.welcome_chip") for events of
// type T. The handler runs as job kind "event.NAME" and must be idempotent.
func On[T fanmail.Event](e *Events, name string, fn func(ctx context.Context, ev T) error) {
	var zero T
	kind := zero.EventKind()
	job := "event." + name
	if _, dup := e.hs[job]; dup {
		panic("jobs: event handler " + name + " registered twice")
	}
	e.subs[kind] = append(e.subs[kind], job)
	e.hs[job] = Typed(fn)
}

// Handlers returns the job handlers of every registered event handler.
func (e *Events) Handlers() map[string]Handler { return e.hs }

// Use hands the relay the queue it inserts jobs into.
func (e *Events) Use(q *Queue) { e.queue = q }

// Kick makes the relay look for new events now; call it after a transaction
// that emitted events commits.
func (e *Events) Kick() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// Run relays events until ctx ends: at once when kicked, else every poll.
// Several nodes may relay the same event; the jobs' unique keys and the
// handlers' idempotence make that harmless.
func (e *Events) Run(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if err := e.Relay(ctx); err != nil && ctx.Err() == nil {
			e.logger.Warn("event relay", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-e.kick:
		case <-t.C:
		}
	}
}

// Relay hands every pending event to the queue, one job per handler, and
// marks it dispatched. Events no handler wants are marked dispatched too.
func (e *Events) Relay(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for {
		evs, err := e.db.PendingEvents(ctx, 500)
		if err != nil || len(evs) == 0 {
			return err
		}
		var jobs []Job
		ids := make([]int64, len(evs))
		for i, ev := range evs {
			ids[i] = ev.ID
			subs := e.subs[ev.Kind]
			sort.Strings(subs)
			for _, kind := range subs {
				jobs = append(jobs, Job{Kind: kind, Payload: ev.Payload, Opts: []InsertOpt{UniqueKey("event:" + strconv.FormatInt(ev.ID, 10))}})
			}
		}
		if err := e.insert(ctx, jobs); err != nil {
			return err
		}
		if err := e.db.MarkEventsDispatched(ctx, ids); err != nil {
			return err
		}
		if len(evs) < 500 {
			return nil
		}
	}
}

func (e *Events) insert(ctx context.Context, jobs []Job) error {
	if len(jobs) == 0 {
		return nil
	}
	if e.queue == nil {
		// No queue (some tests): run the handlers here, in order.
		for _, j := range jobs {
			if err := e.hs[j.Kind](ctx, j.Payload.(json.RawMessage)); err != nil {
				return fmt.Errorf("%s: %w", j.Kind, err)
			}
		}
		return nil
	}
	return e.queue.InsertMany(ctx, jobs)
}
