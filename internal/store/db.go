// Package store owns every SQL statement of fanmail, for SQLite and PostgreSQL.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/fanmail/fanmail"
)

// Engines.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is fanmail's database: SQLite (one file, one writer) or PostgreSQL (shared
// by several app nodes).
type DB struct {
	sql    sqlDB
	pool   *pgxpool.Pool // nil on SQLite
	engine string
	d      dialect
	// stmts caches statements run again and again with the same text,
	// prepared (on SQLite; see DB.prepared).
	stmts  sync.Map // query → *sql.Stmt
	nstmts atomic.Int32
	// tokens makes and reads send tokens, once its key is loaded (sendtoken.go).
	tokens atomic.Pointer[sendTokens]
	// node is the id of the node this process joined as (nodes.go); claims
	// carry it. 0 until JoinNode.
	node atomic.Int64
	// erasureKey is the HMAC key of erased addresses once read (erasure.go).
	erasureKey atomic.Pointer[[]byte]
	// fence, feed: withdrawals against sending (withdrawals.go).
	fence    fence
	feed     *WithdrawalFeed
	feedOnce sync.Once
	// Now returns the current time; tests replace it. Always UTC.
	Now func() time.Time
	// writer admits one write at a time on SQLite (nil on PostgreSQL),
	// see InTx and sqlitegate.go.
	writer writeGate
	wconn  writerConn // SQLite: the connection InTx writes on, under writer
	// checkpoints moves the WAL into the database file (SQLite; nil on
	// PostgreSQL and for a database in memory).
	checkpoints *checkpointer
	// logger takes what background loops (the checkpointer) report; the
	// default logger until SetLogger.
	logger atomic.Pointer[slog.Logger]
}

// SetLogger sends what the database's background loops report to l
// instead of slog's default logger (which ignores the log format set).
func (d *DB) SetLogger(l *slog.Logger) { d.logger.Store(l) }

func (d *DB) log() *slog.Logger {
	if l := d.logger.Load(); l != nil {
		return l
	}
	return slog.Default()
}

// sqliteParams are set on every pooled connection (STACK.md: without
// _txlock=immediate read-then-write transactions fail with SQLITE_BUSY; without
// _time_format=sqlite times do not sort). Checkpoints run in the background
// (checkpoint.go), not in commits; a WAL grown by a burst is cut back to
// 64 MB when it restarts.
const sqliteParams = "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(67108864)&_txlock=immediate&_time_format=sqlite"

// sqliteMaxConns bounds SQLite's pool. Code holding a connection (a
// transaction, open rows) must not wait for a second one: with every
// connection held that way, none would come back. Statements are prepared
// for the cache after their transaction (Tx.cached), and writers wait at
// the gate before they take a connection (sqlitegate.go).
const sqliteMaxConns = 32

// ConnMaxIdle is how long a database connection stays open unused, on both
// engines: after a burst of work an idle process gives its connections back.
const ConnMaxIdle = time.Minute

// pgxDefaultConnIdle is pgxpool's MaxConnIdleTime when the URL sets none.
const pgxDefaultConnIdle = 30 * time.Minute

// sqliteBusyTimeout is how long a write waits for SQLite's one writer (the
// busy_timeout of sqliteParams, and InTx's queue).
const sqliteBusyTimeout = 10 * time.Second

var errWriterBusy = errors.New("database is busy: another write did not finish within 10 s")

// Open connects to url: "sqlite:PATH" (or a bare path ending in .db), or
// "postgres://…". It does not migrate; call Migrate.
func Open(ctx context.Context, url string) (*DB, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		cfg, err := pgxpool.ParseConfig(url)
		if err != nil {
			return nil, fmt.Errorf("parse postgres url: %w", errors.New(redactPG(err.Error())))
		}
		return openPostgres(ctx, cfg)
	default:
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite://"), "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("open database: empty sqlite path")
		}
		return OpenSQLite(path)
	}
}

