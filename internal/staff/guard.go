package staff

import (
	"sync"
	"time"
)

// Limits of failed staff sign-ins (see Service.Authenticate).
const (
	MaxLoginFailures = 5
	LoginWindow      = 15 * time.Minute
	// maxGuarded bounds the addresses remembered: beyond it, expired
	// entries are dropped, and if that is not enough (a spray of made-up
	// addresses), all of them.
	maxGuarded = 10000
)

// loginGuard remembers recent failed sign-ins per address, in memory: each
// fanmail process counts its own (behind a load balancer the limit is per
// process).
type loginGuard struct {
	mu    sync.Mutex
	fails map[string][]time.Time
}

// recent returns the failures of key within the window ending at now.
func (g *loginGuard) recent(key string, now time.Time) []time.Time {
	ts := g.fails[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= LoginWindow {
		i++
	}
	return ts[i:]
}

func (g *loginGuard) blocked(key string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.recent(key, now)) >= MaxLoginFailures
}

func (g *loginGuard) fail(key string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.fails) >= maxGuarded {
		for k := range g.fails {
			if len(g.recent(k, now)) == 0 {
				delete(g.fails, k)
			}
		}
		if len(g.fails) >= maxGuarded {
			clear(g.fails)
		}
	}
	g.fails[key] = append(g.recent(key, now), now)
}

func (g *loginGuard) forget(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.fails, key)
}
