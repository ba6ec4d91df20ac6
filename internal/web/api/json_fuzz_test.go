package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fanmail/fanmail"
)

// FuzzReadJSON sends arbitrary bytes as an API request body. readJSON must
// answer a client error (400, 413 or 422), never a server error, and what
// it accepts holds no null, NUL, invalid UTF-8 or lone surrogate.
func FuzzReadJSON(f *testing.F) {
	for _, seed := range []string{
		`{"name":"김민지","email":"minji@example.com","birth_year":1998,"consents":[{"purpose":"terms","granted":true}]}`,
		`{"name":null}`, `{"name":"\u0000"}`, `{"name":"\ud800"}`, "{\"name\":\"\xff\"}",
		`{"answers":[{"question_id":1,"option_ids":[2,3],"text":"유튜브"}]}`,
		`{"code":"minji92"} {}`, `[]`, `null`, `{"unknown":1}`, `{"birth_year":"1998"}`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&registration{}, &memberPatch{}} {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/members", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			err := readJSON(httptest.NewRecorder(), req, v)
			if err != nil {
				switch fanmail.ErrorCode(err) {
				case fanmail.EINVALID, fanmail.ETOOLARGE:
				default:
					t.Fatalf("readJSON(%q): %v, want EINVALID or ETOOLARGE", body, err)
				}
				continue
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			// encoding/json would have turned invalid UTF-8 and lone
			// surrogates into U+FFFD: one in the value must have been sent.
			sentFFFD := strings.Contains(string(body), "\ufffd") || bytes.Contains(bytes.ToLower(body), []byte(`\ufffd`))
			if !utf8.Valid(body) || bytes.Contains(out, []byte(`\u0000`)) || (strings.Contains(string(out), "\ufffd") && !sentFFFD) {
				t.Fatalf("readJSON accepted %q as %s", body, out)
			}
			if jsonHasNull(body) {
				t.Fatalf("readJSON accepted a null in %q", body)
			}
		}
	})
}

// jsonHasNull reports whether the JSON document body holds a null value.
func jsonHasNull(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if tok == nil {
			return true
		}
	}
}
