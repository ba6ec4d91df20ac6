package tracking

import (
	"sync"
	"time"

	"github.com/fanmail/fanmail/internal/store"
)

// sendCache remembers recent look-ups of the click endpoint: a member
// clicking twice, or a scanner and then the member, costs one query. A send's tracking fields do not change once it is sent, so only
// sent sends are cached, for a short time (a deleted campaign stops counting
// within the TTL).
type sendCache struct {
	mu   sync.Mutex
	max  int
	ttl  time.Duration
	data map[string]cacheEntry
}

type cacheEntry struct {
	send    store.TrackedSend
	url     string
	expires time.Time
}

func newSendCache(max int, ttl time.Duration) *sendCache {
	if max < 0 {
		return nil
	}
	return &sendCache{max: max, ttl: ttl, data: make(map[string]cacheEntry)}
}

func (c *sendCache) get(key string, now time.Time) (cacheEntry, bool) {
	if c == nil {
		return cacheEntry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.data[key]
	if !ok || now.After(e.expires) {
		return cacheEntry{}, false
	}
	return e, true
}

func (c *sendCache) put(key string, e cacheEntry, now time.Time) {
	if c == nil || e.send.SentAt.IsZero() {
		return
	}
	e.expires = now.Add(c.ttl)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.data) >= c.max {
		// Evict about a tenth, arbitrary entries: map iteration order is
		// random, which is good enough for a cache of one-shot look-ups.
		n := c.max/10 + 1
		for k := range c.data {
			delete(c.data, k)
			if n--; n == 0 {
				break
			}
		}
	}
	c.data[key] = e
}
