package member_test

import (
	"bytes"
	"testing"

	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// An import big enough leaves the planner statistics of the tables it wrote
// fresh, with autovacuum off; a small one leaves them alone.
func TestService_Import_AnalyzesTables(t *testing.T) {
	tables := []string{"members", "member_consents", "consents"}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		storetest.NoAutoAnalyze(t, db, tables...)
		s := newService(t, db)
		var small bytes.Buffer
		if _, err := writeMembersCSV(&small, 0, 50, db.Now()); err != nil {
			t.Fatal(err)
		}
		importString(t, s, small.String(), member.ImportRequest{DefaultConsents: []string{"marketing_email"}})
		for _, table := range tables {
			if n := storetest.PlannerStats(t, db, table); n != 0 {
				t.Errorf("after 50 rows: %d rows of statistics for %s, want none", n, table)
			}
		}

		var big bytes.Buffer
		if _, err := writeMembersCSV(&big, 1000, 2*store.AnalyzeRows, db.Now()); err != nil {
			t.Fatal(err)
		}
		res := importString(t, s, big.String(), member.ImportRequest{DefaultConsents: []string{"marketing_email"}})
		if res.OK < store.AnalyzeRows {
			t.Fatalf("%d members imported, want at least %d", res.OK, store.AnalyzeRows)
		}
		for _, table := range tables {
			if n := storetest.PlannerStats(t, db, table); n == 0 {
				t.Errorf("after %d members: no statistics for %s", res.OK, table)
			}
		}
	})
}
