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
	Buffer    int           // events waiting at most (a batch too, if smaller); Record blocks when full; default 20000
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

// keepEvents is the capacity the queue and the batch may keep once drained
// (72 bytes an event): a burst's larger arrays are dropped, so an idle
// process holds almost nothing.
const keepEvents = 256

// writer collects events in memory and stores them in batches, one
// transaction per batch, so a request never waits for a database write.
//
// Events wait in a queue that grows with the load: a buffered channel of
// Buffer events would hold its whole buffer (1.4 MB) for good, and an idle
// server's heap goal twice that.
type writer struct {
	insert func(context.Context, []store.TokenEvent) (int64, error) // store.DB.InsertTokenEvents
	logger *slog.Logger
	opts   WriterOptions
	full   int // queue length that wakes the loop: a batch, or Buffer if smaller

	closeMu sync.RWMutex // held by record throughout, so close waits for records under way
	closed  bool
	quit    chan struct{} // closed by close

	mu    sync.Mutex
	queue []store.TokenEvent // recorded, not yet taken by the loop; oldest first
	space chan struct{}      // closed and replaced when the loop takes events; nil while nobody waits

	batch []store.TokenEvent // the loop's: grows with the load, goes when the queue drains

	wake  chan struct{} // capacity 1: the queue reached full
	flush chan chan struct{}
	done  chan struct{}

	recorded, stored, skipped, dropped, batches atomic.Int64
}

// newWriter starts a writer that stores its batches with insert
// (store.DB.InsertTokenEvents; tests wrap it).
func newWriter(insert func(context.Context, []store.TokenEvent) (int64, error), logger *slog.Logger, opts WriterOptions) *writer {
	opts = opts.withDefaults()
	w := &writer{
		insert: insert,
		logger: logger,
		opts:   opts,
		full:   min(opts.BatchSize, opts.Buffer),
		quit:   make(chan struct{}),
		wake:   make(chan struct{}, 1),
		flush:  make(chan chan struct{}),
		done:   make(chan struct{}),
	}
	go w.run()
	return w
}

// record queues e, waiting while Buffer events wait (back-pressure instead of
// losing events) until ctx ends.
func (w *writer) record(ctx context.Context, e store.TokenEvent) error {
	w.closeMu.RLock()
	defer w.closeMu.RUnlock()
	if w.closed {
		return errWriterClosed
	}
	for {
		w.mu.Lock()
		if len(w.queue) < w.opts.Buffer {
			w.queue = append(w.queue, e)
			n := len(w.queue)
			w.mu.Unlock()
			w.recorded.Add(1)
			// Only the loop shrinks the queue, and it keeps taking while
			// w.full events wait: a signal when the length reaches w.full
			// is enough.
			if n == w.full {
				select {
				case w.wake <- struct{}{}:
				default:
				}
			}
			return nil
		}
		if w.space == nil {
			w.space = make(chan struct{})
		}
		space := w.space
		w.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			return ctx.Err()
		}
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

// close stops taking events and waits until the queue is stored.
func (w *writer) close(ctx context.Context) error {
	w.closeMu.Lock()
	if !w.closed {
		w.closed = true
		close(w.quit)
	}
	w.closeMu.Unlock()
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
	tick := time.NewTicker(w.opts.Interval)
	defer tick.Stop()
	for {
		select {
		case <-w.wake:
			left := w.queued()
			for left >= w.full {
				left = w.storeFirst(w.opts.BatchSize)
			}
		case <-tick.C:
			w.storeFirst(w.queued())
		case reply := <-w.flush:
			// Everything recorded before sync was called is at the front
			// of the queue now; take just those, so a steady stream of new
			// events cannot keep sync waiting.
			w.storeFirst(w.queued())
			close(reply)
		case <-w.quit:
			// close closed quit holding closeMu: nothing more is queued.
			w.storeFirst(w.queued())
			return
		}
	}
}

func (w *writer) queued() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.queue)
}

// storeFirst stores the first n queued events, BatchSize at a time, and
// returns how many events wait after that. Only the loop calls it.
func (w *writer) storeFirst(n int) int {
	for n > 0 {
		w.take(min(n, w.opts.BatchSize))
		if len(w.batch) == 0 {
			break
		}
		n -= len(w.batch)
		w.store(w.batch)
		clear(w.batch) // the tokens need not outlive the batch
	}
	left := w.queued()
	if left == 0 && cap(w.batch) > keepEvents {
		w.batch = nil
	}
	return left
}

// take moves the first n queued events (or all, if fewer) into the batch and
// wakes the records waiting for space. A queue left empty gives up a large
// array.
func (w *writer) take(n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n = min(n, len(w.queue))
	w.batch = append(w.batch[:0], w.queue[:n]...)
	left := copy(w.queue, w.queue[n:])
	clear(w.queue[left:])
	w.queue = w.queue[:left]
	if left == 0 && cap(w.queue) > keepEvents {
		w.queue = nil
	}
	if w.space != nil {
		close(w.space)
		w.space = nil
	}
}

// store writes batch in one transaction. When the transaction fails (a
// campaign deleted meanwhile, say), it stores the events one by one so one
// bad row does not lose the others.
func (w *writer) store(batch []store.TokenEvent) {
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := w.insert(ctx, batch)
	if err == nil {
		w.stored.Add(n)
		w.skipped.Add(int64(len(batch)) - n)
		w.batches.Add(1)
		return
	}
	w.logger.Warn("event batch failed; storing one by one", "events", len(batch), "err", err)
	var dropped int
	var last error
	for _, e := range batch {
		n, err := w.insert(ctx, []store.TokenEvent{e})
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
}
