package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// SQLite has one writer. Its busy handler makes a writer that finds the
// lock taken sleep and retry, up to 100 ms a sleep, so under a stream of
// writes the unlucky ones starve: with 1,000 members confirming at once,
// River's job fetch slept in the busy handler for seconds while the
// confirmations wrote one after another, and the chip steps they queued
// did not start. Every write therefore passes one gate, in arrival order:
// InTx takes it before asking for a connection (a transaction waiting for
// the lock holds none), and this driver takes it for everything else that
// writes — River's transactions, and statements that write outside a
// transaction — holding it until their commit, or until an autocommit
// statement's rows are closed.

// gateHeld marks a context whose goroutine holds the gate (InTx).
type gateHeld struct{}

// writeGate is the gate: a channel of one.
type writeGate chan struct{}

// enter waits for the gate, up to the busy timeout.
func (g writeGate) enter(ctx context.Context) error {
	t := time.NewTimer(sqliteBusyTimeout)
	defer t.Stop()
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return errWriterBusy
	}
}

func (g writeGate) leave() { <-g }

// gatedConnector opens modernc's connections behind the gate.
type gatedConnector struct {
	driver.Connector
	gate writeGate
}

func newGatedConnector(dsn string, gate writeGate) (driver.Connector, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return &gatedConnector{Connector: c, gate: gate}, nil
}

func (c *gatedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &gatedConn{conn: conn, gate: c.gate}, nil
}

// gatedConn is one connection; database/sql uses it from one goroutine at
// a time.
type gatedConn struct {
	conn driver.Conn
	gate writeGate
	inTx bool
}

// The interfaces of modernc's connection that database/sql uses.
var (
	_ driver.ConnBeginTx        = (*gatedConn)(nil)
	_ driver.ConnPrepareContext = (*gatedConn)(nil)
	_ driver.ExecerContext      = (*gatedConn)(nil)
	_ driver.QueryerContext     = (*gatedConn)(nil)
	_ driver.Pinger             = (*gatedConn)(nil)
	_ driver.SessionResetter    = (*gatedConn)(nil)
	_ driver.Validator          = (*gatedConn)(nil)
)

func (c *gatedConn) Prepare(query string) (driver.Stmt, error) { return c.conn.Prepare(query) }
func (c *gatedConn) Close() error                              { return c.conn.Close() }
func (c *gatedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *gatedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	// Read-only transactions begin deferred and never take the lock.
	hold := !opts.ReadOnly && ctx.Value(gateHeld{}) == nil
	if hold {
		if err := c.gate.enter(ctx); err != nil {
			return nil, fmt.Errorf("begin: %w", err)
		}
	}
	tx, err := c.conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		if hold {
			c.gate.leave()
		}
		return nil, err
	}
	c.inTx = true
	return &gatedTx{tx: tx, c: c, hold: hold}, nil
}

