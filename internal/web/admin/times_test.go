package admin_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// Lists show times in the company time zone (Asia/Seoul by default),
// labelled, not bare UTC.
func TestTimesInCompanyZone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC) // 19:00 in Seoul
		db.Now = func() time.Time { return at }
		e := newStaffEnv(t, db)
		e.user(t, "jihoon@example.com", fanmail.RoleAdmin)
		c := e.signIn(t, "jihoon@example.com")
		storetest.MustCreateMember(t, db, "minji@example.com")
		for _, path := range []string{"/admin/members", "/admin/users"} {
			res := e.get(t, path, c)
			if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "2026-03-01 19:00 KST") || strings.Contains(res.Body, "2026-03-01 10:00") {
				t.Errorf("%s: status %d, want the time as 2026-03-01 19:00 KST:\n%s", path, res.StatusCode, res.Body)
			}
		}
	})
}
