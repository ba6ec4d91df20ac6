package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// wait is how long a test waits for an outcome before failing; generous so
// that slow CI machines do not flake.
const wait = 60 * time.Second

type greeting struct {
	MemberID int64  `json:"member_id"`
	Name     string `json:"name"`
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

// fastOptions retries at once and polls often, so tests need not wait for
// River's production backoff.
func fastOptions(handlers map[string]Handler) Options {
	return Options{
		Handlers:     handlers,
		RetryDelay:   func(int) time.Duration { return 0 },
		PollInterval: 50 * time.Millisecond,
	}
}

// newQueue builds and migrates a queue, stopped at cleanup; it is not started.
func newQueue(t *testing.T, db *store.DB, opts Options) *Queue {
	t.Helper()
	q, err := New(db, testLogger(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return q
}

func start(t *testing.T, q *Queue) {
	t.Helper()
	if err := q.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func stop(t *testing.T, q *Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

// receive returns the next value from ch or fails the test after wait.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
	}
	panic("unreachable")
}

// jobStates counts River's rows by state, for the jobs this test inserted.
func jobStates(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	rows, err := db.SQL().QueryContext(t.Context(), `SELECT state, COUNT(*) FROM river_job GROUP BY state`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			t.Fatal(err)
		}
		got[state] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestQueue_Insert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		got := make(chan greeting, 1)
		q := newQueue(t, db, fastOptions(map[string]Handler{
			"welcome_mail": func(ctx context.Context, payload json.RawMessage) error {
				var g greeting
				if err := json.Unmarshal(payload, &g); err != nil {
					return Permanent(err)
				}
				got <- g
				return nil
			},
		}))
		start(t, q)
		want := greeting{MemberID: 42, Name: "김지민"}
		if err := q.Insert(t.Context(), "welcome_mail", want); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, receive(t, got, "handler")); diff != "" {
			t.Errorf("payload (-want +got):\n%s", diff)
		}
		stop(t, q)
		if diff := cmp.Diff(map[string]int{"completed": 1}, jobStates(t, db)); diff != "" {
			t.Errorf("job states (-want +got):\n%s", diff)
		}
	})
}

func TestQueue_InsertUnknownKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := newQueue(t, db, fastOptions(map[string]Handler{
			"welcome_mail": func(context.Context, json.RawMessage) error { return nil },
		}))
		if err := q.Insert(t.Context(), "no_such_kind", nil); err == nil {
			t.Error("Insert of an unknown kind succeeded")
		}
		err := q.InsertMany(t.Context(), []Job{{Kind: "welcome_mail"}, {Kind: "no_such_kind"}})
		if err == nil {
			t.Error("InsertMany with an unknown kind succeeded")
		}
		if diff := cmp.Diff(map[string]int{}, jobStates(t, db)); diff != "" {
			t.Errorf("job states (-want +got):\n%s", diff)
		}
	})
}

func TestQueue_InsertMany(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		got := make(chan string, 3)
		q := newQueue(t, db, fastOptions(map[string]Handler{
			"echo": func(ctx context.Context, payload json.RawMessage) error {
				var s string
				if err := json.Unmarshal(payload, &s); err != nil {
					return err
				}
				got <- s
				return nil
			},
		}))
		start(t, q)
		err := q.InsertMany(t.Context(), []Job{{Kind: "echo", Payload: "가"}, {Kind: "echo", Payload: "나"}, {Kind: "echo", Payload: "다"}})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for range 3 {
			seen[receive(t, got, "handler")] = true
		}
		if diff := cmp.Diff(map[string]bool{"가": true, "나": true, "다": true}, seen); diff != "" {
			t.Errorf("payloads (-want +got):\n%s", diff)
		}
	})
}

func TestQueue_Retry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var calls atomic.Int32
		done := make(chan int32, 1)
		q := newQueue(t, db, fastOptions(map[string]Handler{
			"flaky": func(ctx context.Context, payload json.RawMessage) error {
				n := calls.Add(1)
				if n < 3 {
					return fmt.Errorf("smtp 451: try %d", n)
				}
				done <- n
				return nil
			},
		}))
		start(t, q)
		if err := q.Insert(t.Context(), "flaky", nil); err != nil {
			t.Fatal(err)
		}
		if n := receive(t, done, "third attempt"); n != 3 {
			t.Errorf("succeeded on call %d, want 3", n)
		}
		stop(t, q)
		if diff := cmp.Diff(map[string]int{"completed": 1}, jobStates(t, db)); diff != "" {
			t.Errorf("job states (-want +got):\n%s", diff)
		}
	})
}

