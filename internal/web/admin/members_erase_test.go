package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestMembersAdmin_EraseAndData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStaffEnv(t, db)
		ctx := context.Background()
		e.user(t, "admin@fanmail.test", fanmail.RoleAdmin)
		e.user(t, "counsel@fanmail.test", fanmail.RoleCounsellor)
		admin := e.signIn(t, "admin@fanmail.test")
		counsel := e.signIn(t, "counsel@fanmail.test")
		m := storetest.MustCreateMember(t, db, "dahye@example.com")
		path := fmt.Sprintf("/admin/members/%d", m.ID)

		// Counsellors read the data copy but cannot erase.
		res := e.get(t, path+"/data.json", counsel)
		var d member.DataCopy
		if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(res.Body), &d) != nil || d.Profile.Email != "dahye@example.com" {
			t.Fatalf("data.json: %d %.300s", res.StatusCode, res.Body)
		}
		if res := e.get(t, path+"/data.csv", counsel); res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Body, "section,row,field,value") {
			t.Errorf("data.csv: %d %.200s", res.StatusCode, res.Body)
		}
		if res := e.get(t, path, counsel); strings.Contains(res.Body, "member-erase") {
			t.Error("the member page offers erasure to a counsellor")
		}
		if res := e.post(t, path+"/erase", url.Values{"reason": {"x"}}, counsel); res.StatusCode != http.StatusForbidden {
			t.Errorf("counsellor erasing: %d", res.StatusCode)
		}

		if res := e.get(t, path, admin); !strings.Contains(res.Body, `id="member-erase"`) {
			t.Error("the member page does not offer erasure to an admin")
		}
		res = e.get(t, path+"/erase?lang=ko", admin)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "영구 삭제") || !strings.Contains(res.Body, "수신 차단 목록의 이메일 주소 해시") {
			t.Errorf("erase form: %d %s", res.StatusCode, res.Body)
		}
		wantAccess(t, db, fanmail.AccessView, fmt.Sprintf("member:%d erase form", m.ID), 1)
		res = e.post(t, path+"/erase", url.Values{"reason": {""}}, admin)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="error-reason"`) {
			t.Errorf("erase without reason: %d", res.StatusCode)
		}
		res = e.post(t, path+"/erase", url.Values{"reason": {"고객센터 전화 요청 2026-12-01"}}, admin)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("erase: %d %s", res.StatusCode, res.Body)
		}
		got, err := db.MemberByID(ctx, m.ID)
		if err != nil || got.ErasedAt == nil || strings.Contains(got.Email, "dahye") {
			t.Errorf("erased member %+v, %v", got, err)
		}
		if res := e.get(t, path, admin); !strings.Contains(res.Body, `id="member-erased"`) || strings.Contains(res.Body, `id="member-erase"`) {
			t.Error("the member page does not say the member was erased")
		}
		var who int64
		var reason string
		if err := db.SQL().QueryRowContext(ctx, `SELECT user_id, reason FROM erasures WHERE member_id = $1`, m.ID).Scan(&who, &reason); err != nil || who == 0 || reason != "고객센터 전화 요청 2026-12-01" {
			t.Errorf("erasure record: user %d reason %q, %v", who, reason, err)
		}
	})
}
