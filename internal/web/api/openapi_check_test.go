package api

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// responseChecker validates API responses against the OpenAPI document, so
// the document and the code cannot drift: every response the tests get
// (testEnv.do) must be documented for its operation and status, and its
// body must match the schema. It understands the part of JSON Schema
// (2020-12, as OpenAPI 3.1 uses it) that openapi.json uses; a keyword it
// does not know fails the check rather than passing silently.
type responseChecker struct {
	doc map[string]any
	ops []documentedOp
}

// documentedOp is one operation of the document with its path as a pattern.
type documentedOp struct {
	method string
	path   *regexp.Regexp
	op     map[string]any
}

var (
	checkerOnce sync.Once
	checker     *responseChecker
	checkerErr  error
)

// openAPIChecker returns the checker of the embedded document.
func openAPIChecker() (*responseChecker, error) {
	checkerOnce.Do(func() {
		c := &responseChecker{}
		if checkerErr = json.Unmarshal(openAPIDocument, &c.doc); checkerErr != nil {
			return
		}
		paths, _ := c.doc["paths"].(map[string]any)
		for p, item := range paths {
			pattern := "^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`) + "$"
			for method, op := range item.(map[string]any) {
				if m, ok := op.(map[string]any); ok && slices.Contains(httpMethods, method) {
					c.ops = append(c.ops, documentedOp{strings.ToUpper(method), regexp.MustCompile(pattern), m})
				}
			}
		}
		checker = c
	})
	return checker, checkerErr
}

// check returns what is wrong with a response of status and body to method
// and path (without the query), or nil. Requests the document does not
// describe (an unknown path) are not checked: TestOpenAPI_DescribesEveryRoute
// keeps the routes and the document in step.
func (c *responseChecker) check(method, path string, status int, contentType string, body []byte) []string {
	var op map[string]any
	for _, o := range c.ops {
		if o.method == method && o.path.MatchString(path) {
			op = o.op
		}
	}
	if op == nil {
		return nil
	}
	responses, _ := op["responses"].(map[string]any)
	resp, ok := responses[strconv.Itoa(status)]
	if !ok {
		if resp, ok = responses["default"]; !ok {
			return []string{fmt.Sprintf("status %d is not documented", status)}
		}
	}
	r, _ := c.resolve(resp).(map[string]any)
	content, _ := r["content"].(map[string]any)
	if base, _, _ := strings.Cut(contentType, ";"); base != "application/json" && content[base] != nil {
		return nil // another documented format, e.g. text/csv
	}
	media, ok := content["application/json"].(map[string]any)
	if !ok {
		if len(body) > 0 {
			return []string{fmt.Sprintf("status %d has no documented body, got %d bytes", status, len(body))}
		}
		return nil
	}
	if !strings.HasPrefix(contentType, "application/json") {
		return []string{fmt.Sprintf("Content-Type %q, want application/json", contentType)}
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{fmt.Sprintf("body is not JSON: %v", err)}
	}
	var errs []string
	c.validate(media["schema"], v, "$", &errs)
	return errs
}

// resolve follows $ref (local JSON pointers) until it reaches a value.
func (c *responseChecker) resolve(v any) any {
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		v = resolvePointer(c.doc, ref)
	}
	return v
}

// schemaKeywords are the keywords validate knows; annotations among them
// (description, examples…) are only read by people.
var schemaKeywords = map[string]bool{
	"$ref": true, "type": true, "properties": true, "required": true, "additionalProperties": true,
	"propertyNames": true, "items": true, "enum": true, "allOf": true, "oneOf": true, "format": true, "pattern": true,
	"maxLength": true, "minLength": true, "minimum": true, "maximum": true, "minItems": true, "maxItems": true,
	"description": true, "examples": true, "default": true, "title": true, "deprecated": true,
}

// validate appends to errs what is wrong with v under schema, naming where
// (at, a JSON path).
func (c *responseChecker) validate(schema, v any, at string, errs *[]string) {
	fail := func(format string, args ...any) { *errs = append(*errs, at+": "+fmt.Sprintf(format, args...)) }
	s, ok := schema.(map[string]any)
	if !ok {
		if b, isBool := schema.(bool); isBool && !b {
			fail("not allowed")
		}
		return
	}
	if ref, ok := s["$ref"].(string); ok {
		c.validate(resolvePointer(c.doc, ref), v, at, errs)
	}
	for k := range s {
		if !schemaKeywords[k] {
			fail("schema keyword %q is not understood by this checker", k)
		}
	}
	for _, part := range asSlice(s["allOf"]) {
		c.validate(part, v, at, errs)
	}
	if parts := asSlice(s["oneOf"]); len(parts) > 0 {
		matched := 0
		for _, part := range parts {
			var partErrs []string
			c.validate(part, v, at, &partErrs)
			if len(partErrs) == 0 {
				matched++
			}
		}
		if matched != 1 {
			fail("%s matches %d of the oneOf schemas, want exactly 1", describe(v), matched)
		}
	}
	if t, ok := s["type"]; ok && !hasType(t, v) {
		fail("%s, want type %v", describe(v), t)
		return
	}
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) && hasSameKind(e, v) }) {
		fail("%s is not one of %v", describe(v), enum)
	}
	switch v := v.(type) {
	case string:
		c.validateString(s, v, fail)
	case float64:
		if min, ok := s["minimum"].(float64); ok && v < min {
			fail("%v is below the minimum %v", v, min)
		}
		if max, ok := s["maximum"].(float64); ok && v > max {
			fail("%v is above the maximum %v", v, max)
		}
		if s["format"] == "int64" && v != float64(int64(v)) {
			fail("%v is not an integer", v)
		}
	case []any:
		if min, ok := s["minItems"].(float64); ok && float64(len(v)) < min {
			fail("%d items, want at least %v", len(v), min)
		}
		if max, ok := s["maxItems"].(float64); ok && float64(len(v)) > max {
			fail("%d items, want at most %v", len(v), max)
		}
		if items, ok := s["items"]; ok {
			for i, x := range v {
				c.validate(items, x, fmt.Sprintf("%s[%d]", at, i), errs)
			}
		}
	case map[string]any:
		c.validateObject(s, v, at, errs)
	}
}

