package tracking

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// WriterOptions tune the buffered event writer.
type WriterOptions struct {
	BatchSize int           // store after this many events; default 4000
	Interval  time.Duration // store at least this often; default 200ms
	Buffer    int           // events waiting at most; Record blocks when full; default 20000
}

func (o WriterOptions) withDefaults() WriterOptions {
	if o.BatchSize <= 0 {
		// Each commit makes SQLite's readers (the click look-ups) drop
		// their page caches: under load, batches of 4,000 commit a
		// quarter as often as batches of 1,000, and took bench/track at
		// 100k sends from 15.4–18.8k to 22.4–23.8k requests/s (2,000:
		// 18.5k; 8,000: 22.4k).
		o.BatchSize = 4000
	}
	if o.Interval <= 0 {
		o.Interval = 200 * time.Millisecond
	}
	if o.Buffer <= 0 {
		o.Buffer = 20000
	}
	return o
}

// WriterCounts say what the writer did since it started.
type WriterCounts struct {
	Recorded int64 // accepted by Record
	Stored   int64 // written to the database
	Skipped  int64 // their token named no send (deleted since the mail went out)
	Dropped  int64 // failed to store (logged)
	Batches  int64 // transactions committed
}

var errWriterClosed = fanmail.Errorf(fanmail.EUNAVAILABLE, "The service is shutting down; try again.")

// writer collects events in memory and stores them in batches, one
// transaction per batch, so a request never waits for a database write.
type writer struct {
	db     *store.DB
	logger *slog.Logger
	opts   WriterOptions

	mu     sync.RWMutex // guards closed against Record racing with Close
	closed bool
	in     chan store.TokenEvent
	flush  chan chan struct{}
	done   chan struct{}

	recorded, stored, skipped, dropped, batches atomic.Int64
}

func newWriter(db *store.DB, logger *slog.Logger, opts WriterOptions) *writer {
	opts = opts.withDefaults()
	w := &writer{
		db:     db,
		logger: logger,
		opts:   opts,
		in:     make(chan store.TokenEvent, opts.Buffer),
		flush:  make(chan chan struct{}),
		done:   make(chan struct{}),
	}
	go w.run()
	return w
}

// record queues e, waiting while the buffer is full (back-pressure instead of
// losing events) until ctx ends.
func (w *writer) record(ctx context.Context, e store.TokenEvent) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return errWriterClosed
	}
	select {
	case w.in <- e:
		w.recorded.Add(1)
		return nil
	default:
	}
	select {
	case w.in <- e:
		w.recorded.Add(1)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sync returns once every event recorded before the call is stored (or
// dropped after failing).
func (w *writer) sync(ctx context.Context) error {
	reply := make(chan struct{})
	select {
	case w.flush <- reply:
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-reply:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops taking events and waits until the buffer is stored.
func (w *writer) close(ctx context.Context) error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.in)
	}
	w.mu.Unlock()
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *writer) counts() WriterCounts {
	return WriterCounts{Recorded: w.recorded.Load(), Stored: w.stored.Load(), Skipped: w.skipped.Load(),
		Dropped: w.dropped.Load(), Batches: w.batches.Load()}
}

func (w *writer) run() {
	defer close(w.done)
	// The batch grows with the load and is kept for the next one; an idle
	// process holds none.
	var batch []store.TokenEvent
	tick := time.NewTicker(w.opts.Interval)
	defer tick.Stop()
	for {
		select {
		case e, ok := <-w.in:
			if !ok {
				w.store(batch)
				return
			}
			batch = append(batch, e)
			if len(batch) >= w.opts.BatchSize {
				batch = w.store(batch)
			}
		case <-tick.C:
			batch = w.store(batch)
		case reply := <-w.flush:
			// Everything recorded before sync was called is among the events
			// in the channel now; take just those, so a steady stream of new
			// events cannot keep sync waiting.
			open := true
			for n := len(w.in); n > 0 && open; n-- {
				e, ok := <-w.in
				if !ok {
					open = false
					break
				}
				batch = append(batch, e)
				if len(batch) >= w.opts.BatchSize {
					batch = w.store(batch)
				}
			}
			batch = w.store(batch)
			close(reply)
			if !open {
				return
			}
		}
	}
}

// store writes batch in one transaction and returns it emptied. When the
// transaction fails (a campaign deleted meanwhile, say), it stores the events
// one by one so one bad row does not lose the others.
func (w *writer) store(batch []store.TokenEvent) []store.TokenEvent {
	if len(batch) == 0 {
		return batch
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := w.db.InsertTokenEvents(ctx, batch)
	if err == nil {
		w.stored.Add(n)
		w.skipped.Add(int64(len(batch)) - n)
		w.batches.Add(1)
		return batch[:0]
	}
	w.logger.Warn("event batch failed; storing one by one", "events", len(batch), "err", err)
	var dropped int
	var last error
	for _, e := range batch {
		n, err := w.db.InsertTokenEvents(ctx, []store.TokenEvent{e})
		if err != nil {
			dropped++
			last = err
			continue
		}
		w.stored.Add(n)
		w.skipped.Add(1 - n)
	}
	if dropped > 0 {
		w.dropped.Add(int64(dropped))
		w.logger.Error("events dropped", "events", dropped, "err", last)
	}
	return batch[:0]
}