func (c *gatedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

// gates reports whether a statement run outside a transaction must pass
// the gate.
func (c *gatedConn) gates(ctx context.Context, query string) bool {
	return !c.inTx && ctx.Value(gateHeld{}) == nil && writes(query)
}

func (c *gatedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.gates(ctx, query) {
		if err := c.gate.enter(ctx); err != nil {
			return nil, err
		}
		defer c.gate.leave()
	}
	return c.conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *gatedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if !c.gates(ctx, query) {
		return c.conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	// UPDATE … RETURNING: the statement holds the lock until its rows
	// are closed.
	if err := c.gate.enter(ctx); err != nil {
		return nil, err
	}
	rows, err := c.conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	if err != nil {
		c.gate.leave()
		return nil, err
	}
	return &gatedRows{Rows: rows, gate: c.gate}, nil
}

func (c *gatedConn) Ping(ctx context.Context) error { return c.conn.(driver.Pinger).Ping(ctx) }
func (c *gatedConn) ResetSession(ctx context.Context) error {
	return c.conn.(driver.SessionResetter).ResetSession(ctx)
}
func (c *gatedConn) IsValid() bool { return c.conn.(driver.Validator).IsValid() }

type gatedTx struct {
	tx   driver.Tx
	c    *gatedConn
	hold bool
}

func (t *gatedTx) Commit() error   { return t.end(t.tx.Commit()) }
func (t *gatedTx) Rollback() error { return t.end(t.tx.Rollback()) }

func (t *gatedTx) end(err error) error {
	t.c.inTx = false
	if t.hold {
		t.hold = false
		t.c.gate.leave()
	}
	return err
}

type gatedRows struct {
	driver.Rows
	gate   writeGate
	closed bool
}

func (r *gatedRows) Close() error {
	err := r.Rows.Close()
	if !r.closed {
		r.closed = true
		r.gate.leave()
	}
	return err
}

// writes reports whether query, run on its own, writes: its first keyword
// after comments (River's statements start with a "-- name:" line).
func writes(query string) bool {
	q := query
	for {
		q = strings.TrimLeft(q, " \t\r\n")
		switch {
		case strings.HasPrefix(q, "--"):
			i := strings.IndexByte(q, '\n')
			if i < 0 {
				return false
			}
			q = q[i+1:]
		case strings.HasPrefix(q, "/*"):
			i := strings.Index(q, "*/")
			if i < 0 {
				return false
			}
			q = q[i+2:]
		default:
			end := strings.IndexAny(q, " \t\r\n(/")
			if end < 0 {
				end = len(q)
			}
			switch strings.ToUpper(q[:end]) {
			case "INSERT", "UPDATE", "DELETE", "REPLACE":
				return true
			}
			return false
		}
	}
}

// sqlDB is the pool as the store uses it: on SQLite a statement that
// writes outside a transaction waits at the gate before it takes a
// connection, like InTx, so that writers waiting their turn never hold the
// connections that the one writing, or readers, need. (River's writes wait
// at the gate in the driver, holding a connection: there are only a few of
// them, far fewer than sqliteMaxConns.)
type sqlDB struct {
	*sql.DB
	gate writeGate // nil on PostgreSQL
}

// enter takes the gate for query if it writes; if the gate cannot be had
// (the context ended, or the busy timeout passed), the statement runs
// without it and reports SQLite's own error.
func (db sqlDB) enter(ctx context.Context, query string) (context.Context, func()) {
	if db.gate == nil || ctx.Value(gateHeld{}) != nil || !writes(query) {
		return ctx, func() {}
	}
	if err := db.gate.enter(ctx); err != nil {
		return ctx, func() {}
	}
	return context.WithValue(ctx, gateHeld{}, true), db.gate.leave
}

func (db sqlDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, leave := db.enter(ctx, query)
	defer leave()
	return db.DB.ExecContext(ctx, query, args...)
}

// QueryContext and QueryRowContext let the gate go once the statement has
// run: SQLite makes all of an UPDATE … RETURNING's changes in its first
// step, and the rows are read at once.
func (db sqlDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx, leave := db.enter(ctx, query)
	defer leave()
	return db.DB.QueryContext(ctx, query, args...)
}

func (db sqlDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx, leave := db.enter(ctx, query)
	defer leave()
	return db.DB.QueryRowContext(ctx, query, args...)
}

// writerConn is the one connection SQLite's write transactions run on
// (InTx), used only by the holder of the gate. A writer holding the gate
// never queues behind readers for a connection of the pool, and its page
// cache stays warm: SQLite empties a connection's cache whenever another
// connection has written, so writes that came on whichever connection was
// free re-read their pages nearly every time. It goes back to the pool
// after writerIdle without writes (and the pool closes it after
// ConnMaxIdle).
type writerConn struct {
	conn     *sql.Conn
	lastUsed time.Time
}

// writerIdle is how long the writer connection is kept without writes.
const writerIdle = 5 * time.Second

// begin starts a transaction on the writer connection, opening it (again)
// if needed. The caller holds the gate.
func (w *writerConn) begin(ctx context.Context, pool *sql.DB) (*sql.Tx, error) {
	for attempt := 0; ; attempt++ {
		if w.conn == nil {
			c, err := pool.Conn(ctx)
			if err != nil {
				return nil, err
			}
			w.conn = c
		}
		w.lastUsed = time.Now()
		tx, err := w.conn.BeginTx(ctx, nil)
		if err == nil || attempt > 0 || !(errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone)) {
			return tx, err
		}
		w.conn.Close()
		w.conn = nil
	}
}

// releaseIdle gives the connection back to the pool once it has not
// written for idle, unless a writer holds the gate.
func (w *writerConn) releaseIdle(gate writeGate, idle time.Duration) {
	select {
	case gate <- struct{}{}:
	default:
		return
	}
	defer gate.leave()
	if w.conn != nil && time.Since(w.lastUsed) >= idle {
		w.conn.Close()
		w.conn = nil
	}
}

// close gives the connection back for good (DB.Close).
func (w *writerConn) close(gate writeGate) {
	gate <- struct{}{}
	defer gate.leave()
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
}