func (c *responseChecker) validateString(s map[string]any, v string, fail func(string, ...any)) {
	n := utf8.RuneCountInString(v)
	if max, ok := s["maxLength"].(float64); ok && float64(n) > max {
		fail("%d characters, want at most %v", n, max)
	}
	if min, ok := s["minLength"].(float64); ok && float64(n) < min {
		fail("%d characters, want at least %v", n, min)
	}
	if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(v) {
		fail("%q does not match %s", v, p)
	}
	switch s["format"] {
	case "date-time":
		if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
			fail("%q is not an RFC 3339 date-time", v)
		}
	case "email":
		if _, err := mail.ParseAddress(v); err != nil {
			fail("%q is not an e-mail address", v)
		}
	}
}

func (c *responseChecker) validateObject(s map[string]any, v map[string]any, at string, errs *[]string) {
	for _, r := range asSlice(s["required"]) {
		if _, ok := v[r.(string)]; !ok {
			*errs = append(*errs, fmt.Sprintf("%s: required property %q is missing", at, r))
		}
	}
	props, _ := s["properties"].(map[string]any)
	for k, x := range v {
		if names, ok := s["propertyNames"]; ok {
			c.validate(names, k, at+" (property name)", errs)
		}
		if p, ok := props[k]; ok {
			c.validate(p, x, at+"."+k, errs)
		} else if extra, ok := s["additionalProperties"]; ok {
			c.validate(extra, x, at+"."+k, errs)
		}
	}
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// hasType reports whether v is of the JSON Schema type t (a name or a list
// of names).
func hasType(t, v any) bool {
	names := []any{t}
	if list, ok := t.([]any); ok {
		names = list
	}
	for _, n := range names {
		switch n {
		case "null":
			if v == nil {
				return true
			}
		case "boolean":
			if _, ok := v.(bool); ok {
				return true
			}
		case "string":
			if _, ok := v.(string); ok {
				return true
			}
		case "number":
			if _, ok := v.(float64); ok {
				return true
			}
		case "integer":
			if f, ok := v.(float64); ok && f == float64(int64(f)) {
				return true
			}
		case "array":
			if _, ok := v.([]any); ok {
				return true
			}
		case "object":
			if _, ok := v.(map[string]any); ok {
				return true
			}
		}
	}
	return false
}

func hasSameKind(a, b any) bool { return fmt.Sprintf("%T", a) == fmt.Sprintf("%T", b) }

func describe(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		b = append(b[:77], "..."...)
	}
	return string(b)
}

// The checker itself finds drift: a missing property, a wrong type, a value
// outside an enum, an undocumented status; a path the document does not
// know is left to TestOpenAPI_DescribesEveryRoute.
func TestResponseChecker(t *testing.T) {
	c, err := openAPIChecker()
	if err != nil {
		t.Fatal(err)
	}
	const consents = "/api/v1/members/7/consents"
	tests := []struct {
		name, method, path string
		status             int
		body               string
		want               string // a part of the first complaint; "" = none
	}{
		{"OK", "GET", consents, 200, `{"current":{"terms":true},"history":[]}`, ""},
		{"ErrMissing", "GET", consents, 200, `{"current":{}}`, `required property "history"`},
		{"ErrType", "GET", consents, 200, `{"current":{"terms":"yes"},"history":[]}`, `want type boolean`},
		{"ErrPropertyName", "GET", consents, 200, `{"current":{"pigeon_post":true},"history":[]}`, `is not one of`},
		{"ErrEnum", "GET", consents, 404, `{"error":{"code":"teapot","message":"x"}}`, `"teapot" is not one of`},
		{"ErrExtra", "GET", consents, 404, `{"error":{"code":"not_found","message":"x"},"trace":1}`, `$.trace: not allowed`},
		{"ErrStatus", "GET", consents, 418, `{}`, `status 418 is not documented`},
		{"ErrDateTime", "GET", "/api/v1/members/7", 200, `{"created_at":"yesterday"}`, `not an RFC 3339 date-time`},
		{"UnknownPath", "GET", "/api/v1/pigeons", 200, `[]`, ""},
	}
	// oneOf: exactly one of the schemas.
	oneOf := map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "null"}}}
	for v, want := range map[any]int{"x": 0, nil: 0, 1.0: 1} {
		var errs []string
		c.validate(oneOf, v, "$", &errs)
		if len(errs) != want {
			t.Errorf("oneOf string|null of %v: %v", v, errs)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := c.check(tt.method, tt.path, tt.status, "application/json", []byte(tt.body))
			if tt.want == "" {
				if len(errs) > 0 {
					t.Errorf("complaints %v, want none", errs)
				}
				return
			}
			if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, tt.want) }) {
				t.Errorf("complaints %v, want one with %q", errs, tt.want)
			}
		})
	}
}
