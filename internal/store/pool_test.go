package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// After a burst, an idle process gives its SQLite connections back, with
// their page caches and parsed schemas.
func TestOpenSQLite_ClosesIdleConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db, err := store.OpenSQLite(filepath.Join(t.TempDir(), "idle.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ctx := context.Background()
		err = db.InTx(ctx, func(tx *store.Tx) error { // on the writer connection
			_, err := tx.ExecContext(ctx, `CREATE TABLE t (a INTEGER)`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var conns []*sql.Conn
		for range 8 {
			c, err := db.SQL().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.ExecContext(ctx, `SELECT 1`); err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for _, c := range conns {
			c.Close()
		}
		if st := db.SQL().Stats(); st.Idle != 8 {
			t.Fatalf("after the burst: %d idle connections, want 8 kept for the next one", st.Idle)
		}
		time.Sleep(store.ConnMaxIdle + 10*time.Second)
		synctest.Wait()
		if st := db.SQL().Stats(); st.OpenConnections != 0 {
			t.Errorf("idle for %v: %d connections open, want 0", store.ConnMaxIdle, st.OpenConnections)
		}
	})
}

// PostgreSQL connections, pooled by pgx, are given back after the same idle
// time unless the URL says otherwise.
func TestOpenPostgres_ConnIdleTime(t *testing.T) {
	url := storetest.PostgresURL(t)
	db := storetest.OpenPostgres(t, url)
	if got := db.Pool().Config().MaxConnIdleTime; got != store.ConnMaxIdle {
		t.Errorf("pool MaxConnIdleTime = %v, want %v", got, store.ConnMaxIdle)
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	own, err := store.Open(context.Background(), url+sep+"pool_max_conn_idle_time=5m")
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	if got := own.Pool().Config().MaxConnIdleTime; got != 5*time.Minute {
		t.Errorf("pool MaxConnIdleTime with the URL's 5m = %v", got)
	}
}
