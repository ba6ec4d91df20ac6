package web

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
)

// inputRecorder runs CheckInput around a handler that reads the whole body
// and records what reached it.
type inputRecorder struct {
	reached bool
	form    string // r.PostForm.Get("name") as the handler saw it
	readErr error
}

func (rec *inputRecorder) handler(lim Limits) http.Handler {
	page := func(w http.ResponseWriter, r *http.Request, status int, err error) {
		w.WriteHeader(status)
		fmt.Fprintf(w, "field=%s message=%s", fanmail.ErrorField(err), fanmail.ErrorMessage(err))
	}
	return CheckInput(page, lim, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.reached = true
		rec.form = r.PostForm.Get("name")
		_, rec.readErr = io.Copy(io.Discard, r.Body)
		if rec.readErr != nil {
			err := ErrBodyTooLarge(rec.readErr)
			w.WriteHeader(StatusOf(err))
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
}

func TestCheckInput(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	lim := Limits{Body: 1 << 10, Multipart: 1 << 20}
	tests := []struct {
		name, method, target, ctype, body string
		status                            int
		field                             string // the field the refusal names
	}{
		{"OK", "POST", "/members?q=김민지", form, "name=%EA%B9%80%EB%AF%BC%EC%A7%80", http.StatusOK, ""},
		{"ErrNULInQuery", "GET", "/members?q=a%00b", "", "", http.StatusUnprocessableEntity, "q"},
		{"ErrInvalidUTF8InQuery", "GET", "/api/v1/members?q=%FF", "", "", http.StatusUnprocessableEntity, "q"},
		{"ErrNULInForm", "POST", "/join", form, "email=a%40example.com&name=%EA%B9%80%00", http.StatusUnprocessableEntity, "name"},
		// U+D800 encoded as UTF-8 (CESU-8) is invalid UTF-8.
		{"ErrLoneSurrogateInForm", "POST", "/join", form, "name=%ED%A0%80", http.StatusUnprocessableEntity, "name"},
		{"ErrBadFieldName", "POST", "/join", form, "%00=1", http.StatusUnprocessableEntity, ""},
		{"ErrCraftedFieldNameNotEchoed", "GET", "/?Your+account+is+locked=%00", "", "", http.StatusUnprocessableEntity, ""},
		{"ErrNULInPath", "GET", "/brands/a%00b", "", "", http.StatusNotFound, ""},
		{"ErrFormTooLarge", "POST", "/admin/members/1", form, "name=" + strings.Repeat("a", 2<<10), http.StatusRequestEntityTooLarge, ""},
		{"ErrJSONTooLarge", "PATCH", "/api/v1/members/1", "application/json", `{"name":"` + strings.Repeat("a", 2<<10) + `"}`, http.StatusRequestEntityTooLarge, ""},
		{"UploadUnderItsLimit", "POST", "/admin/imports", "multipart/form-data; boundary=x", strings.Repeat("a", 4<<10), http.StatusOK, ""},
		{"ErrUploadTooLarge", "POST", "/admin/imports", "multipart/form-data; boundary=x", strings.Repeat("a", 2<<20), http.StatusRequestEntityTooLarge, ""},
		{"ErrMalformedForm", "POST", "/join", form, "name=%zz", http.StatusUnprocessableEntity, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec inputRecorder
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			w := httptest.NewRecorder()
			rec.handler(lim).ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.status == http.StatusUnprocessableEntity {
				if rec.reached {
					t.Error("the handler ran")
				}
				if !strings.Contains(w.Body.String(), "field="+tt.field+" ") {
					t.Errorf("refusal %q does not name field %q", w.Body, tt.field)
				}
				if strings.Contains(w.Body.String(), "locked") {
					t.Errorf("refusal %q repeats a crafted field name", w.Body)
				}
			}
		})
	}
	t.Run("FormParsedForHandlers", func(t *testing.T) {
		var rec inputRecorder
		req := httptest.NewRequest("POST", "/join", strings.NewReader("name=%EA%B9%80%EB%AF%BC%EC%A7%80"))
		req.Header.Set("Content-Type", form)
		rec.handler(lim).ServeHTTP(httptest.NewRecorder(), req)
		if rec.form != "김민지" {
			t.Errorf("handler saw name %q, want 김민지", rec.form)
		}
	})
}

func TestCheckJSON(t *testing.T) {
	tests := []struct {
		name, body string
		refuseNull bool
		field      string // "-" = no error
	}{
		{"OK", `{"name":"김민지","answers":[{"text":"스타일쉐어 \"좋아요\" \\u0000"}],"n":1}`, true, "-"},
		{"SurrogatePair", `{"name":"\ud83d\ude00"}`, true, "-"},
		{"EscapedReplacementChar", `{"name":"\ufffd"}`, true, "-"},
		{"ErrNUL", `{"name":"a\u0000b"}`, true, "name"},
		{"ErrLoneHighSurrogate", `{"name":"\ud800"}`, true, "name"},
		{"ErrLoneHighSurrogateBeforeEscape", `{"name":"\ud800\n"}`, true, "name"},
		{"ErrLoneLowSurrogate", `{"name":"x\uDC00"}`, true, "name"},
		{"ErrInvalidUTF8", "{\"name\":\"\xff\"}", true, "name"},
		{"ErrNested", `{"answers":[{"text":"ok"},{"text":"\u0000"}]}`, true, "answers[1].text"},
		{"ErrInKey", `{"na\u0000me":"x"}`, true, ""},
		{"ErrNullField", `{"name":null}`, true, "name"},
		{"NullAllowed", `{"name":null}`, false, "-"},
		{"ErrNullBody", `null`, true, ""},
		{"MalformedLeftToDecoder", `{"name":`, true, "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckJSON([]byte(tt.body), tt.refuseNull)
			if tt.field == "-" {
				if err != nil {
					t.Fatalf("CheckJSON: %v", err)
				}
				return
			}
			if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorField(err) != tt.field {
				t.Errorf("CheckJSON = %v, want EINVALID naming %q", err, tt.field)
			}
		})
	}
}