// OpenSQLite opens (creating if needed) the SQLite file at path.
func OpenSQLite(path string) (*DB, error) {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	gate := make(writeGate, 1)
	connector, err := newGatedConnector("file:"+path+sep+sqliteParams, gate)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	db := sql.OpenDB(connector)
	// database/sql keeps 2 idle connections by default; every extra SQLite
	// connection re-parses the schema and re-runs the pragmas, which cost
	// 30 % of the CPU of the tracking endpoints under load. 32 covers the
	// 32 concurrent clients of bench/track: with 16, clicks still reopened
	// connections (13k → 17.5–19k requests/s, 100k sends). Open ones are
	// bounded too: 1,000 members confirming at once opened a connection
	// per request, each parsing the whole schema (two thirds of the CPU
	// of that burst), only to close most of them again. Requests beyond
	// the bound wait for a connection instead, in Go.
	db.SetMaxOpenConns(sqliteMaxConns)
	db.SetMaxIdleConns(sqliteMaxConns)
	// Each connection holds its own page cache and parsed schema; after a
	// burst the idle ones would keep them for good.
	db.SetConnMaxIdleTime(ConnMaxIdle)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	d := &DB{sql: sqlDB{DB: db, gate: gate}, engine: SQLite, d: sqliteDialect, Now: utcNow, writer: gate}
	d.checkpoints = startCheckpointer(d, path)
	return d, nil
}

// OpenPostgresConfig opens a pool from a parsed config; tests use it to set a
// per-test search_path.
func OpenPostgresConfig(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	return openPostgres(ctx, cfg)
}

func openPostgres(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	if cfg.MaxConnIdleTime == pgxDefaultConnIdle {
		// Unless the URL sets pool_max_conn_idle_time: a connection holds
		// buffers and its prepared statements, on both ends.
		cfg.MaxConnIdleTime = ConnMaxIdle
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	pgDB := stdlib.OpenDBFromPool(pool)
	// database/sql's idle connections each hold one of the pool's.
	pgDB.SetConnMaxIdleTime(ConnMaxIdle)
	return &DB{sql: sqlDB{DB: pgDB}, pool: pool, engine: Postgres, d: postgresDialect, Now: utcNow}, nil
}

func utcNow() time.Time { return time.Now().UTC() }

// redactPG drops anything that looks like a password from pgx parse errors.
func redactPG(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if j := strings.Index(s[i:], "@"); j >= 0 {
			return s[:i+3] + "…" + s[i+j:]
		}
	}
	return s
}

// Close stops the withdrawal feed and closes the connection pool.
func (db *DB) Close() error {
	if db.feed != nil {
		db.feed.close()
	}
	if db.checkpoints != nil {
		db.checkpoints.close()
	}
	if db.writer != nil {
		db.wconn.close(db.writer)
	}
	db.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	err := db.sql.Close()
	if db.pool != nil {
		db.pool.Close()
	}
	return err
}

// Engine returns SQLite or Postgres.
func (db *DB) Engine() string { return db.engine }

// SQL returns the database/sql handle (River's SQLite driver, tests).
func (db *DB) SQL() *sql.DB { return db.sql.DB }

// Pool returns the pgx pool on PostgreSQL, nil on SQLite.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Ping checks the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// Tx is a transaction with one clock reading shared by its statements.
type Tx struct {
	*sql.Tx
	db  *DB
	Now time.Time

	fenced     bool     // holds the withdrawal fence (withdrawals.go)
	ends       []func() // run once the transaction has ended
	unprepared []string // statements to prepare once it has (Tx.cached)
}

