package tracking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/tracking/trackingtest"
)

// insertLog stores through the database and notes every event stored, so a
// test can tell a lost event from a duplicated one. With permits set, each
// insert first reports on entered and waits for a permit: the test holds the
// writer's loop at the database's door.
type insertLog struct {
	db      *store.DB
	permits chan struct{} // nil: inserts do not wait
	entered chan struct{}

	mu     sync.Mutex
	stored map[store.TokenEvent]int
}

func newInsertLog(db *store.DB, held bool) *insertLog {
	l := &insertLog{db: db, entered: make(chan struct{}, 1000), stored: map[store.TokenEvent]int{}}
	if held {
		l.permits = make(chan struct{})
	}
	return l
}

func (l *insertLog) insert(ctx context.Context, events []store.TokenEvent) (int64, error) {
	if l.permits != nil {
		l.entered <- struct{}{}
		<-l.permits
	}
	n, err := l.db.InsertTokenEvents(ctx, events)
	if err == nil {
		l.mu.Lock()
		for _, e := range events {
			l.stored[e]++
		}
		l.mu.Unlock()
	}
	return n, err
}

// times returns how often e was stored.
func (l *insertLog) times(e store.TokenEvent) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stored[e]
}

func (l *insertLog) total() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, k := range l.stored {
		n += k
	}
	return n
}

// opens returns n distinct opens of token: each has its own time.
func opens(token string, from, n int) []store.TokenEvent {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	es := make([]store.TokenEvent, n)
	for i := range es {
		es[i] = store.TokenEvent{Token: token, Kind: KindOpen, CreatedAt: t0.Add(time.Duration(from+i) * time.Second)}
	}
	return es
}

func testWriter(t *testing.T, l *insertLog, opts WriterOptions) *writer {
	t.Helper()
	w := newWriter(l.insert, slog.New(slog.NewTextHandler(t.Output(), nil)), opts)
	t.Cleanup(func() {
		if l.permits != nil {
			select {
			case <-l.permits:
			default:
				close(l.permits) // let a failed test's loop finish
			}
		}
		w.close(context.Background())
	})
	return w
}

// seedWriter seeds a campaign with one send and starts a writer with opts
// (held: see insertLog); it returns the writer, its insert log, n distinct
// opens of the send and the campaign's id.
func seedWriter(t *testing.T, db *store.DB, held bool, opts WriterOptions, n int) (*writer, *insertLog, []store.TokenEvent, int64) {
	t.Helper()
	c := trackingtest.Seed(t, db, trackingtest.Options{TrackPeople: true, SentAgo: time.Hour})
	l := newInsertLog(db, held)
	return testWriter(t, l, opts), l, opens(c.Sends[0].Token, 0, n), c.ID
}

// eventsIn counts the campaign's events in the database.
func eventsIn(t *testing.T, db *store.DB, campaignID int64) int {
	t.Helper()
	return trackingtest.Count(t, db, `SELECT COUNT(*) FROM events WHERE campaign_id = $1`, campaignID)
}

