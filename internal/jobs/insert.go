package jobs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// InsertOpt changes how one job is inserted.
type InsertOpt func(*insertOpts)

type insertOpts struct {
	runAt       time.Time
	maxAttempts int
	uniqueKey   string
	uniqueFor   time.Duration
}

// RunAt delays the job until t.
func RunAt(t time.Time) InsertOpt { return func(o *insertOpts) { o.runAt = t } }

// MaxAttempts overrides Options.MaxAttempts for this job.
func MaxAttempts(n int) InsertOpt { return func(o *insertOpts) { o.maxAttempts = n } }

// UniqueKey skips the insert while a job of the same kind and key is still
// waiting, scheduled, retrying or running. Once it has finished, the same key
// may be inserted again. Keys name records ("member:42"), never people.
func UniqueKey(key string) InsertOpt { return func(o *insertOpts) { o.uniqueKey = key } }

// UniqueFor skips the insert if a job of the same kind and key (UniqueKey,
// or else the same payload) falls in the same period d, finished or not.
// Periods are fixed windows (RunAt, or now, truncated to d), not sliding.
// d must be at least one second.
func UniqueFor(d time.Duration) InsertOpt { return func(o *insertOpts) { o.uniqueFor = d } }

// riverKind is the one River kind of every fanmail job; River needs a static
// kind per Go type, so fanmail's own kind travels in the arguments.
const riverKind = "fanmail"

// jobArgs is what River stores in river_job.args. Only the "kind" and "key"
// fields take part in uniqueness.
type jobArgs struct {
	JobKind string          `json:"kind" river:"unique"`
	Key     string          `json:"key,omitempty" river:"unique"`
	Payload json.RawMessage `json:"payload"`
}

func (jobArgs) Kind() string { return riverKind }

// unfinished are the states UniqueKey alone deduplicates against. River
// requires available, pending, running and scheduled in any such list.
var unfinished = []rivertype.JobState{
	rivertype.JobStateAvailable,
	rivertype.JobStatePending,
	rivertype.JobStateRetryable,
	rivertype.JobStateRunning,
	rivertype.JobStateScheduled,
}

// params turns a Job into River's insert parameters.
func (q *Queue) params(j Job) (river.InsertManyParams, error) {
	if _, ok := q.handlers[j.Kind]; !ok {
		return river.InsertManyParams{}, fmt.Errorf("insert job: no handler for kind %q", j.Kind)
	}
	payload, err := json.Marshal(j.Payload)
	if err != nil {
		return river.InsertManyParams{}, fmt.Errorf("insert %s job: payload: %w", j.Kind, err)
	}
	var o insertOpts
	for _, opt := range j.Opts {
		opt(&o)
	}
	args := jobArgs{JobKind: j.Kind, Key: o.uniqueKey, Payload: payload}
	ro := &river.InsertOpts{ScheduledAt: o.runAt, MaxAttempts: o.maxAttempts}
	switch {
	case o.uniqueFor > 0:
		if args.Key == "" {
			sum := sha256.Sum256(payload)
			args.Key = "payload:" + hex.EncodeToString(sum[:16])
		}
		ro.UniqueOpts = river.UniqueOpts{ByArgs: true, ByPeriod: o.uniqueFor}
	case o.uniqueKey != "":
		ro.UniqueOpts = river.UniqueOpts{ByArgs: true, ByState: unfinished}
	}
	return river.InsertManyParams{Args: args, InsertOpts: ro}, nil
}
