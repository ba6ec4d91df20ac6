package admin

import (
	"context"
	"strings"
	"testing"

	"github.com/fanmail/fanmail/internal/store"
)

// wantLastAccess fails unless the newest access log entry is action by a
// staff user on target (a prefix of the entry's target) touching count
// member records.
func wantLastAccess(t *testing.T, db *store.DB, action, target string, count int) {
	t.Helper()
	es, _, err := db.AccessEntries(context.Background(), store.AccessFilter{Limit: 1})
	if err != nil || len(es) == 0 {
		t.Fatalf("access log: %v, %v", es, err)
	}
	if e := es[0]; e.UserID == 0 || e.Action != action || !strings.HasPrefix(e.Target, target) || e.Count != count {
		t.Errorf("last access entry = %+v; want %s of %q, %d records", e, action, target, count)
	}
}
