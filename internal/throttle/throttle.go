// Package throttle counts failed attempts (sign-ins) per key in memory and
// says when a key has had too many: the defence against guessing passwords
// online. Each fanmail process counts its own.
package throttle

import (
	"sync"
	"time"
)

// maxKeys bounds the keys remembered: beyond it, expired entries are
// dropped, and if that is not enough (a spray of made-up keys), all of them.
const maxKeys = 10000

// Failures refuses a key after Max failures within Window, until the oldest
// of them is Window old. Safe for concurrent use.
type Failures struct {
	Max    int
	Window time.Duration

	mu    sync.Mutex
	fails map[string][]time.Time
}

// New returns Failures refusing a key after max failures within window.
func New(max int, window time.Duration) *Failures {
	return &Failures{Max: max, Window: window, fails: map[string][]time.Time{}}
}

// recent returns the failures of key within the window ending at now.
func (f *Failures) recent(key string, now time.Time) []time.Time {
	ts := f.fails[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= f.Window {
		i++
	}
	return ts[i:]
}

// Blocked reports whether key has had Max failures within the window.
func (f *Failures) Blocked(key string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.recent(key, now)) >= f.Max
}

// Fail records a failure of key at now.
func (f *Failures) Fail(key string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.fails) >= maxKeys {
		for k := range f.fails {
			if len(f.recent(k, now)) == 0 {
				delete(f.fails, k)
			}
		}
		if len(f.fails) >= maxKeys {
			clear(f.fails)
		}
	}
	f.fails[key] = append(f.recent(key, now), now)
}

// Forget clears the failures of key (after a success).
func (f *Failures) Forget(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.fails, key)
}

// Len returns how many keys are remembered.
func (f *Failures) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.fails)
}
