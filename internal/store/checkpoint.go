package store

import (
	"context"
	"os"
	"strings"
	"sync"
	"time"
)

// checkpointEvery is how often the checkpointer looks at SQLite's WAL.
var checkpointEvery = time.Second

// checkpointer copies SQLite's write-ahead log into the database file in
// the background.
//
// SQLite's own automatic checkpoint runs inside the COMMIT of whichever
// write crosses 1,000 pages of WAL, with two fsyncs, while that writer
// still holds the one write lock. Under a steady stream of readers a
// checkpoint cannot finish resetting the log, the WAL stays over the
// threshold, and then every commit checkpoints: 1,000 members confirming at
// once queued their chip steps behind an fsync each (a few ms a commit, one
// commit at a time). Connections are opened with wal_autocheckpoint(0);
// this loop checkpoints (PASSIVE: it neither waits for nor blocks the
// writer) once a second when something was written to the WAL since. The last connection to
// close still checkpoints, as SQLite always does.
type checkpointer struct {
	db   *DB
	wal  string // the WAL file
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// startCheckpointer starts checkpointing the database at path; nil for a
// database in memory, which has no WAL.
func startCheckpointer(db *DB, path string) *checkpointer {
	p, _, _ := strings.Cut(strings.TrimPrefix(path, "file:"), "?")
	if p == "" || strings.Contains(p, ":memory:") || strings.Contains(path, "mode=memory") {
		return nil
	}
	c := &checkpointer{db: db, wal: p + "-wal", stop: make(chan struct{}), done: make(chan struct{})}
	var lastMod time.Time
	var lastSize int64
	if fi, err := os.Stat(c.wal); err == nil {
		lastMod, lastSize = fi.ModTime(), fi.Size()
	}
	go c.run(lastMod, lastSize)
	return c
}

// run checkpoints when the WAL differs from lastMod and lastSize.
func (c *checkpointer) run(lastMod time.Time, lastSize int64) {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		c.db.wconn.releaseIdle(c.db.writer, writerIdle)
		fi, err := os.Stat(c.wal)
		if err != nil || fi.Size() == 0 || (fi.ModTime().Equal(lastMod) && fi.Size() == lastSize) {
			continue
		}
		lastMod, lastSize = fi.ModTime(), fi.Size()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var busy, logged, moved int
		err = c.db.sql.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logged, &moved)
		cancel()
		if err != nil {
			c.db.log().Warn("sqlite checkpoint", "err", err)
		}
	}
}

// close stops the loop; closing the DB twice closes it once.
func (c *checkpointer) close() {
	c.once.Do(func() { close(c.stop) })
	<-c.done
}