func TestQueue_Exhausted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var calls atomic.Int32
		tries := make(chan struct{}, 10)
		q := newQueue(t, db, fastOptions(map[string]Handler{
			"doomed": func(context.Context, json.RawMessage) error {
				calls.Add(1)
				tries <- struct{}{}
				return errors.New("mailbox unavailable")
			},
			"bad_input": func(context.Context, json.RawMessage) error {
				calls.Add(1)
				tries <- struct{}{}
				return Permanent(errors.New("no such campaign"))
			},
		}))
		start(t, q)
		if err := q.Insert(t.Context(), "doomed", nil, MaxAttempts(2)); err != nil {
			t.Fatal(err)
		}
		if err := q.Insert(t.Context(), "bad_input", nil); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			receive(t, tries, "attempt")
		}
		stop(t, q)
		if n := calls.Load(); n != 3 {
			t.Errorf("handlers called %d times, want 3", n)
		}
		if diff := cmp.Diff(map[string]int{"discarded": 1, "cancelled": 1}, jobStates(t, db)); diff != "" {
			t.Errorf("job states (-want +got):\n%s", diff)
		}
	})
}

func TestQueue_Unique(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		got := make(chan int64, 10)
		digests := make(chan string, 10)
		q := newQueue(t, db, fastOptions(map[string]Handler{
			"chip_mail": func(ctx context.Context, payload json.RawMessage) error {
				var g greeting
				if err := json.Unmarshal(payload, &g); err != nil {
					return err
				}
				got <- g.MemberID
				return nil
			},
			"digest": func(ctx context.Context, payload json.RawMessage) error {
				digests <- string(payload)
				return nil
			},
		}))
		ctx := t.Context()
		// Not started yet, so nothing finishes between the inserts.
		for range 3 {
			if err := q.Insert(ctx, "chip_mail", greeting{MemberID: 42}, UniqueKey("member:42")); err != nil {
				t.Fatal(err)
			}
		}
		if err := q.Insert(ctx, "chip_mail", greeting{MemberID: 43}, UniqueKey("member:43")); err != nil {
			t.Fatal(err)
		}
		for _, day := range []string{"2026-03-01", "2026-03-01", "2026-03-02"} {
			if err := q.Insert(ctx, "digest", day, UniqueFor(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff(map[string]int{"available": 4}, jobStates(t, db)); diff != "" {
			t.Errorf("job states before start (-want +got):\n%s", diff)
		}

		start(t, q)
		seen := map[int64]int{}
		for range 2 {
			seen[receive(t, got, "chip mail")]++
		}
		for range 2 {
			receive(t, digests, "digest")
		}
		stop(t, q)
		if diff := cmp.Diff(map[int64]int{42: 1, 43: 1}, seen); diff != "" {
			t.Errorf("members mailed (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]int{"completed": 4}, jobStates(t, db)); diff != "" {
			t.Errorf("job states after run (-want +got):\n%s", diff)
		}

		// A finished job no longer blocks its UniqueKey; UniqueFor still
		// counts it within its period.
		if err := q.Insert(ctx, "chip_mail", greeting{MemberID: 42}, UniqueKey("member:42")); err != nil {
			t.Fatal(err)
		}
		if err := q.Insert(ctx, "digest", "2026-03-01", UniqueFor(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int{"completed": 4, "available": 1}, jobStates(t, db)); diff != "" {
			t.Errorf("job states after re-insert (-want +got):\n%s", diff)
		}
	})
}

func TestQueue_RunAt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := newQueue(t, db, fastOptions(map[string]Handler{
			"reminder": func(context.Context, json.RawMessage) error { return nil },
		}))
		if err := q.Insert(t.Context(), "reminder", nil, RunAt(time.Now().Add(24*time.Hour))); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int{"scheduled": 1}, jobStates(t, db)); diff != "" {
			t.Errorf("job states (-want +got):\n%s", diff)
		}
	})
}

func TestQueue_Periodic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ticks := make(chan string, 100)
		opts := fastOptions(map[string]Handler{
			"completion_watch": func(ctx context.Context, payload json.RawMessage) error {
				var s string
				if err := json.Unmarshal(payload, &s); err != nil {
					return err
				}
				ticks <- s
				return nil
			},
		})
		opts.Periodic = []Periodic{{Kind: "completion_watch", Every: 200 * time.Millisecond, Payload: "서비스 완료 확인"}}
		q := newQueue(t, db, opts)
		start(t, q)
		for range 2 {
			if got := receive(t, ticks, "periodic job"); got != "서비스 완료 확인" {
				t.Errorf("payload %q", got)
			}
		}
	})
}

