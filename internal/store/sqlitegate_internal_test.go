package store

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestWrites(t *testing.T) {
	for q, want := range map[string]bool{
		"INSERT INTO t VALUES (1)":                         true,
		"  update t SET a = 1":                             true,
		"-- name: JobGetAvailable :many\nUPDATE river_job": true,
		"/* x */ DELETE FROM t":                            true,
		"REPLACE INTO t VALUES (1)":                        true,
		"SELECT 1":                                         false,
		"-- name: JobCountByQueueAndState :many\nWITH q AS (SELECT 1) SELECT * FROM q": false,
		"PRAGMA wal_checkpoint(PASSIVE)":                                               false,
		"-- only a comment":                                                            false,
		"":                                                                             false,
	} {
		if got := writes(q); got != want {
			t.Errorf("writes(%q) = %v, want %v", q, got, want)
		}
	}
}

// Writers that do not go through InTx — River's transactions and fetches,
// statements outside a transaction — queue at the same gate in arrival
// order, instead of sleeping in SQLite's busy handler while InTx's queue
// keeps the lock busy.
func TestSQLiteGate_OneQueueForEveryWriter(t *testing.T) {
	db, err := OpenSQLite(filepath.Join(t.TempDir(), "gate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.sql.ExecContext(ctx, "CREATE TABLE t (who TEXT)"); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"store", "autocommit", "returning", "transaction"} {
		t.Run(kind, func(t *testing.T) {
			if _, err := db.sql.ExecContext(ctx, "DELETE FROM t"); err != nil {
				t.Fatal(err)
			}
			holding := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				err := db.InTx(ctx, func(tx *Tx) error {
					if _, err := tx.ExecContext(ctx, "INSERT INTO t VALUES ('first')"); err != nil {
						return err
					}
					close(holding)
					time.Sleep(600 * time.Millisecond)
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			})
			<-holding
			wg.Go(func() {
				var err error
				switch kind {
				case "store": // the store's own statements, gated before a connection
					_, err = db.sql.ExecContext(ctx, "INSERT INTO t VALUES ('other')")
				case "autocommit": // River's, gated in the driver
					_, err = db.SQL().ExecContext(ctx, "INSERT INTO t VALUES ('other')")
				case "returning":
					var who string
					err = db.SQL().QueryRowContext(ctx, "INSERT INTO t VALUES ('other') RETURNING who").Scan(&who)
				case "transaction":
					var tx interface{ Commit() error }
					stx, berr := db.SQL().BeginTx(ctx, nil)
					if err = berr; err == nil {
						tx = stx
						if _, err = stx.ExecContext(ctx, "INSERT INTO t VALUES ('other')"); err == nil {
							err = tx.Commit()
						}
					}
				}
				if err != nil {
					t.Error(err)
				}
			})
			time.Sleep(300 * time.Millisecond) // the other writer is waiting now
			wg.Go(func() {
				err := db.InTx(ctx, func(tx *Tx) error {
					_, err := tx.ExecContext(ctx, "INSERT INTO t VALUES ('third')")
					return err
				})
				if err != nil {
					t.Error(err)
				}
			})
			wg.Wait()
			// The rows' order is the order the writes got the lock.
			var order []string
			rows, err := db.sql.QueryContext(ctx, "SELECT who FROM t ORDER BY rowid")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var who string
				if err := rows.Scan(&who); err != nil {
					t.Fatal(err)
				}
				order = append(order, who)
			}
			rows.Close()
			if !slices.Equal(order, []string{"first", "other", "third"}) {
				t.Errorf("order %v: the writer outside InTx, which came second, did not go second", order)
			}
		})
	}
}

// A transaction running a statement the cache does not hold yet must not
// wait for a second connection to prepare it: with the pool's connections
// all held, none would come back.
func TestTx_CachedStatementNeedsNoSecondConnection(t *testing.T) {
	db, err := OpenSQLite(filepath.Join(t.TempDir(), "one.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.sql.SetMaxOpenConns(2) // the writer's, and one a reader holds
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	reader, err := db.sql.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const q = `SELECT count(*) FROM sqlite_schema WHERE type = $1`
	for i := range 2 {
		err := db.InTx(ctx, func(tx *Tx) error {
			var n int
			return tx.queryRowCached(ctx, q, "table").Scan(&n)
		})
		if err != nil {
			t.Fatalf("transaction %d: %v", i+1, err)
		}
	}
	reader.Close()
	for {
		if _, ok := db.stmts.Load(q); ok {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the statement was not cached once a connection was free")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
