package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestAPI_ExportAndEraseMember(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := e.token(t, fanmail.RoleAdmin)
		counsellor := e.token(t, fanmail.RoleCounsellor)
		m := e.mustMember(t, "seoyeon@example.com", "한서연")
		path := fmt.Sprintf("/api/v1/members/%d", m.ID)

		var d member.DataCopy
		e.call(t, request{method: "GET", path: path + "/export", token: counsellor}, http.StatusOK, &d)
		if d.Profile.Email != "seoyeon@example.com" || d.Profile.Name != "한서연" || len(d.ConsentHistory) == 0 || d.Orders == nil {
			t.Errorf("export = %+v", d)
		}
		rec := e.call(t, request{method: "GET", path: path + "/export?format=csv", token: counsellor}, http.StatusOK, nil)
		recs, err := csv.NewReader(rec.Body).ReadAll()
		if err != nil || len(recs) < 10 || strings.Join(recs[0], ",") != "section,row,field,value" {
			t.Errorf("CSV export: %d records, %v", len(recs), err)
		}
		wantError(t, e.do(t, request{method: "GET", path: path + "/export?format=xml", token: counsellor}), http.StatusUnprocessableEntity, fanmail.EINVALID, "format")

		// Erasure needs its own permission and a reason.
		wantError(t, e.do(t, request{method: "POST", path: path + "/erasure", token: counsellor, body: `{"reason":"요청"}`}), http.StatusForbidden, fanmail.EFORBIDDEN, "")
		wantError(t, e.do(t, request{method: "POST", path: path + "/erasure", token: admin, body: `{}`}), http.StatusUnprocessableEntity, fanmail.EINVALID, "reason")
		var res erasureJSON
		e.call(t, request{method: "POST", path: path + "/erasure", token: admin, body: `{"reason":"이메일 요청 2026-03-01"}`}, http.StatusOK, &res)
		if res.MemberID != m.ID {
			t.Errorf("erasure = %+v", res)
		}
		wantError(t, e.do(t, request{method: "POST", path: path + "/erasure", token: admin, body: `{"reason":"again"}`}), http.StatusConflict, fanmail.ECONFLICT, "")
		wantError(t, e.do(t, request{method: "POST", path: "/api/v1/members/999999/erasure", token: admin, body: `{"reason":"x"}`}), http.StatusNotFound, fanmail.ENOTFOUND, "")

		var got memberRecordJSON
		e.call(t, request{method: "GET", path: path, token: admin}, http.StatusOK, &got)
		if got.Name != "" || strings.Contains(got.Email, "seoyeon") || got.Status != fanmail.MemberInactive {
			t.Errorf("erased member = %+v", got.memberJSON)
		}
		// The API cannot create the address again.
		body := `{"email":"Seoyeon@example.com","name":"한서연","birth_year":1992,"consents":[{"purpose":"terms","granted":true},{"purpose":"privacy","granted":true}]}`
		wantError(t, e.do(t, request{method: "POST", path: "/api/v1/members", token: admin, body: body}), http.StatusConflict, fanmail.ECONFLICT, "email")
	})
}
