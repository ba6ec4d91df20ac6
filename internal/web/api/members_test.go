package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/tracking"
)

// optionID returns the id of the option with value of the profile question
// with key.
func optionID(t *testing.T, qs []fanmail.Question, key, value string) (questionID, optID int64) {
	t.Helper()
	for _, q := range qs {
		for _, o := range q.Options {
			if q.Key == key && o.Value == value {
				return q.ID, o.ID
			}
		}
	}
	t.Fatalf("no option %s of question %s", value, key)
	return 0, 0
}

func TestAPI_CreateMember(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, withMail, withSurvey)
		ctx := context.Background()
		tok := e.token(t, fanmail.RoleMarketer)
		g := e.mustGroup(t, "casual", "캐주얼")
		mienc := e.mustBrand(t, g.ID, "mienc", "미앤씨")
		ozoc := e.mustBrand(t, g.ID, "ozoc", "오조크")
		qs, err := e.members.ProfileQuestions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		occupation, office := optionID(t, qs, "occupation", "office-professional")
		style, urban := optionID(t, qs, "style", "urban-casual")

		body := fmt.Sprintf(`{
			"code": "seojun90", "email": "Seojun.Park@example.com", "name": "박서준",
			"phone": "010-9876-5432", "birth_year": 1990, "gender": "male",
			"postal_code": "06236", "address": "서울특별시 강남구 테헤란로 152", "lang": "ko",
			"consents": [
				{"purpose": "terms", "granted": true}, {"purpose": "privacy", "granted": true},
				{"purpose": "marketing_email", "granted": true}, {"purpose": "marketing_sms", "granted": false}
			],
			"brand_ids": [%d, %d],
			"answers": [
				{"question_id": %d, "option_ids": [%d]},
				{"question_id": %d, "option_ids": [%d]}
			]
		}`, mienc.ID, ozoc.ID, occupation, office, style, urban)
		var created memberRecordJSON
		rec := e.call(t, request{method: "POST", path: "/api/v1/members", token: tok, body: body}, http.StatusCreated, &created)
		if want := fmt.Sprintf("/api/v1/members/%d", created.ID); rec.Header().Get("Location") != want {
			t.Errorf("Location %q, want %q", rec.Header().Get("Location"), want)
		}
		if strings.Contains(strings.ToLower(rec.Body.String()), "password") {
			t.Errorf("member JSON mentions a password: %s", rec.Body)
		}
		if created.Name != "박서준" || created.Source != fanmail.SourceAPI || created.Status != fanmail.MemberPending ||
			created.BirthYear == nil || *created.BirthYear != 1990 || created.Email != "Seojun.Park@example.com" {
			t.Errorf("created member = %+v", created.memberJSON)
		}
		if diff := cmp.Diff([]int64{mienc.ID, ozoc.ID}, created.BrandIDs); diff != "" {
			t.Errorf("brand_ids (-want +got):\n%s", diff)
		}
		wantConsents := map[string]bool{"terms": true, "privacy": true, "marketing_email": true, "marketing_sms": false, "night_sms": false}
		if diff := cmp.Diff(wantConsents, created.Consents); diff != "" {
			t.Errorf("consents (-want +got):\n%s", diff)
		}
		if len(created.Answers) != 2 {
			t.Errorf("answers = %+v, want 2", created.Answers)
		}

		// The same record is at the Location.
		var got memberRecordJSON
		e.call(t, request{method: "GET", path: rec.Header().Get("Location"), token: tok}, http.StatusOK, &got)
		if diff := cmp.Diff(created, got, cmp.AllowUnexported(memberRecordJSON{})); diff != "" {
			t.Errorf("GET differs from POST response (-post +get):\n%s", diff)
		}

		// Every consent was recorded with source api and the caller's address.
		var consents consentsJSON
		e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/members/%d/consents", created.ID), token: tok}, http.StatusOK, &consents)
		if consents.OptIn != nil {
			t.Errorf("opt-in evidence before confirming: %+v", consents.OptIn)
		}
		if len(consents.History) != len(fanmail.Purposes) {
			t.Fatalf("consent history has %d records, want %d", len(consents.History), len(fanmail.Purposes))
		}
		for _, c := range consents.History {
			if c.Source != fanmail.SourceAPI || c.IP != "192.0.2.1" || c.Version != fanmail.ConsentWordingVersion {
				t.Errorf("consent record = %+v, want source api from 192.0.2.1", c)
			}
		}

		// The confirmation mail went out in Korean and its link activates the member.
		msgs := e.smtp.WaitFor(t, 1, 10*time.Second)
		if len(msgs) != 1 || !slices.Equal(msgs[0].To, []string{"Seojun.Park@example.com"}) {
			t.Fatalf("mails = %d to %v", len(msgs), msgs[0].To)
		}
		if !strings.Contains(msgs[0].Text, "박서준") {
			t.Errorf("mail text does not greet 박서준:\n%s", msgs[0].Text)
		}
		var token string
		for _, l := range channeltest.Links(msgs[0].Text) {
			if u, err := url.Parse(l); err == nil && u.Path == "/confirm" {
				token = u.Query().Get("token")
			}
		}
		if token == "" {
			t.Fatalf("no confirmation link in:\n%s", msgs[0].Text)
		}
		if _, err := e.members.Confirm(ctx, token, fanmail.OptInConfirmation{IP: "198.51.100.4", UserAgent: "Mozilla/5.0 (서준의 노트북)"}); err != nil {
			t.Fatal(err)
		}
		e.call(t, request{method: "GET", path: rec.Header().Get("Location"), token: tok}, http.StatusOK, &got)
		if got.Status != fanmail.MemberActive || got.ConfirmedAt == nil {
			t.Errorf("after confirmation: status %q confirmed_at %v", got.Status, got.ConfirmedAt)
		}
		// The consent history shows from where and with what it was confirmed.
		consents = consentsJSON{}
		e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/members/%d/consents", created.ID), token: tok}, http.StatusOK, &consents)
		if o := consents.OptIn; o == nil || o.IP != "198.51.100.4" || o.UserAgent != "Mozilla/5.0 (서준의 노트북)" || got.ConfirmedAt == nil || !o.ConfirmedAt.Equal(*got.ConfirmedAt) {
			t.Errorf("opt-in evidence = %+v, want 198.51.100.4 at %v", o, got.ConfirmedAt)
		}

		t.Run("DuplicateEmail", func(t *testing.T) {
			dup := strings.Replace(body, `"seojun90"`, `"seojun91"`, 1)
			dup = strings.Replace(dup, "Seojun.Park@", "seojun.park@", 1)
			rec := e.do(t, request{method: "POST", path: "/api/v1/members", token: tok, body: dup})
			wantError(t, rec, http.StatusConflict, fanmail.ECONFLICT, "email")
		})
		t.Run("MissingConsent", func(t *testing.T) {
			bad := strings.Replace(body, `{"purpose": "privacy", "granted": true}`, `{"purpose": "privacy", "granted": false}`, 1)
			bad = strings.Replace(bad, "Seojun.Park@", "other@", 1)
			bad = strings.Replace(bad, `"seojun90"`, `"other90"`, 1)
			rec := e.do(t, request{method: "POST", path: "/api/v1/members", token: tok, body: bad})
			wantError(t, rec, http.StatusUnprocessableEntity, fanmail.EINVALID, "consents")
		})
		t.Run("UnderFourteen", func(t *testing.T) {
			young := fmt.Sprintf(`{"email":"kid@example.com","name":"어린이","birth_year":%d,
				"consents":[{"purpose":"terms","granted":true},{"purpose":"privacy","granted":true}]}`, time.Now().Year()-10)
			rec := e.do(t, request{method: "POST", path: "/api/v1/members", token: tok, body: young})
			wantError(t, rec, http.StatusUnprocessableEntity, fanmail.EINVALID, "birth_year")
		})
		n, err := e.members.FindMembers(ctx, member.MemberFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(n.Members) != 1 {
			t.Errorf("%d members stored, want only 박서준", len(n.Members))
		}
		if len(e.smtp.Messages()) != 1 {
			t.Errorf("%d mails sent, want 1", len(e.smtp.Messages()))
		}
	})
}