func mustRecord(t *testing.T, w *writer, es ...store.TokenEvent) {
	t.Helper()
	for _, e := range es {
		if err := w.record(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// queueCap returns the capacity of the queue's array.
func (w *writer) queueCap() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return cap(w.queue)
}

// waitForSpace returns once a record has found the queue full, and fails if
// the record that should block returns instead.
func waitForSpace(t *testing.T, w *writer, blocked <-chan error) {
	t.Helper()
	for {
		w.mu.Lock()
		waiting := w.space != nil
		w.mu.Unlock()
		if waiting {
			return
		}
		select {
		case err := <-blocked:
			t.Fatalf("record beyond Buffer returned %v while the loop was held", err)
		case <-time.After(time.Millisecond):
		}
	}
}

func TestWriter_BackPressure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w, l, ev, campaign := seedWriter(t, db, true, WriterOptions{BatchSize: 2, Buffer: 3, Interval: time.Hour}, 8)

		// A batch of two: the loop takes it and is held at the database.
		mustRecord(t, w, ev[0], ev[1])
		<-l.entered
		// Buffer (3) more wait in the queue.
		mustRecord(t, w, ev[2], ev[3], ev[4])

		// The next one waits for space.
		blocked := make(chan error, 1)
		go func() { blocked <- w.record(ctx, ev[5]) }()
		waitForSpace(t, w, blocked)

		// One whose ctx has ended, or ends while it waits, gives up.
		ended, cancel := context.WithCancel(ctx)
		cancel()
		if err := w.record(ended, ev[6]); !errors.Is(err, context.Canceled) {
			t.Errorf("record with an ended ctx: %v, want context.Canceled", err)
		}
		ending, cancel := context.WithCancel(ctx)
		gaveUp := make(chan error, 1)
		go func() { gaveUp <- w.record(ending, ev[7]) }()
		cancel()
		if err := <-gaveUp; !errors.Is(err, context.Canceled) {
			t.Errorf("record whose ctx ended while waiting: %v, want context.Canceled", err)
		}
		if n := w.counts().Recorded; n != 5 {
			t.Errorf("recorded = %d while full, want 5", n)
		}

		// The first batch stored, the loop takes the next: the waiting record goes in.
		l.permits <- struct{}{}
		if err := <-blocked; err != nil {
			t.Fatalf("waiting record: %v", err)
		}
		close(l.permits)
		if err := w.close(ctx); err != nil {
			t.Fatal(err)
		}
		for i, e := range ev {
			want := 1
			if i >= 6 {
				want = 0
			}
			if n := l.times(e); n != want {
				t.Errorf("event %d stored %d times, want %d", i, n, want)
			}
		}
		if got := w.counts(); got.Recorded != 6 || got.Stored != 6 || got.Dropped != 0 {
			t.Errorf("counts = %+v", got)
		}
		if n := eventsIn(t, db, campaign); n != 6 {
			t.Errorf("%d events in the database, want 6", n)
		}
	})
}

// Many recorders, a tiny buffer and tiny batches: every event is stored
// exactly once, and each recorder's sync covers what it recorded before.
func TestWriter_ManyRecorders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := trackingtest.Seed(t, db, trackingtest.Options{Members: 8, TrackPeople: true, SentAgo: time.Hour})
		for _, opts := range []WriterOptions{
			{BatchSize: 2, Buffer: 3, Interval: time.Hour},
			{BatchSize: 5, Buffer: 2, Interval: time.Hour}, // the buffer smaller than a batch
			{BatchSize: 3, Buffer: 4, Interval: time.Millisecond},
		} {
			t.Run(fmt.Sprintf("batch%d_buffer%d_%v", opts.BatchSize, opts.Buffer, opts.Interval), func(t *testing.T) {
				ctx := context.Background()
				l := newInsertLog(db, false)
				w := testWriter(t, l, opts)
				const per = 60
				var all []store.TokenEvent
				var wg sync.WaitGroup
				for _, snd := range c.Sends {
					es := opens(snd.Token, len(all), per)
					all = append(all, es...)
					wg.Go(func() {
						for i, e := range es {
							if err := w.record(ctx, e); err != nil {
								t.Error(err)
								return
							}
							if i%10 != 9 {
								continue
							}
							if err := w.sync(ctx); err != nil {
								t.Error(err)
								return
							}
							for j, e := range es[:i+1] {
								if l.times(e) != 1 {
									t.Errorf("after sync, event %d of %s stored %d times", j, snd.Token, l.times(e))
									return
								}
							}
						}
					})
				}
				wg.Wait()
				if err := w.close(ctx); err != nil {
					t.Fatal(err)
				}
				for _, e := range all {
					if n := l.times(e); n != 1 {
						t.Errorf("%s %v stored %d times", e.Token, e.CreatedAt, n)
					}
				}
				want := int64(len(all))
				if got := w.counts(); got.Recorded != want || got.Stored != want || got.Skipped != 0 || got.Dropped != 0 {
					t.Errorf("counts = %+v, want %d recorded and stored", got, want)
				}
				if n := l.total(); n != len(all) {
					t.Errorf("%d events stored, want %d", n, len(all))
				}
			})
		}
		if n := eventsIn(t, db, c.ID); n != 3*8*60 {
			t.Errorf("%d events in the database, want %d", n, 3*8*60)
		}
	})
}

