package portal_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// signedInMinji joins as minji on the join page and signs in with the
// mailed link (the second mail).
func (s *joinSite) signedInMinji(t *testing.T) (*browser, fanmail.Member) {
	t.Helper()
	b := s.browser(t)
	if p := b.post("/join", s.minjiForm(t)); p.status != http.StatusSeeOther {
		t.Fatalf("join: %d", p.status)
	}
	s.smtp.WaitFor(t, 1, 10*time.Second)
	s.signIn(t, b, "minji@example.com", 1)
	m, err := s.members.MemberByEmail(context.Background(), "minji@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return b, m
}

func TestPortal_DataAndLeaveByLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newJoinSite(t, db)
		b, m := s.signedInMinji(t)
		ctx := context.Background()

		p := b.get("/portal/leave")
		if p.status != http.StatusOK || !strings.Contains(p.body, "탈퇴 링크 메일 받기") || !strings.Contains(p.body, "수신 차단 목록의 이메일 주소 해시") {
			t.Fatalf("leave page: %d\n%s", p.status, p.body)
		}
		p = b.get("/portal/data.json")
		var d member.DataCopy
		if p.status != http.StatusOK || json.Unmarshal([]byte(p.body), &d) != nil || d.Profile.Email != "minji@example.com" || len(d.ProfileAnswers) == 0 || len(d.Brands) != 2 {
			t.Errorf("data.json: %d %.300s", p.status, p.body)
		}
		p = b.get("/portal/data.csv")
		if recs, err := csv.NewReader(strings.NewReader(p.body)).ReadAll(); p.status != http.StatusOK || err != nil || len(recs) < 20 {
			t.Errorf("data.csv: %d, %d records, %v", p.status, len(recs), err)
		}

		if p = b.post("/portal/leave/mail", nil); p.status != http.StatusSeeOther || p.location != "/portal/leave?sent=1" {
			t.Fatalf("ask for a link: %d %s\n%s", p.status, p.location, p.body)
		}
		link := mailLink(t, s.smtp.WaitFor(t, 3, 10*time.Second)[2], "/leave/confirm?token=")
		u, _ := url.Parse(link)
		token := u.Query().Get("token")

		// A forged link is refused and changes nothing.
		forged := token[:len(token)-3] + "abc"
		if p = b.get("/leave/confirm?token=" + url.QueryEscape(forged)); p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="link-error"`) {
			t.Errorf("forged link page: %d\n%s", p.status, p.body)
		}
		if p = b.post("/leave/confirm", url.Values{"token": {forged}}); p.status != http.StatusBadRequest {
			t.Errorf("forged link: %d", p.status)
		}
		// Opening the link changes nothing; one press does.
		if p = b.get(link); p.status != http.StatusOK || !strings.Contains(p.body, `id="leave-link-confirm"`) || !strings.Contains(p.body, "김민지님, fanmail에서 탈퇴") {
			t.Fatalf("link page: %d\n%s", p.status, p.body)
		}
		if got, _ := s.members.MemberByID(ctx, m.ID); got.ErasedAt != nil {
			t.Fatal("opening the link erased the member")
		}
		if p = b.post("/leave/confirm", url.Values{"token": {token}}); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/leave/done") {
			t.Fatalf("leave: %d %s\n%s", p.status, p.location, p.body)
		}
		if p = b.get(p.location); p.status != http.StatusOK || !strings.Contains(p.body, "개인정보가 삭제되었습니다") {
			t.Errorf("done page: %d\n%s", p.status, p.body)
		}
		if got, _ := s.members.MemberByID(ctx, m.ID); got.ErasedAt == nil || got.Name != "" {
			t.Errorf("member after leaving: %+v", got)
		}
		if p = b.get("/portal"); p.status != http.StatusSeeOther {
			t.Errorf("portal after leaving: %d", p.status)
		}
		if p = b.post("/leave/confirm", url.Values{"token": {token}}); p.status < 400 {
			t.Errorf("used link: %d", p.status)
		}

		// The person joins again with fresh consent.
		if p = b.post("/join", s.minjiForm(t)); p.status != http.StatusSeeOther {
			t.Fatalf("join again: %d\n%s", p.status, p.body)
		}
	})
}

func TestPortal_LeaveWithPassword(t *testing.T) {
	s := newJoinSite(t, storetest.OpenSQLite(t))
	b, _ := s.signedInMinji(t)
	ctx := context.Background()
	if p := b.post("/portal/password", url.Values{"password": {"새비밀번호12345"}, "password_again": {"새비밀번호12345"}}); p.status != http.StatusSeeOther {
		t.Fatalf("set password: %d", p.status)
	}
	p := b.post("/portal/leave", url.Values{"password": {"틀린비밀번호"}})
	if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "비밀번호가 틀렸습니다") {
		t.Errorf("wrong password: %d\n%s", p.status, p.body)
	}
	if p = b.post("/portal/leave", url.Values{"password": {"새비밀번호12345"}}); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/leave/done") {
		t.Fatalf("leave: %d %s\n%s", p.status, p.location, p.body)
	}
	if _, err := s.members.MemberByEmail(ctx, "minji@example.com"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
		t.Errorf("member by address after leaving: %v", err)
	}
}

func TestLeaveTemplates_Translated(t *testing.T) {
	pattern := regexp.MustCompile(`t \$?\.Lang "((?:[^"\\]|\\.)*)"`)
	var msgs []string
	for _, f := range []string{"templates/portal_leave.html", "templates/leave_confirm.html", "templates/leave_done.html",
		"templates/_leave_keeps.html", "templates/portal.html", "../admin/templates/members_erase.html", "../admin/templates/members_view.html"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pattern.FindAllStringSubmatch(string(b), -1) {
			msgs = append(msgs, m[1])
		}
	}
	for _, k := range fanmail.ErasureKeeps {
		msgs = append(msgs, k.What, k.Why, k.Detail)
	}
	literal := regexp.MustCompile(`(?:Errorf\(fanmail\.[A-Z]+, |FieldError\("[a-z_]+", |Message: |Message:\s+)"((?:[^"\\]|\\.)+)"`)
	for _, f := range []string{"../../store/erasure.go", "../../member/erasure.go", "../api/erasure.go"} {
		b, _ := os.ReadFile(filepath.Clean(f))
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			msgs = append(msgs, m[1])
		}
	}
	msgs = append(msgs, store.ReasonErased, "Member erased.", "Erase member")
	if len(msgs) < 40 {
		t.Fatalf("found only %d messages", len(msgs))
	}
	for _, m := range msgs {
		if !i18n.Has(m) {
			t.Errorf("no Korean for %q", m)
		}
	}
}