func TestAPI_MemberPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tok := e.token(t, fanmail.RoleShopStaff)
		var want []int64
		for i := range 7 {
			m := e.mustMember(t, fmt.Sprintf("page%d@example.com", i), fmt.Sprintf("김하늘%d", i))
			want = append([]int64{m.ID}, want...) // newest first
		}
		var got []int64
		path := "/api/v1/members?limit=3"
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			var page memberPage
			e.call(t, request{method: "GET", path: path, token: tok}, http.StatusOK, &page)
			for _, m := range page.Data {
				got = append(got, m.ID)
			}
			if page.NextBefore == nil {
				if len(page.Data) != 1 {
					t.Errorf("last page has %d members, want 1", len(page.Data))
				}
				break
			}
			if len(page.Data) != 3 {
				t.Errorf("page has %d members, want 3", len(page.Data))
			}
			path = fmt.Sprintf("/api/v1/members?limit=3&before=%d", *page.NextBefore)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("members across pages (-want +got):\n%s", diff)
		}

		t.Run("Search", func(t *testing.T) {
			var page memberPage
			e.call(t, request{method: "GET", path: "/api/v1/members?q=" + url.QueryEscape("page3@"), token: tok}, http.StatusOK, &page)
			if len(page.Data) != 1 || page.Data[0].Name != "김하늘3" || page.NextBefore != nil {
				t.Errorf("search page3@ = %+v", page)
			}
		})
		t.Run("BadParameters", func(t *testing.T) {
			wantError(t, e.do(t, request{method: "GET", path: "/api/v1/members?limit=500", token: tok}), http.StatusBadRequest, fanmail.EINVALID, "limit")
			wantError(t, e.do(t, request{method: "GET", path: "/api/v1/members?before=abc", token: tok}), http.StatusBadRequest, fanmail.EINVALID, "before")
			wantError(t, e.do(t, request{method: "GET", path: "/api/v1/members?gender=robot", token: tok}), http.StatusUnprocessableEntity, fanmail.EINVALID, "gender")
		})
	})
}