func TestWriter_SyncClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w, l, ev, campaign := seedWriter(t, db, false, WriterOptions{BatchSize: 100, Buffer: 1000, Interval: time.Hour}, 9)

		// Fewer than a batch and no tick: nothing is stored until sync.
		mustRecord(t, w, ev[:5]...)
		if n := l.total(); n != 0 {
			t.Errorf("%d events stored before sync, want 0", n)
		}
		if err := w.sync(ctx); err != nil {
			t.Fatal(err)
		}
		if got := w.counts(); got.Stored != 5 || got.Batches != 1 {
			t.Errorf("after sync: counts = %+v, want 5 stored in 1 batch", got)
		}
		if err := w.sync(ctx); err != nil { // nothing queued
			t.Fatal(err)
		}

		// close stores what is queued, then returns.
		mustRecord(t, w, ev[5:8]...)
		if err := w.close(ctx); err != nil {
			t.Fatal(err)
		}
		if got := w.counts(); got.Recorded != 8 || got.Stored != 8 || got.Batches != 2 {
			t.Errorf("after close: counts = %+v, want 8 stored in 2 batches", got)
		}
		if err := w.record(ctx, ev[8]); !errors.Is(err, errWriterClosed) || fanmail.ErrorCode(err) != fanmail.EUNAVAILABLE {
			t.Errorf("record after close: %v", err)
		}
		if err := w.sync(ctx); err != nil {
			t.Errorf("sync after close: %v", err)
		}
		if err := w.close(ctx); err != nil {
			t.Errorf("second close: %v", err)
		}
		if got := w.counts(); got.Recorded != 8 || l.times(ev[8]) != 0 {
			t.Errorf("the event after close was taken: counts = %+v", got)
		}
		if n := eventsIn(t, db, campaign); n != 8 {
			t.Errorf("%d events in the database, want 8", n)
		}
	})
}

// close waits for a record that was waiting for space when close was called,
// and stores its event.
func TestWriter_CloseWhileFull(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w, l, ev, _ := seedWriter(t, db, true, WriterOptions{BatchSize: 1, Buffer: 1, Interval: time.Hour}, 3)
		mustRecord(t, w, ev[0])
		<-l.entered
		mustRecord(t, w, ev[1])
		blocked := make(chan error, 1)
		go func() { blocked <- w.record(ctx, ev[2]) }()
		waitForSpace(t, w, blocked)
		closed := make(chan error, 1)
		go func() { closed <- w.close(ctx) }()
		for w.closeMu.TryRLock() { // fails once close waits for the lock
			w.closeMu.RUnlock()
			time.Sleep(time.Millisecond)
		}
		close(l.permits)
		if err := <-blocked; err != nil {
			t.Errorf("record waiting when close began: %v", err)
		}
		if err := <-closed; err != nil {
			t.Fatal(err)
		}
		for i, e := range ev {
			if n := l.times(e); n != 1 {
				t.Errorf("event %d stored %d times", i, n)
			}
		}
	})
}

// A burst grows the queue; once it is stored the large arrays are gone.
func TestWriter_ReleasesQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w, l, ev, _ := seedWriter(t, db, true, WriterOptions{BatchSize: 1000, Buffer: 5000, Interval: time.Hour}, 6000)
		if n := w.queueCap(); n != 0 {
			t.Errorf("a new writer's queue holds %d events' room", n)
		}
		// The loop takes the first batch and is held; 5,000 more queue up.
		mustRecord(t, w, ev[:1000]...)
		<-l.entered
		mustRecord(t, w, ev[1000:]...)
		if n := w.queueCap(); n < 5000 {
			t.Fatalf("queue capacity %d with 5000 events waiting", n)
		}
		close(l.permits)
		if err := w.sync(ctx); err != nil {
			t.Fatal(err)
		}
		if got := w.counts(); got.Stored != 6000 || got.Batches != 6 {
			t.Errorf("counts = %+v, want 6000 stored in 6 batches", got)
		}
		// sync returned after the loop's last store: the loop is idle.
		if n := w.queueCap(); n > keepEvents {
			t.Errorf("drained queue keeps room for %d events, want at most %d", n, keepEvents)
		}
		if n := cap(w.batch); n > keepEvents {
			t.Errorf("drained writer keeps a batch of %d events' room, want at most %d", n, keepEvents)
		}
	})
}
