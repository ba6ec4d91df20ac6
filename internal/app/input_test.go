package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fanmail/fanmail/internal/store/storetest"
)

// callAPI sends body (JSON, or nothing when "") to the API with token.
func callAPI(t *testing.T, method, u, token, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return do(t, client(t), req)
}

// apiError is the body of an API error answer.
type apiError struct {
	Error struct{ Code, Field string } `json:"error"`
}

// TestHTTP_MalformedInput sends malformed input to every kind of input
// path: API bodies and queries, admin and portal forms. Each is refused with
// a 4xx naming the field, not stored (SQLite would keep a NUL) or answered
// 500 (PostgreSQL refuses NUL in text).
func TestHTTP_MalformedInput(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		ta := startApp(t, engine)
		token := ta.apiToken(t)
		staff := ta.signIn(t)
		m := storetest.MustCreateMember(t, ta.DB(), "sora.kang@example.com")
		groups, err := ta.Catalog.Groups(t.Context(), false)
		if err != nil || len(groups) == 0 {
			t.Fatalf("demo brand groups: %v, %d", err, len(groups))
		}
		brands, err := ta.Catalog.Brands(t.Context(), groups[0].ID, false)
		if err != nil || len(brands) == 0 {
			t.Fatalf("demo brands: %v, %d", err, len(brands))
		}

		t.Run("APIPatch", func(t *testing.T) {
			for _, res := range []struct{ path, field string }{
				{fmt.Sprintf("/api/v1/members/%d", m.ID), "name"},
				{fmt.Sprintf("/api/v1/brands/%d", brands[0].ID), "name"},
				{fmt.Sprintf("/api/v1/brand-groups/%d", groups[0].ID), "name_ko"},
			} {
				before := callAPI(t, "GET", ta.URL+res.path, token, "")
				for name, body := range map[string]string{
					"null body":      `null`,
					"null field":     `{"` + res.field + `":null}`,
					"invalid UTF-8":  "{\"" + res.field + "\":\"\xff\xfe\"}",
					"lone surrogate": `{"` + res.field + `":"\ud800"}`,
					"NUL":            `{"` + res.field + `":"a\u0000b"}`,
				} {
					r := callAPI(t, "PATCH", ta.URL+res.path, token, body)
					var e apiError
					json.Unmarshal([]byte(r.Body), &e)
					wantField := res.field
					if name == "null body" {
						wantField = ""
					}
					if (r.Status != http.StatusBadRequest && r.Status != http.StatusUnprocessableEntity) || e.Error.Code != "invalid" || e.Error.Field != wantField {
						t.Errorf("PATCH %s with %s: %d %s, want 400 or 422 naming %q", res.path, name, r.Status, r.Body, wantField)
					}
				}
				if after := callAPI(t, "GET", ta.URL+res.path, token, ""); after.Body != before.Body {
					t.Errorf("%s changed:\nbefore %s\nafter  %s", res.path, before.Body, after.Body)
				}
			}
		})

		t.Run("APISearch", func(t *testing.T) {
			r := callAPI(t, "GET", ta.URL+"/api/v1/members?q=%00", token, "")
			var e apiError
			json.Unmarshal([]byte(r.Body), &e)
			if r.Status != http.StatusUnprocessableEntity || e.Error.Field != "q" {
				t.Errorf("API search for NUL: %d %s, want 422 naming q", r.Status, r.Body)
			}
		})

		t.Run("AdminSearch", func(t *testing.T) {
			r := get(t, staff, ta.URL+"/admin/members?q=%00&lang=en")
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The field q holds text") {
				t.Errorf("admin search for NUL: %d, want 422 naming q\n%s", r.Status, r.Body)
			}
		})

		t.Run("JoinForm", func(t *testing.T) {
			for name, value := range map[string]string{"NUL": "나\x00래", "lone surrogate": "나\xed\xa0\x80래"} {
				form := joinForm(t, ta, "narae_y", "narae.yoon@example.com", value, "010-5555-0177")
				r := postForm(t, client(t), ta.URL+"/join?lang=en", form)
				if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The field name holds text") {
					t.Errorf("join with a %s in the name: %d, want 422 naming the field\n%s", name, r.Status, r.Body)
				}
			}
			if _, err := ta.DB().MemberByEmail(t.Context(), "narae.yoon@example.com"); err == nil {
				t.Error("the refused join stored a member")
			}
		})

		t.Run("SenderForm", func(t *testing.T) {
			form := url.Values{
				"name": {"오즈세컨 소식\x00"}, "from_name": {"오즈세컨"}, "from_email": {"news@ozsecond.example"},
				"kind": {"brand"}, "address": {"서울특별시 강남구 테헤란로 1"}, "phone": {"02-555-0100"},
			}
			r := postForm(t, staff, ta.URL+"/admin/senders?lang=en", form)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The field name holds text") {
				t.Errorf("sender with a NUL in its name: %d, want 422 naming the field\n%s", r.Status, r.Body)
			}
		})

		t.Run("HugeAdminForm", func(t *testing.T) {
			form := url.Values{"name": {strings.Repeat("가", 20<<20/3)}}
			r := postForm(t, staff, ta.URL+fmt.Sprintf("/admin/members/%d", m.ID), form)
			if r.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("a 20 MB admin form: %d, want 413", r.Status)
			}
		})
	})
}
