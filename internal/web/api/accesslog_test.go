package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// wantAccess fails unless the newest access log entry is action by an API
// token on target touching count member records.
func wantAccess(t *testing.T, db *store.DB, action, target string, count int) {
	t.Helper()
	es, _, err := db.AccessEntries(context.Background(), store.AccessFilter{Limit: 1})
	if err != nil || len(es) == 0 {
		t.Fatalf("access log: %v, %v", es, err)
	}
	if e := es[0]; !strings.HasPrefix(e.Actor, "api:") || e.Action != action || e.Target != target || e.Count != count {
		t.Errorf("last access entry = %+v; want %s of %q, %d records", e, action, target, count)
	}
}

func TestAPI_AccessLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		counsellor := e.token(t, fanmail.RoleCounsellor)
		marketer := e.token(t, fanmail.RoleMarketer)
		admin := e.token(t, fanmail.RoleAdmin)
		officer := e.token(t, fanmail.RolePrivacyOfficer)
		var ids []int64
		for _, m := range [][2]string{{"yuna@example.com", "최유나"}, {"daeun@example.com", "정다은"}, {"minho@example.com", "이민호"}} {
			ids = append(ids, e.mustMember(t, m[0], m[1]).ID)
		}

		e.call(t, request{method: "GET", path: "/api/v1/members?status=pending&limit=2", token: counsellor}, http.StatusOK, nil)
		e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/members/%d/consents", ids[0]), token: counsellor}, http.StatusOK, nil)
		e.call(t, request{method: "PATCH", path: fmt.Sprintf("/api/v1/members/%d", ids[1]), token: counsellor, body: `{"name":"정다은 (VIP)"}`}, http.StatusOK, nil)
		e.call(t, request{method: "GET", path: "/api/v1/members/999999", token: counsellor}, http.StatusNotFound, nil)

		// Exports: above 2 members a reason is needed.
		wantError(t, e.do(t, request{method: "POST", path: "/api/v1/members/export", token: marketer, body: `{}`}),
			http.StatusUnprocessableEntity, fanmail.EINVALID, "reason")
		rec := e.do(t, request{method: "POST", path: "/api/v1/members/export", token: marketer, body: `{"lang":"en","reason":"CRM 이관 검수"}`})
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") || strings.Count(rec.Body.String(), "\r\n") != 4 {
			t.Fatalf("export: %d %s\n%s", rec.Code, rec.Header(), rec.Body)
		}
		wantError(t, e.do(t, request{method: "POST", path: "/api/v1/members/export", token: marketer, body: `{"status":"gone","reason":"x1"}`}),
			http.StatusUnprocessableEntity, fanmail.EINVALID, "status")

		// Only the privacy officer reads the log.
		for _, tok := range []string{admin, marketer, counsellor} {
			wantError(t, e.do(t, request{method: "GET", path: "/api/v1/access-log", token: tok}), http.StatusForbidden, fanmail.EFORBIDDEN, "")
		}
		var page accessPage
		e.call(t, request{method: "GET", path: "/api/v1/access-log?limit=10", token: officer}, http.StatusOK, &page)
		type seen struct {
			Action, Target string
			Count          int
		}
		var got []seen
		for _, en := range page.Data {
			got = append(got, seen{en.Action, en.Target, en.Count})
		}
		want := []seen{
			{fanmail.AccessExport, "all members", 3},
			{fanmail.AccessEdit, fmt.Sprintf("member:%d", ids[1]), 1},
			{fanmail.AccessView, fmt.Sprintf("member:%d consents", ids[0]), 1},
			{fanmail.AccessSearch, fmt.Sprintf("status=pending members:%d,%d", ids[2], ids[1]), 2},
		}
		if len(got) < len(want) {
			t.Fatalf("entries = %+v", got)
		}
		for i, w := range want {
			if got[i] != w {
				t.Errorf("entry %d = %+v, want %+v", i, got[i], w)
			}
		}
		if ex := page.Data[0]; ex.Reason != "CRM 이관 검수" || ex.Actor != "api:test marketer" || ex.PrevHash != page.Data[1].Hash {
			t.Errorf("export entry = %+v", ex)
		}
		for _, en := range page.Data {
			if strings.Contains(en.Target, "999999") {
				t.Errorf("a failed look-up was logged as access: %+v", en)
			}
		}

		e.call(t, request{method: "GET", path: "/api/v1/access-log?action=export&user_id=0", token: officer}, http.StatusOK, &page)
		if len(page.Data) != 1 || page.Data[0].Action != fanmail.AccessExport {
			t.Errorf("filtered = %+v", page.Data)
		}
		wantError(t, e.do(t, request{method: "GET", path: "/api/v1/access-log?from=yesterday", token: officer}), http.StatusBadRequest, fanmail.EINVALID, "from")
		wantError(t, e.do(t, request{method: "GET", path: "/api/v1/access-log?limit=501", token: officer}), http.StatusBadRequest, fanmail.EINVALID, "limit")
	})
}

// Every route that serves or changes members' data records each call: those
// that need a member permission carry an access-log action, but for the few
// that record themselves or hold no member's data.
func TestAPI_MemberRoutesAudited(t *testing.T) {
	unaudited := map[string]bool{
		"POST /api/v1/members/export":      true, // records the export with its reason
		"GET /api/v1/brands/{id}/fan-rule": true, // a brand's rule, no member's data
	}
	for _, rt := range New(Deps{}).routes() {
		key := rt.Method + " " + rt.Path
		member := rt.Perm == fanmail.PermViewMembers || rt.Perm == fanmail.PermEditMembers ||
			rt.Perm == fanmail.PermEraseMembers || rt.Perm == fanmail.PermRedeem || rt.Perm == fanmail.PermImportMembers
		if member && rt.Access == "" && !unaudited[key] {
			t.Errorf("%s reaches members' data without an access-log action", key)
		}
	}
}
