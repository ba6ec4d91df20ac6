package api

import (
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestAPI_BadBody(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t))
	tok := e.token(t, fanmail.RoleAdmin)
	valid := `{"email":"ok@example.com","name":"정상","birth_year":1990,"consents":[{"purpose":"terms","granted":true},{"purpose":"privacy","granted":true}]}`
	tests := []struct {
		name        string
		body        string
		contentType string
		status      int
		code, field string
	}{
		{"Malformed", `{"email": "a@example.com",`, "", http.StatusBadRequest, fanmail.EINVALID, ""},
		{"NotJSON", `email=a@example.com`, "", http.StatusBadRequest, fanmail.EINVALID, ""},
		{"Empty", ``, "", http.StatusBadRequest, fanmail.EINVALID, ""},
		{"Array", `[1,2]`, "", http.StatusBadRequest, fanmail.EINVALID, ""},
		{"TwoObjects", valid + valid, "", http.StatusBadRequest, fanmail.EINVALID, ""},
		{"UnknownField", `{"email":"a@example.com","nickname":"서준"}`, "", http.StatusBadRequest, fanmail.EINVALID, "nickname"},
		{"UnknownNestedField", `{"consents":[{"purpose":"terms","granted":true,"when":"now"}]}`, "", http.StatusBadRequest, fanmail.EINVALID, "when"},
		{"WrongType", `{"birth_year":"1990"}`, "", http.StatusBadRequest, fanmail.EINVALID, "birth_year"},
		{"WrongNestedType", `{"brand_ids":["a"]}`, "", http.StatusBadRequest, fanmail.EINVALID, "brand_ids"},
		{"FormContentType", valid, "application/x-www-form-urlencoded", http.StatusBadRequest, fanmail.EINVALID, ""},
		{"TooLarge", `{"name":"` + strings.Repeat("가", MaxBodyBytes/3+10) + `"}`, "", http.StatusRequestEntityTooLarge, fanmail.ETOOLARGE, ""},
		{"InvalidEmail", strings.Replace(valid, "ok@example.com", "not-an-address", 1), "", http.StatusUnprocessableEntity, fanmail.EINVALID, "email"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rq := request{method: "POST", path: "/api/v1/members", token: tok, body: tc.body}
			if tc.contentType != "" {
				rq.header = map[string]string{"Content-Type": tc.contentType}
			}
			wantError(t, e.do(t, rq), tc.status, tc.code, tc.field)
		})
	}
	t.Run("NothingStored", func(t *testing.T) {
		var page memberPage
		e.call(t, request{method: "GET", path: "/api/v1/members", token: tok}, http.StatusOK, &page)
		if len(page.Data) != 0 {
			t.Errorf("bad requests stored %d members", len(page.Data))
		}
	})
	t.Run("ValidBodyWithoutContentType", func(t *testing.T) {
		rq := request{method: "POST", path: "/api/v1/members", token: tok, body: valid, header: map[string]string{"Content-Type": ""}}
		e.call(t, rq, http.StatusCreated, nil)
	})
}

func TestAPI_UnknownRoutes(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t))
	tok := e.token(t, fanmail.RoleAdmin)
	wantError(t, e.do(t, request{method: "GET", path: "/api/v1/nothing", token: tok}), http.StatusNotFound, fanmail.ENOTFOUND, "")
	wantError(t, e.do(t, request{method: "GET", path: "/api/v2/members", token: tok}), http.StatusNotFound, fanmail.ENOTFOUND, "")
	rec := e.do(t, request{method: "PUT", path: "/api/v1/members", token: tok, body: `{}`})
	wantError(t, rec, http.StatusMethodNotAllowed, fanmail.EINVALID, "")
	if allow := rec.Header().Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow %q, want GET and POST", allow)
	}
}

// TestAPI_Korean checks that errors speak the language of Accept-Language.
func TestAPI_Korean(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t))
	admin := e.token(t, fanmail.RoleAdmin)
	shop := e.token(t, fanmail.RoleShopStaff)
	valid := `{"email":"dup@example.com","name":"중복","birth_year":1990,"consents":[{"purpose":"terms","granted":true},{"purpose":"privacy","granted":true}]}`
	e.call(t, request{method: "POST", path: "/api/v1/members", token: admin, body: valid}, http.StatusCreated, nil)
	ko := map[string]string{"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"}
	tests := []struct {
		name   string
		rq     request
		status int
		want   string // a Korean phrase the message must contain
	}{
		{"NoToken", request{method: "GET", path: "/api/v1/members"}, http.StatusUnauthorized, "API 토큰"},
		{"WrongToken", request{method: "GET", path: "/api/v1/members", token: "fm_wrong"}, http.StatusUnauthorized, "API 토큰"},
		{"Forbidden", request{method: "POST", path: "/api/v1/brand-groups", token: shop, body: `{"slug":"x","name_ko":"엑스"}`}, http.StatusForbidden, "역할"},
		{"InvalidJSON", request{method: "POST", path: "/api/v1/members", token: admin, body: `{"name":`}, http.StatusBadRequest, "JSON"},
		{"UnknownField", request{method: "POST", path: "/api/v1/members", token: admin, body: `{"nickname":"x"}`}, http.StatusBadRequest, "필드"},
		{"Duplicate", request{method: "POST", path: "/api/v1/members", token: admin, body: valid}, http.StatusConflict, "이메일"},
		{"NotFound", request{method: "GET", path: "/api/v1/members/424242", token: admin}, http.StatusNotFound, "회원"},
		{"NoEndpoint", request{method: "GET", path: "/api/v1/nothing", token: admin}, http.StatusNotFound, "엔드포인트"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.rq.header = ko
			rec := e.do(t, tc.rq)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			msg := wantErrorMessage(t, rec)
			if !strings.Contains(msg, tc.want) || !hasHangul(msg) {
				t.Errorf("message %q is not the Korean one (want it to contain %q)", msg, tc.want)
			}
			tc.rq.header = map[string]string{"Accept-Language": "en"}
			if en := wantErrorMessage(t, e.do(t, tc.rq)); hasHangul(en) {
				t.Errorf("English message %q has Hangul", en)
			}
		})
	}
}

func wantErrorMessage(t *testing.T, rec interface{ Result() *http.Response }) string {
	t.Helper()
	var body errorBody
	if err := decodeJSON(rec.Result().Body, &body); err != nil {
		t.Fatal(err)
	}
	return body.Error.Message
}

func hasHangul(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Hangul, r) {
			return true
		}
	}
	return false
}