func TestAPI_UpdateAndDeactivateMember(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tok := e.token(t, fanmail.RoleCounsellor)
		m := e.mustMember(t, "yuna@example.com", "최유나")
		other := e.mustMember(t, "taken@example.com", "정다은")
		if err := e.members.SetPassword(ctx, m.ID, "correct horse battery staple"); err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/api/v1/members/%d", m.ID)

		var got memberRecordJSON
		rec := e.call(t, request{method: "PATCH", path: path, token: tok, body: `{"name":"최유나 (VIP)","phone":"010-2222-3333"}`}, http.StatusOK, &got)
		if got.Name != "최유나 (VIP)" || got.Phone == "" || got.Email != "yuna@example.com" {
			t.Errorf("patched member = %+v", got.memberJSON)
		}
		if body := strings.ToLower(rec.Body.String()); strings.Contains(body, "password") || strings.Contains(body, "argon2") {
			t.Errorf("member JSON leaks the password: %s", rec.Body)
		}

		wantError(t, e.do(t, request{method: "PATCH", path: path, token: tok, body: `{"email":"taken@example.com"}`}), http.StatusConflict, fanmail.ECONFLICT, "email")
		wantError(t, e.do(t, request{method: "PATCH", path: path, token: tok, body: `{"birth_year":"1990"}`}), http.StatusBadRequest, fanmail.EINVALID, "birth_year")
		wantError(t, e.do(t, request{method: "PATCH", path: "/api/v1/members/999999", token: tok, body: `{"name":"없음"}`}), http.StatusNotFound, fanmail.ENOTFOUND, "")
		wantError(t, e.do(t, request{method: "GET", path: "/api/v1/members/abc", token: tok}), http.StatusNotFound, fanmail.ENOTFOUND, "")

		rec = e.call(t, request{method: "DELETE", path: path, token: tok}, http.StatusNoContent, nil)
		if rec.Body.Len() != 0 {
			t.Errorf("204 with body %q", rec.Body)
		}
		e.call(t, request{method: "GET", path: path, token: tok}, http.StatusOK, &got)
		if got.Status != fanmail.MemberInactive || got.Name != "최유나 (VIP)" {
			t.Errorf("after DELETE: %+v", got.memberJSON)
		}
		after, err := e.members.MemberByID(ctx, other.ID)
		if err != nil || after.Status != other.Status {
			t.Errorf("other member changed: %+v, %v", after, err)
		}
	})
}

