package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func appendAccess(t *testing.T, db *store.DB, e fanmail.AccessEntry) fanmail.AccessEntry {
	t.Helper()
	e, err := db.AppendAccess(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestDB_AccessLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 12, 1, 9, 30, 0, 123456789, time.UTC)
		db.Now = func() time.Time { return t0 }
		a := appendAccess(t, db, fanmail.AccessEntry{UserID: 7, Actor: "counsel@shop.example", IP: "10.0.0.5", Action: fanmail.AccessView, Target: "member:12", Count: 1})
		b := appendAccess(t, db, fanmail.AccessEntry{UserID: 8, Actor: "marketer@shop.example", Action: fanmail.AccessExport, Target: "status=active", Count: 1500, Reason: "백화점 행사 안내 발송"})
		if a.PrevHash != "" || b.PrevHash != a.Hash || a.Hash == b.Hash {
			t.Fatalf("chain: a=%+v b=%+v", a, b)
		}
		if _, err := db.AppendAccess(ctx, fanmail.AccessEntry{Actor: "x"}); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("entry without action: %v", err)
		}

		es, next, err := db.AccessEntries(ctx, store.AccessFilter{})
		if err != nil || next != 0 || len(es) != 2 || es[0].ID != b.ID {
			t.Fatalf("all entries = %+v, %d, %v", es, next, err)
		}
		if !es[1].At.Equal(t0.Truncate(time.Microsecond)) || es[1].Hash != a.Hash || es[0].Reason != "백화점 행사 안내 발송" {
			t.Errorf("read back %+v", es[1])
		}
		for name, f := range map[string]store.AccessFilter{
			"user":   {UserID: 7},
			"action": {Action: fanmail.AccessView},
			"target": {Target: "member:1"},
			"until":  {Until: t0.Truncate(time.Microsecond)},
		} {
			es, _, err := db.AccessEntries(ctx, f)
			want := 1
			if name == "until" {
				want = 0
			}
			if err != nil || len(es) != want {
				t.Errorf("%s: %d entries, %v; want %d", name, len(es), err, want)
			}
		}
		es, next, err = db.AccessEntries(ctx, store.AccessFilter{Limit: 1})
		if err != nil || len(es) != 1 || next != b.ID {
			t.Errorf("page 1: %+v %d %v", es, next, err)
		}

		c, err := db.VerifyAccessLog(ctx)
		if err != nil || c.Broken != 0 || c.Checked != 2 {
			t.Fatalf("verify intact log = %+v, %v", c, err)
		}
		if _, err := db.SQL().ExecContext(ctx, `UPDATE access_log SET count = 1 WHERE id = $1`, b.ID); err == nil {
			t.Error("an update of the access log went through")
		}
		if _, err := db.SQL().ExecContext(ctx, `DELETE FROM access_log WHERE id = $1`, a.ID); err == nil {
			t.Error("a delete from the access log went through")
		}
	})
}

// dropAppendOnly removes the triggers that refuse changes, as someone with
// full database access could.
func dropAppendOnly(t *testing.T, db *store.DB) {
	t.Helper()
	q := `DROP TRIGGER access_log_no_update; DROP TRIGGER access_log_no_delete`
	if db.Engine() == store.Postgres {
		q = `DROP TRIGGER access_log_no_change ON access_log`
	}
	if _, err := db.SQL().ExecContext(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

func TestDB_VerifyAccessLog_Tampered(t *testing.T) {
	for _, tc := range []struct {
		name, sql, problem string
		broken             int // index of the entry reported
	}{
		{"Edited", `UPDATE access_log SET count = 3 WHERE id = $1`, "edited", 1},
		{"EditedTarget", `UPDATE access_log SET target = 'member:99' WHERE id = $1`, "edited", 1},
		{"Removed", `DELETE FROM access_log WHERE id = $1`, "removed or inserted", 2},
		{"FirstRemoved", `DELETE FROM access_log WHERE id = $1 - 1`, "earlier entries were removed", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				var es []fanmail.AccessEntry
				for i := range 3 {
					es = append(es, appendAccess(t, db, fanmail.AccessEntry{UserID: 3, Actor: "jiwoo@shop.example",
						Action: fanmail.AccessView, Target: fmt.Sprintf("member:%d", i+1), Count: 1}))
				}
				dropAppendOnly(t, db)
				if _, err := db.SQL().ExecContext(ctx, tc.sql, es[1].ID); err != nil {
					t.Fatal(err)
				}
				c, err := db.VerifyAccessLog(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if c.Broken != es[tc.broken].ID || !strings.Contains(c.Problem, tc.problem) {
					t.Errorf("verify = %+v; want entry %d (%s)", c, es[tc.broken].ID, tc.problem)
				}
			})
		})
	}
}

// TestDB_AppendAccess_Concurrent has writers on two connections pools (two
// app nodes) append at once: the chain must not fork.
func TestDB_AppendAccess_Concurrent(t *testing.T) {
	storetest.EachShared(t, func(t *testing.T, db *store.DB, dsn string) {
		other, err := storetest.OpenShared(dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { other.Close() })
		const perWriter = 25
		var wg sync.WaitGroup
		errs := make(chan error, 8*perWriter)
		for w := range 8 {
			node := db
			if w%2 == 1 {
				node = other
			}
			wg.Go(func() {
				for i := range perWriter {
					_, err := node.AppendAccess(context.Background(), fanmail.AccessEntry{UserID: int64(w + 1),
						Actor: fmt.Sprintf("writer%d@shop.example", w), Action: fanmail.AccessSearch, Target: fmt.Sprintf("q=%d", i), Count: i})
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		c, err := db.VerifyAccessLog(context.Background())
		if err != nil || c.Broken != 0 || c.Checked != 8*perWriter {
			t.Fatalf("verify = %+v, %v", c, err)
		}
	})
}
