package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/web/admin"
)

// post sends a form as a same-origin browser would.
func (a *importAdmin) post(t *testing.T, path string, form url.Values, c *http.Cookie) importResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return a.send(t, req, c)
}

// lastAccess returns the newest access log entry.
func lastAccess(t *testing.T, db *store.DB) fanmail.AccessEntry {
	t.Helper()
	es, _, err := db.AccessEntries(context.Background(), store.AccessFilter{Limit: 1})
	if err != nil || len(es) == 0 {
		t.Fatalf("access log: %v, %v", es, err)
	}
	return es[0]
}

// wantAccess fails unless the newest access log entry is action by a staff
// user on target touching count member records.
func wantAccess(t *testing.T, db *store.DB, action, target string, count int) {
	t.Helper()
	if e := lastAccess(t, db); e.UserID == 0 || e.Action != action || e.Target != target || e.Count != count {
		t.Errorf("last access entry = %+v; want %s of %q, %d records", e, action, target, count)
	}
}

func TestAdmin_AccessLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// An export of more than 2 members needs a reason here.
		a := newImportAdmin(t, db, func(d *admin.Deps) { d.Access = accesslog.New(db, 2) })
		counsellor := a.signedIn(t, "counsel@shop.example", fanmail.RoleCounsellor)
		marketer := a.signedIn(t, "marketer@shop.example", fanmail.RoleMarketer)
		adm := a.signedIn(t, "admin@shop.example", fanmail.RoleAdmin)
		officer := a.signedIn(t, "dpo@shop.example", fanmail.RolePrivacyOfficer)
		var ids []int64
		for _, e := range []string{"jimin@example.com", "seoyeon@example.com", "hana@example.com"} {
			ids = append(ids, storetest.MustCreateMember(t, db, e).ID)
		}
		check := func(t *testing.T, action, target string, count int) {
			t.Helper()
			e := lastAccess(t, db)
			if e.Actor == "" || e.UserID == 0 || e.IP == "" || e.Action != action || !strings.Contains(e.Target, target) || e.Count != count {
				t.Errorf("last entry = %+v; want %s of %q, %d records", e, action, target, count)
			}
		}

		t.Run("Search", func(t *testing.T) {
			if res := a.get(t, "/admin/members?q=김지민", counsellor); res.StatusCode != http.StatusOK {
				t.Fatalf("search: %d", res.StatusCode)
			}
			check(t, fanmail.AccessSearch, "q=김지민", 3)
			a.get(t, "/admin/members?q=jimin@example.com", counsellor)
			if e := lastAccess(t, db); strings.Contains(e.Target, "@") || !strings.Contains(e.Target, "q=(e-mail address)") {
				t.Errorf("an e-mail address typed into the search reached the log: %q", e.Target)
			}
		})
		t.Run("View", func(t *testing.T) {
			if res := a.get(t, fmt.Sprintf("/admin/members/%d", ids[1]), counsellor); res.StatusCode != http.StatusOK {
				t.Fatalf("view: %d", res.StatusCode)
			}
			check(t, fanmail.AccessView, fmt.Sprintf("member:%d", ids[1]), 1)
		})
		t.Run("Edit", func(t *testing.T) {
			res := a.post(t, fmt.Sprintf("/admin/members/%d", ids[2]), url.Values{"name": {"박하나"}}, counsellor)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("edit: %d\n%s", res.StatusCode, res.Body)
			}
			check(t, fanmail.AccessEdit, fmt.Sprintf("member:%d", ids[2]), 1)
		})
		t.Run("ExportNeedsReason", func(t *testing.T) {
			before := lastAccess(t, db).ID
			res := a.get(t, "/admin/members/export.csv", marketer)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="export-reason-form"`) ||
				!strings.Contains(res.Body, "회원 3명") {
				t.Fatalf("large export without a reason: %d\n%s", res.StatusCode, res.Body)
			}
			res = a.post(t, "/admin/members/export.csv", url.Values{"reason": {" "}}, marketer)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="export-error"`) {
				t.Fatalf("blank reason: %d\n%s", res.StatusCode, res.Body)
			}
			if lastAccess(t, db).ID != before {
				t.Error("a refused export was logged as an export")
			}
			res = a.post(t, "/admin/members/export.csv", url.Values{"reason": {"백화점 VIP 행사 초대장 발송"}}, marketer)
			if res.StatusCode != http.StatusOK || strings.Count(res.Body, "\r\n") != 4 {
				t.Fatalf("export with a reason: %d\n%s", res.StatusCode, res.Body)
			}
			check(t, fanmail.AccessExport, "all members", 3)
			if e := lastAccess(t, db); e.Reason != "백화점 VIP 행사 초대장 발송" {
				t.Errorf("reason = %q", e.Reason)
			}
			// Two members are within the limit: no reason asked.
			if res := a.get(t, "/admin/members/export.csv?status=pending", marketer); res.StatusCode != http.StatusOK {
				t.Errorf("small export: %d", res.StatusCode)
			}
			check(t, fanmail.AccessExport, "status=pending", 0)
		})
		t.Run("OfficerOnly", func(t *testing.T) {
			for _, c := range []*http.Cookie{adm, marketer, counsellor} {
				if res := a.get(t, "/admin/access-log", c); res.StatusCode != http.StatusForbidden {
					t.Errorf("GET /admin/access-log by a non-officer: %d", res.StatusCode)
				}
			}
			res := a.get(t, "/admin/access-log?action=export", officer)
			if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "백화점 VIP 행사 초대장 발송") ||
				strings.Contains(res.Body, "<td>search</td>") {
				t.Fatalf("officer's filtered log: %d\n%s", res.StatusCode, res.Body)
			}
			check(t, fanmail.AccessRead, "action=export", 2)
			res = a.post(t, "/admin/access-log/verify", nil, officer)
			if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `id="chain-ok"`) {
				t.Errorf("verify: %d\n%s", res.StatusCode, res.Body)
			}
			if res := a.get(t, "/admin/access-log?from=yesterday", officer); res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("bad date: %d", res.StatusCode)
			}
		})
	})
}