func TestAPI_Consents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tok := e.token(t, fanmail.RoleAdmin)
		m := e.mustMember(t, "hana@example.com", "한하나")
		path := fmt.Sprintf("/api/v1/members/%d/consents", m.ID)

		var got consentsJSON
		e.call(t, request{method: "POST", path: path, token: tok, body: `{"purpose":"marketing_sms","granted":true}`,
			header: map[string]string{}}, http.StatusOK, &got)
		if !got.Current["marketing_sms"] {
			t.Errorf("current = %v, want marketing_sms granted", got.Current)
		}
		last := got.History[len(got.History)-1]
		if last.Purpose != "marketing_sms" || !last.Granted || last.Source != fanmail.SourceAPI || last.Channel != "sms" {
			t.Errorf("last consent record = %+v", last)
		}

		wantError(t, e.do(t, request{method: "POST", path: path, token: tok, body: `{"purpose":"terms","granted":false}`}), http.StatusUnprocessableEntity, fanmail.EINVALID, "purpose")
		wantError(t, e.do(t, request{method: "POST", path: path, token: tok, body: `{"purpose":"pigeon_post","granted":true}`}), http.StatusUnprocessableEntity, fanmail.EINVALID, "purpose")
		wantError(t, e.do(t, request{method: "GET", path: "/api/v1/members/999999/consents", token: tok}), http.StatusNotFound, fanmail.ENOTFOUND, "")
		wantError(t, e.do(t, request{method: "POST", path: "/api/v1/members/999999/consents", token: tok, body: `{"purpose":"marketing_sms","granted":true}`}), http.StatusNotFound, fanmail.ENOTFOUND, "")

		var again consentsJSON
		e.call(t, request{method: "GET", path: path, token: tok}, http.StatusOK, &again)
		if diff := cmp.Diff(got, again); diff != "" {
			t.Errorf("refused calls changed the consents (-before +after):\n%s", diff)
		}
	})
}