func TestQueue_StopWaitsForRunningJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		started := make(chan struct{})
		release := make(chan struct{})
		var finished atomic.Bool
		q := newQueue(t, db, fastOptions(map[string]Handler{
			"send_batch": func(ctx context.Context, payload json.RawMessage) error {
				close(started)
				select {
				case <-release:
				case <-ctx.Done():
					return ctx.Err()
				}
				finished.Store(true)
				return nil
			},
		}))
		start(t, q)
		if err := q.Insert(t.Context(), "send_batch", nil); err != nil {
			t.Fatal(err)
		}
		receive(t, started, "job start")

		stopped := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			stopped <- q.Stop(ctx)
		}()
		// Stop must not return while the job runs. This bounded wait can
		// only miss a bug, never report a false one.
		select {
		case err := <-stopped:
			t.Fatalf("Stop returned (%v) while a job was running", err)
		case <-time.After(300 * time.Millisecond):
		}
		close(release)
		if err := receive(t, stopped, "Stop"); err != nil {
			t.Fatal(err)
		}
		if !finished.Load() {
			t.Error("Stop returned before the job finished")
		}
		if diff := cmp.Diff(map[string]int{"completed": 1}, jobStates(t, db)); diff != "" {
			t.Errorf("job states (-want +got):\n%s", diff)
		}
	})
}

func TestQueue_StopDeadlineCancelsJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		started := make(chan struct{})
		cancelled := make(chan error, 1)
		q := newQueue(t, db, fastOptions(map[string]Handler{
			"send_batch": func(ctx context.Context, payload json.RawMessage) error {
				close(started)
				<-ctx.Done()
				cancelled <- ctx.Err()
				return ctx.Err()
			},
		}))
		start(t, q)
		if err := q.Insert(t.Context(), "send_batch", nil); err != nil {
			t.Fatal(err)
		}
		receive(t, started, "job start")
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if err := q.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Stop = %v, want deadline exceeded", err)
		}
		if err := receive(t, cancelled, "job cancellation"); err == nil {
			t.Error("job context not cancelled")
		}
		// The interrupted job goes back to the queue for another node.
		if diff := cmp.Diff(map[string]int{"available": 1}, jobStates(t, db)); diff != "" {
			t.Errorf("job states (-want +got):\n%s", diff)
		}
	})
}

// reopen opens a second handle on db's database, as a second app node would.
func reopen(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	var other *store.DB
	var err error
	switch db.Engine() {
	case store.SQLite:
		var seq int
		var name, file string
		if err := db.SQL().QueryRow(`PRAGMA database_list`).Scan(&seq, &name, &file); err != nil {
			t.Fatal(err)
		}
		other, err = store.OpenSQLite(file)
	case store.Postgres:
		var schema string
		if err := db.SQL().QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		other, err = storetest.OpenPostgresSchema(storetest.PostgresURL(t), schema)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

func TestQueue_MigrateConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		handlers := map[string]Handler{"noop": func(context.Context, json.RawMessage) error { return nil }}
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for _, d := range []*store.DB{db, db, reopen(t, db), reopen(t, db)} {
			q, err := New(d, testLogger(t), Options{Handlers: handlers})
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() { errs <- q.Migrate(t.Context()) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		q := newQueue(t, db, Options{Handlers: handlers}) // migrates again: a no-op
		if err := q.Insert(t.Context(), "noop", nil); err != nil {
			t.Fatal(err)
		}
	})
}

func TestQueue_TwoNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const n = 500
		var mu sync.Mutex
		runs := map[int]int{}
		byNode := [2]int{}
		all := make(chan struct{})
		handler := func(node int) Handler {
			return func(ctx context.Context, payload json.RawMessage) error {
				var i int
				if err := json.Unmarshal(payload, &i); err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				runs[i]++
				byNode[node]++
				if len(runs) == n && runs[i] == 1 {
					close(all)
				}
				return nil
			}
		}
		nodes := []*Queue{
			newQueue(t, db, fastOptions(map[string]Handler{"count": handler(0)})),
			newQueue(t, reopen(t, db), fastOptions(map[string]Handler{"count": handler(1)})),
		}
		batch := make([]Job, n)
		for i := range batch {
			batch[i] = Job{Kind: "count", Payload: i}
		}
		if err := nodes[0].InsertMany(t.Context(), batch); err != nil {
			t.Fatal(err)
		}
		for _, q := range nodes {
			start(t, q)
		}
		receive(t, all, fmt.Sprintf("%d jobs", n))
		for _, q := range nodes {
			stop(t, q)
		}
		mu.Lock()
		defer mu.Unlock()
		for i := range n {
			if runs[i] != 1 {
				t.Errorf("job %d ran %d times", i, runs[i])
			}
		}
		t.Logf("jobs per node: %v", byNode)
		if diff := cmp.Diff(map[string]int{"completed": n}, jobStates(t, db)); diff != "" {
			t.Errorf("job states (-want +got):\n%s", diff)
		}
	})
}
