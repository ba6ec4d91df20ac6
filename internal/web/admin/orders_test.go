package admin

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/delivery/deliverytest"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// upload posts file as the multipart form of the order import.
func (e *cmpEnv) upload(t *testing.T, path, file string, c *http.Cookie) cmpResponse {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "orders.csv")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(file))
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return e.do(t, req, c)
}

func TestOrderPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCmpEnv(t, db)
		ctx := context.Background()
		c := e.user(t, "marketer@example.com", fanmail.RoleMarketer)
		counsel := e.user(t, "counsel@example.com", fanmail.RoleCounsellor)
		cmpCatalogue(t, db)
		minji := cmpMember(t, db, "minji@example.com", "김민지", fanmail.GenderFemale, false, 0)
		today := db.Now().In(time.FixedZone("KST", 9*3600)).Format("2006-01-02 15:04")

		if res := e.get(t, "/admin/orders/import", counsel); res.StatusCode != http.StatusForbidden {
			t.Errorf("counsellor may import orders: status %d", res.StatusCode)
		}
		wantStatus(t, e.get(t, "/admin/orders/import?lang=ko", c), http.StatusOK, "")

		file := "external_id,member_email,ordered_at,product_code,quantity,unit_price\n" +
			"S-1," + minji.Email + "," + today + ",OZ-COAT-01,1,\n" +
			"S-2," + minji.Email + "," + today + ",OZ-COAT-01,zwei,\n" + // line 3: bad quantity
			"S-3,nobody@example.com," + today + ",OZ-COAT-01,1,\n" // line 4: unknown member
		res := e.upload(t, "/admin/orders/import?lang=ko", file, c)
		wantStatus(t, res, http.StatusOK, "")
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`id="import-orders">1<`),
			regexp.MustCompile(`id="import-failed">2<`),
			regexp.MustCompile(`<td>3</td><td>수량 &#34;zwei&#34;는 정수가 아닙니다.</td>`),
			regexp.MustCompile(`<td>4</td><td>이 번호나 이메일 주소의 회원이 없습니다.</td>`),
		} {
			if !want.MatchString(res.Body) {
				t.Errorf("import result does not match %s:\n%s", want, res.Body)
			}
		}
		wantLastAccess(t, db, fanmail.AccessEdit, "orders csv import", 1)
		// The confirmation of S-1 went out (김민지 refused marketing mail).
		msg := e.smtp.WaitFor(t, 1, 10*time.Second)[0]
		if !strings.Contains(msg.Subject, "S-1") || strings.Contains(msg.Subject, "(광고)") {
			t.Errorf("confirmation subject %q", msg.Subject)
		}

		again := e.upload(t, "/admin/orders/import", file, c)
		if !strings.Contains(again.Body, `id="import-duplicates">1<`) || !strings.Contains(again.Body, `id="import-orders">0<`) {
			t.Errorf("second import:\n%s", again.Body)
		}
		if n := len(e.smtp.Messages()); n != 1 {
			t.Errorf("%d mails after importing again", n)
		}

		bad := e.upload(t, "/admin/orders/import?lang=en", "a,b\n1,2\n", c)
		wantStatus(t, bad, http.StatusUnprocessableEntity, "")
		if !strings.Contains(bad.Body, `id="import-error"`) || !strings.Contains(bad.Body, "external_id") {
			t.Errorf("bad file:\n%s", bad.Body)
		}

		list := e.get(t, "/admin/orders?lang=ko", counsel)
		wantStatus(t, list, http.StatusOK, "")
		if !strings.Contains(list.Body, "S-1") || !strings.Contains(list.Body, "259,000원") || strings.Contains(list.Body, "/admin/orders/import") {
			t.Errorf("order list:\n%s", list.Body)
		}
		wantLastAccess(t, db, fanmail.AccessSearch, fmt.Sprintf("orders members:%d", minji.ID), 1)
		o, err := db.OrderByExternalID(ctx, "S-1")
		if err != nil {
			t.Fatal(err)
		}
		deliverytest.WaitStatus(t, db, store.OrderConfirmationRef(o.ID), fanmail.MessageSent)
		show := e.get(t, fmt.Sprintf("/admin/orders/%d?lang=ko", o.ID), counsel)
		wantStatus(t, show, http.StatusOK, "")
		if !strings.Contains(show.Body, "울 코트") || !strings.Contains(show.Body, "김민지") || !strings.Contains(show.Body, "발송됨") {
			t.Errorf("order page:\n%s", show.Body)
		}
		wantLastAccess(t, db, fanmail.AccessView, fmt.Sprintf("member:%d order %d", minji.ID, o.ID), 1)
		mine := e.get(t, fmt.Sprintf("/admin/orders?member=%d", minji.ID), c)
		if !strings.Contains(mine.Body, "S-1") {
			t.Errorf("member's orders lack S-1")
		}
		wantLastAccess(t, db, fanmail.AccessSearch, fmt.Sprintf("orders member=%d members:%d", minji.ID, minji.ID), 1)
	})
}
