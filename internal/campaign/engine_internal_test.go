package campaign

import (
	"runtime"
	"testing"
	"time"

	"github.com/fanmail/fanmail/internal/channel/email"
)

// Without DKIM one worker drives up to DefaultConnsPerWorker connections;
// with it every CPU gets a worker; an explicit setting wins either way.
func TestConnsPerWorker(t *testing.T) {
	procs := runtime.GOMAXPROCS(2)
	defer runtime.GOMAXPROCS(procs)
	relay := func(n int) email.Relay { return email.Relay{Concurrency: n} }
	dkim := &email.DKIM{}
	for _, tc := range []struct {
		name     string
		opts     Options
		relay    email.Relay
		want     int
		nWorkers int
	}{
		{"default", Options{}, relay(16), 16, 1},
		{"default, many connections", Options{}, relay(40), 16, 3},
		{"dkim", Options{DKIM: dkim}, relay(16), 8, 2},
		{"dkim, one connection", Options{DKIM: dkim}, relay(1), 1, 1},
		{"dkim, many connections", Options{DKIM: dkim}, relay(64), 16, 4},
		{"explicit", Options{DKIM: dkim, ConnsPerWorker: 3}, relay(16), 3, 6},
	} {
		s := &Service{opts: tc.opts}
		got := s.connsPerWorker(tc.relay)
		if got != tc.want || len(spread(tc.relay.Concurrency, got)) != tc.nWorkers {
			t.Errorf("%s: %d per worker, %d workers; want %d, %d", tc.name, got, len(spread(tc.relay.Concurrency, got)), tc.want, tc.nWorkers)
		}
	}
}

// A batch fits in half its lock at the slowest relay's pace per worker, and
// in a quarter of store.SentAtSlack where that still makes batches of
// slackBatch or more.
func TestBatchSize(t *testing.T) {
	for _, tc := range []struct {
		name   string
		relays []email.Relay
		want   int
	}{
		{"no limit", []email.Relay{{Concurrency: 16}}, 500},
		{"fast enough", []email.Relay{{Concurrency: 16, Rate: 100}}, 500},
		// 1 mail/s over 2 workers, 5 minutes' lock: 0.5 × 150 s.
		{"slow relay", []email.Relay{{Concurrency: 16}, {Concurrency: 32, Rate: 1}}, 75},
		{"very slow relay", []email.Relay{{Concurrency: 1, Rate: 0.001}}, 1},
		// 1,000 mails/s, one worker of 16 connections: 250 go out in a
		// quarter of a second.
		{"within the slack", []email.Relay{{Concurrency: 16, Rate: 1000}}, 250},
		// 4,000 mails/s: 1,000 in a quarter second; BatchSize is smaller.
		{"fast relay", []email.Relay{{Concurrency: 16, Rate: 4000}}, 500},
		// 300 mails/s: 75 in a quarter second, under slackBatch; the
		// lock's bound (500) holds, and the sends' sent_at is rewritten.
		{"too slow for the slack", []email.Relay{{Concurrency: 16, Rate: 300}}, 500},
	} {
		s := &Service{opts: Options{Relays: tc.relays, BatchSize: 500, LockFor: 5 * time.Minute}}
		if got := s.batchSize(); got != tc.want {
			t.Errorf("%s: batch of %d, want %d", tc.name, got, tc.want)
		}
	}
}