func TestAPI_Preferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tok := e.token(t, fanmail.RoleMarketer)
		g := e.mustGroup(t, "casual", "캐주얼")
		mienc := e.mustBrand(t, g.ID, "mienc", "미앤씨")
		ozoc := e.mustBrand(t, g.ID, "ozoc", "오조크")
		sj := e.mustBrand(t, g.ID, "sj", "에스제이")
		m := e.mustMember(t, "brand@example.com", "윤브랜드")
		path := fmt.Sprintf("/api/v1/members/%d/brands", m.ID)

		var got preferencesJSON
		e.call(t, request{method: "GET", path: path, token: tok}, http.StatusOK, &got)
		if got.BrandIDs == nil || len(got.BrandIDs) != 0 {
			t.Errorf("new member's brands = %#v, want []", got.BrandIDs)
		}
		e.call(t, request{method: "PUT", path: path, token: tok, body: fmt.Sprintf(`{"brand_ids":[%d,%d]}`, mienc.ID, ozoc.ID)}, http.StatusOK, &got)
		if diff := cmp.Diff([]int64{mienc.ID, ozoc.ID}, got.BrandIDs); diff != "" {
			t.Errorf("after PUT (-want +got):\n%s", diff)
		}
		e.call(t, request{method: "PUT", path: path, token: tok, body: fmt.Sprintf(`{"brand_ids":[%d]}`, sj.ID)}, http.StatusOK, &got)
		stored, err := e.members.Brands(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int64{sj.ID}, stored); diff != "" {
			t.Errorf("stored preferences after second PUT (-want +got):\n%s", diff)
		}
		counts, err := e.members.BrandCounts(ctx, mienc.ID)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, c := range counts {
			total += c.Count
		}
		if total != 0 {
			t.Errorf("미앤씨 still counted %d times after removal", total)
		}

		wantError(t, e.do(t, request{method: "PUT", path: path, token: tok, body: `{"brand_ids":[999999]}`}), http.StatusUnprocessableEntity, fanmail.EINVALID, "brand_ids")
		wantError(t, e.do(t, request{method: "PUT", path: path, token: tok, body: `{}`}), http.StatusBadRequest, fanmail.EINVALID, "brand_ids")
		wantError(t, e.do(t, request{method: "PUT", path: "/api/v1/members/999999/brands", token: tok, body: `{"brand_ids":[]}`}), http.StatusNotFound, fanmail.ENOTFOUND, "")
		e.call(t, request{method: "GET", path: path, token: tok}, http.StatusOK, &got)
		if diff := cmp.Diff([]int64{sj.ID}, got.BrandIDs); diff != "" {
			t.Errorf("refused PUTs changed preferences (-want +got):\n%s", diff)
		}
		e.call(t, request{method: "PUT", path: path, token: tok, body: `{"brand_ids":[]}`}, http.StatusOK, &got)
		if len(got.BrandIDs) != 0 {
			t.Errorf("after PUT []: %v", got.BrandIDs)
		}
	})
}

// A withdrawal made with the unsubscribe link of a mail shows in the
// consent history with the source "unsubscribe", which the document lists
// (testEnv.do checks every response against it).
func TestAPI_ConsentsAfterUnsubscribe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		tok := e.token(t, fanmail.RoleAdmin)
		m := e.mustMember(t, "hana@example.com", "한하나")
		path := fmt.Sprintf("/api/v1/members/%d/consents", m.ID)
		e.call(t, request{method: "POST", path: path, token: tok, body: `{"purpose":"marketing_email","granted":true}`}, http.StatusOK, nil)

		var msg fanmail.Message
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			msg, _, err = tx.EnqueueMessage(ctx, fanmail.Message{Kind: fanmail.MessageFanNotice, Purpose: fanmail.PurposeMarketing,
				MemberID: m.ID, Ref: "test:unsubscribe"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		token, err := db.MessageToken(ctx, msg.ID)
		if err != nil {
			t.Fatal(err)
		}
		urls := tracking.NewURLs("http://fanmail.test", []byte("api test"))
		link := urls.Unsubscribe(token) // …/u/{token}/{sig}
		svc := tracking.New(db, testLogger(t), tracking.Options{URLs: urls})
		t.Cleanup(func() { svc.Close(context.Background()) })
		if _, err := svc.Unsubscribe(ctx, token, link[strings.LastIndex(link, "/")+1:], "192.0.2.9"); err != nil {
			t.Fatalf("unsubscribe (%s): %v", link, err)
		}

		var got consentsJSON
		e.call(t, request{method: "GET", path: path, token: tok}, http.StatusOK, &got)
		last := got.History[len(got.History)-1]
		if last.Source != fanmail.SourceUnsubscribe || last.Granted || got.Current["marketing_email"] {
			t.Errorf("after unsubscribing: last record %+v, current %v", last, got.Current)
		}
	})
}
