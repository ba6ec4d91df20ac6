package store

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Commits do not checkpoint on SQLite (an fsync while holding the one write
// lock); the background checkpointer moves the WAL into the database file.
func TestOpenSQLite_CheckpointsInBackground(t *testing.T) {
	old := checkpointEvery
	t.Cleanup(func() { checkpointEvery = old })
	checkpointEvery = time.Hour

	path := filepath.Join(t.TempDir(), "fanmail.db")
	db, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var auto int
	if err := db.sql.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != 0 {
		t.Fatalf("wal_autocheckpoint = %d, want 0", auto)
	}
	// 8 MB in 2,000 pages: past SQLite's automatic checkpoint (1,000 pages).
	err = db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, "CREATE TABLE blobs (b BLOB)"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
			INSERT INTO blobs SELECT randomblob(4000) FROM n`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	const want = 8_000_000
	if size := fileSize(t, path); size >= want {
		t.Fatalf("the commit checkpointed: database file %d bytes", size)
	}

	checkpointEvery = 10 * time.Millisecond
	db.checkpoints.close()
	db.checkpoints = startCheckpointer(db, path)
	err = db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO blobs VALUES (randomblob(4000))")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for fileSize(t, path) < want {
		if time.Now().After(deadline) {
			t.Fatalf("not checkpointed after 10 s: database file %d bytes", fileSize(t, path))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// A failed checkpoint is reported to the logger the app set, in its format.
func TestCheckpointer_LogsToSetLogger(t *testing.T) {
	old := checkpointEvery
	t.Cleanup(func() { checkpointEvery = old })
	checkpointEvery = 10 * time.Millisecond

	path := filepath.Join(t.TempDir(), "fanmail.db")
	db, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	db.SetLogger(slog.New(slog.NewJSONHandler(logFile, nil)))
	logged := func() string { b, _ := os.ReadFile(logFile.Name()); return string(b) }
	ctx := context.Background()
	err = db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE t (i INTEGER)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The checkpoint's query now fails.
	db.checkpoints.close()
	db.sql.Close()
	db.checkpoints = startCheckpointer(db, path)
	defer db.checkpoints.close()
	later := time.Now().Add(time.Minute) // the WAL looks written since
	if err := os.Chtimes(path+"-wal", later, later); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logged(), `"msg":"sqlite checkpoint"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint failure logged as JSON to the set logger; got %q", logged())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
