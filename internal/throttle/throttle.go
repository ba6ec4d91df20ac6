// Package throttle counts failed attempts (sign-ins) per key and says when a
// key has had too many: the defence against guessing passwords online and
// against using fanmail to flood a mailbox. The failures are kept in the
// database, so every fanmail process on one database counts the same ones,
// and a spray of made-up keys cannot push a real key's failures out of
// memory.
package throttle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/fanmail/fanmail/internal/store"
)

// Failures refuses a key after Max failures within Window, until the oldest
// of them is Window old. Safe for concurrent use.
type Failures struct {
	Max    int
	Window time.Duration

	db    *store.DB
	scope string
}

// New returns Failures of scope (e.g. "staff"; scopes count apart) refusing a
// key after max failures within window.
func New(db *store.DB, scope string, max int, window time.Duration) *Failures {
	return &Failures{Max: max, Window: window, db: db, scope: scope}
}

// hash is what the database keeps of key: addresses are not copied there.
func (f *Failures) hash(key string) string {
	sum := sha256.Sum256([]byte(f.scope + "\x00" + key))
	return hex.EncodeToString(sum[:])
}

// Blocked reports whether key has had Max failures within the window ending
// at now.
func (f *Failures) Blocked(ctx context.Context, key string, now time.Time) (bool, error) {
	n, err := f.db.CountAuthFailures(ctx, f.hash(key), now.Add(-f.Window))
	return n >= f.Max, err
}

// Fail records a failure of key at now.
func (f *Failures) Fail(ctx context.Context, key string, now time.Time) error {
	return f.db.AddAuthFailure(ctx, f.scope, f.hash(key), now, now.Add(-f.Window))
}

// Forget clears the failures of key (after a success).
func (f *Failures) Forget(ctx context.Context, key string) error {
	return f.db.ClearAuthFailures(ctx, f.hash(key))
}