// Reading the built-in mailbox, whose mails are to members, is recorded:
// the list with its search text, each message, its frame and its download.
func TestAdmin_MailboxAccessLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newImportAdmin(t, db)
		counsellor := a.signedIn(t, "counsel@shop.example", fanmail.RoleCounsellor)
		m := storetest.MustAddMailboxMessage(t, db, "minseo.yoon@example.com", "hello", "윤민서님, 확인해 주세요.")
		for _, tt := range []struct{ path, action, target string }{
			{"/admin/mailbox?q=minseo.yoon@example.com", fanmail.AccessSearch, fmt.Sprintf("mailbox q=(e-mail address) messages:%d", m.ID)},
			{fmt.Sprintf("/admin/mailbox/%d", m.ID), fanmail.AccessView, fmt.Sprintf("mailbox message %d", m.ID)},
			{fmt.Sprintf("/admin/mailbox/%d/html", m.ID), fanmail.AccessView, fmt.Sprintf("mailbox message %d html", m.ID)},
			{fmt.Sprintf("/admin/mailbox/%d/raw", m.ID), fanmail.AccessView, fmt.Sprintf("mailbox message %d raw", m.ID)},
		} {
			if res := a.get(t, tt.path, counsellor); res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", tt.path, res.StatusCode)
			}
			wantAccess(t, db, tt.action, tt.target, 1)
		}
	})
}

func TestAdmin_PrivacySettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newImportAdmin(t, db)
		adm := a.signedIn(t, "admin@shop.example", fanmail.RoleAdmin)
		counsellor := a.signedIn(t, "counsel@shop.example", fanmail.RoleCounsellor)
		if res := a.get(t, "/admin/settings/privacy", counsellor); res.StatusCode != http.StatusForbidden {
			t.Errorf("counsellor: %d", res.StatusCode)
		}
		res := a.post(t, "/admin/settings/privacy", url.Values{"officer_name": {"이보안"}, "officer_email": {"not-an-address"}}, adm)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "이보안") {
			t.Fatalf("bad e-mail: %d\n%s", res.StatusCode, res.Body)
		}
		res = a.post(t, "/admin/settings/privacy", url.Values{"officer_name": {"이보안"}, "officer_title": {"정보보호팀장"},
			"officer_email": {"privacy@brand.example"}, "officer_phone": {"02-1234-5678"}}, adm)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", res.StatusCode, res.Body)
		}
		res = a.get(t, "/admin/settings/privacy", adm)
		if !strings.Contains(res.Body, `value="privacy@brand.example"`) || !strings.Contains(res.Body, `id="wording-2026-11-privacy"`) {
			t.Errorf("settings page:\n%s", res.Body)
		}
		if res := a.get(t, "/admin/consent-wordings", counsellor); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "이용약관에 동의합니다.") {
			t.Errorf("wordings: %d", res.StatusCode)
		}
	})
}
