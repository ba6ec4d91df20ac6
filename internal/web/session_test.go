package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/web"
)

// Start never carries a session over a sign-in: the session of the cookie
// the request brought (planted, or the member's own from before) is
// deleted, whoever it belonged to, and a new token is issued.
func TestSessions_StartDropsTheRequestSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		first := storetest.MustCreateMember(t, db, "minji@example.com")
		second := storetest.MustCreateMember(t, db, "jihoon@example.com")
		s := &web.Sessions{DB: db, Cookie: "fanmail_member", Path: "/", TTL: time.Hour}

		start := func(r *http.Request, memberID int64) *http.Cookie {
			t.Helper()
			rec := httptest.NewRecorder()
			if _, err := s.Start(rec, r, 0, memberID, fanmail.LangKorean); err != nil {
				t.Fatal(err)
			}
			cs := rec.Result().Cookies()
			if len(cs) != 1 || cs[0].Name != "fanmail_member" || !cs[0].HttpOnly {
				t.Fatalf("cookies = %v", cs)
			}
			return cs[0]
		}
		planted := start(httptest.NewRequest("POST", "/login", nil), first.ID)
		r := httptest.NewRequest("POST", "/login/password", nil)
		r.AddCookie(planted)
		fresh := start(r, second.ID)
		if fresh.Value == planted.Value {
			t.Fatal("the planted token was issued again")
		}
		if _, err := db.SessionByHash(ctx, web.HashToken(planted.Value)); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
			t.Errorf("planted session after Start: %v, want EUNAUTHORIZED (deleted)", err)
		}
		sess, err := db.SessionByHash(ctx, web.HashToken(fresh.Value))
		if err != nil || sess.MemberID != second.ID {
			t.Errorf("new session = %+v, %v", sess, err)
		}
		// A cookie naming no session is no obstacle.
		r = httptest.NewRequest("POST", "/login/password", nil)
		r.AddCookie(&http.Cookie{Name: "fanmail_member", Value: "made-up"})
		start(r, first.ID)
	})
}
