package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/mailbox"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// GET /api/v1/mailbox lists the kept mails and GET /api/v1/mailbox/{id}
// returns one taken apart or raw; every answer matches openapi.json.
func TestAPI_Mailbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mux = http.NewServeMux()
		New(Deps{Config: config.Default(), Logger: testLogger(t), Staff: e.staff, Members: e.members, Catalog: e.catalog,
			Mailbox: mailbox.NewBox(db, true), Access: e.access}).Routes(e.mux)
		raw := "From: fanmail <no-reply@fanmail.test>\r\nTo: minseo.yoon@example.com\r\nSubject: =?UTF-8?Q?=ED=99=95=EC=9D=B8?=\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n\r\n윤민서님, 확인해 주세요.\r\n"
		m, err := db.AddMailboxMessage(context.Background(), store.MailboxMessage{ReceivedAt: time.Now().UTC(), From: "b@fanmail.test",
			To: "minseo.yoon@example.com", Subject: "확인", Kind: fanmail.MessageOptIn, Raw: []byte(raw)}, 10)
		if err != nil {
			t.Fatal(err)
		}
		token := e.token(t, fanmail.RoleCounsellor)
		id := strconv.FormatInt(m.ID, 10)

		rec := e.do(t, request{method: "GET", path: "/api/v1/mailbox?q=MINSEO", token: token})
		var list mailboxListJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &list); rec.Code != http.StatusOK || err != nil || !list.On || len(list.Data) != 1 ||
			list.Data[0].Kind != fanmail.MessageOptIn || list.NextBefore != nil {
			t.Errorf("list: %d %s", rec.Code, rec.Body)
		}
		wantAccess(t, db, fanmail.AccessSearch, "mailbox q=MINSEO messages:"+id, 1)
		e.do(t, request{method: "GET", path: "/api/v1/mailbox?q=minseo.yoon@example.com", token: token})
		wantAccess(t, db, fanmail.AccessSearch, "mailbox q=(e-mail address) messages:"+id, 1)
		rec = e.do(t, request{method: "GET", path: "/api/v1/mailbox/" + id, token: token})
		var one mailboxMessageJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &one); rec.Code != http.StatusOK || err != nil || one.Text != "윤민서님, 확인해 주세요.\r\n" || len(one.Headers) != 4 {
			t.Errorf("message: %d %s", rec.Code, rec.Body)
		}
		wantAccess(t, db, fanmail.AccessView, "mailbox message "+id, 1)
		rec = e.do(t, request{method: "GET", path: "/api/v1/mailbox/" + id + "?format=raw", token: token})
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "message/rfc822" || rec.Body.String() != raw {
			t.Errorf("raw: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
		wantAccess(t, db, fanmail.AccessView, "mailbox message "+id+" raw", 1)
		for _, tt := range []struct {
			path, token string
			status      int
		}{
			{"/api/v1/mailbox/" + id + "?format=pdf", token, http.StatusBadRequest},
			{"/api/v1/mailbox?before=-1", token, http.StatusBadRequest},
			{"/api/v1/mailbox/" + id + "9", token, http.StatusNotFound},
			{"/api/v1/mailbox", "", http.StatusUnauthorized},
		} {
			if rec := e.do(t, request{method: "GET", path: tt.path, token: tt.token}); rec.Code != tt.status || !strings.Contains(rec.Body.String(), `"error"`) {
				t.Errorf("%s: %d %s; want %d", tt.path, rec.Code, rec.Body, tt.status)
			}
		}
	})
}