// InTx runs fn in a transaction, committing when fn returns nil.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	var stx *sql.Tx
	var err error
	leave := func() {}
	if db.writer == nil {
		stx, err = db.sql.BeginTx(ctx, nil)
	} else {
		// SQLite has one writer (sqlitegate.go). Queued here, each
		// transaction starts on the writer connection the moment the
		// last write ends. The wait is bounded like the busy timeout, so
		// a transaction opened inside another (a bug) still fails instead
		// of hanging.
		if err := db.writer.enter(ctx); err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		var once sync.Once
		leave = func() { once.Do(db.writer.leave) }
		defer leave()
		stx, err = db.wconn.begin(context.WithValue(ctx, gateHeld{}, true), db.sql.DB)
	}
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Tx: stx, db: db, Now: db.Now()}
	err = fn(tx)
	if err != nil {
		stx.Rollback()
	} else if err = stx.Commit(); err != nil {
		err = fmt.Errorf("commit: %w", mapError(err))
	}
	// The write is over: the next may start while this one's ends run.
	leave()
	for _, end := range tx.ends {
		end()
	}
	return err
}

// maxCachedStmts bounds DB.stmts.
const maxCachedStmts = 200

// prepared returns query prepared, from a cache, on SQLite, which otherwise
// compiles every statement each time it runs: for the few statements run
// again and again with the same text, those the campaign engine runs for
// each batch (compiling them cost about 1 µs per mail) and the click
// look-up. It returns nil
// on PostgreSQL, whose driver caches prepared statements itself, once the
// cache is full, and if query does not compile (running it reports why).
func (db *DB) prepared(ctx context.Context, query string) *sql.Stmt {
	if db.engine != SQLite {
		return nil
	}
	if v, ok := db.stmts.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if db.nstmts.Load() >= maxCachedStmts {
		// Segments make per-campaign texts: past the bound, compile as usual.
		return nil
	}
	st, err := db.sql.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if v, ok := db.stmts.LoadOrStore(query, st); ok {
		st.Close()
		return v.(*sql.Stmt)
	}
	db.nstmts.Add(1)
	return st
}

// cached returns query's statement from DB.prepared once it is there.
// Preparing one takes a connection from the pool, which a transaction
// holding its own must not wait for (sqliteMaxConns): a statement not yet
// cached runs as text and is prepared once the transaction has ended. On
// SQLite, transactions run on the writer connection (writerConn), where
// database/sql keeps each cached statement prepared after its first use.
func (tx *Tx) cached(query string) *sql.Stmt {
	if tx.db.engine != SQLite {
		return nil
	}
	if v, ok := tx.db.stmts.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if !slices.Contains(tx.unprepared, query) {
		tx.unprepared = append(tx.unprepared, query)
		// In the background: the pool may have no connection free.
		tx.ends = append(tx.ends, func() { go tx.db.prepared(context.Background(), query) })
	}
	return nil
}

// execCached is ExecContext with a statement from DB.prepared.
func (tx *Tx) execCached(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := tx.cached(query); st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// queryCached is QueryContext with a statement from DB.prepared.
func (tx *Tx) queryCached(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := tx.cached(query); st != nil {
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

// queryRowCached is QueryRowContext with a statement from DB.prepared.
func (tx *Tx) queryRowCached(ctx context.Context, query string, args ...any) *sql.Row {
	if st := tx.cached(query); st != nil {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// querier is what *sql.DB and *sql.Tx share, so helpers run inside or outside
// a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// isUniqueViolation reports whether err is a unique-constraint failure on
// either engine.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		c := sqErr.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isForeignKeyViolation reports whether err is a foreign-key failure on either engine.
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// mapError turns constraint failures into coded errors and leaves others alone.
func mapError(err error) error {
	switch {
	case err == nil:
		return nil
	case isUniqueViolation(err):
		return fanmail.Errorf(fanmail.ECONFLICT, "This already exists.")
	case isForeignKeyViolation(err):
		return fanmail.Errorf(fanmail.EINVALID, "A referenced record does not exist.")
	}
	return err
}

// nullInt64 maps 0 to NULL, for optional foreign keys.
func nullInt64(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v != 0} }
