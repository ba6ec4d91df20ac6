package web

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fanmail/fanmail"
)

// CheckJSON returns an EINVALID error naming the field ("name",
// "answers[0].text") of the first key or string of the JSON document body
// that holds invalid UTF-8, a lone UTF-16 surrogate escape ("\ud800") or a
// NUL ("\u0000"): encoding/json quietly turns the first two into U+FFFD and
// keeps the NUL, which PostgreSQL cannot store. With refuseNull, a null
// anywhere is refused as well (for bodies none of whose fields takes null,
// where encoding/json would read null as "absent"). Malformed JSON is left
// for the decoder to report; CheckJSON then returns nil.
func CheckJSON(body []byte, refuseNull bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var path []jsonStep
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or malformed: the decoder's to report
		}
		raw := body[start:dec.InputOffset()]
		key := len(path) > 0 && path[len(path)-1].wantKey
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				path = append(path, jsonStep{object: v == '{', wantKey: v == '{'})
				continue
			}
			path = path[:len(path)-1]
		case string:
			if key {
				path[len(path)-1].key, path[len(path)-1].wantKey = v, false
			}
			if !utf8.Valid(raw) || strings.ContainsRune(v, 0) || loneSurrogate(raw) {
				return errBadText(jsonPath(path))
			}
			if key {
				continue
			}
		case nil:
			if refuseNull {
				return jsonNullError(jsonPath(path))
			}
		}
		if len(path) > 0 { // a value ended: the next is a key or an element
			top := &path[len(path)-1]
			top.wantKey = top.object
			top.index++
		}
	}
}

// jsonStep is one level of the way to a value: a key of an object or an
// index into an array.
type jsonStep struct {
	object  bool
	wantKey bool // the next string is a key
	key     string
	index   int
}

// jsonPath writes the way to the current value as "a.b[2].c".
func jsonPath(path []jsonStep) string {
	var b strings.Builder
	for _, s := range path {
		if s.object {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
		} else {
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		}
	}
	return b.String()
}

func jsonNullError(field string) error {
	if !plainFieldName(field) {
		return fanmail.Errorf(fanmail.EINVALID, "The request body must be a JSON object.")
	}
	return fanmail.FieldError(field, "This field cannot be null.")
}

// loneSurrogate reports whether the raw JSON text holds a \u escape of a
// UTF-16 surrogate that is not half of a pair.
func loneSurrogate(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' || i+1 >= len(raw) {
			continue
		}
		i++ // the escaped character; "\\u" is a backslash and a u
		r, ok := hexEscape(raw, i)
		switch {
		case !ok:
		case r >= 0xD800 && r < 0xDC00:
			lo, ok := hexEscape(raw, i+6)
			if !ok || raw[i+5] != '\\' || lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 10
		case r >= 0xDC00 && r <= 0xDFFF:
			return true
		}
	}
	return false
}

// hexEscape reads the code unit of the escape "uXXXX" at raw[i:].
func hexEscape(raw []byte, i int) (rune, bool) {
	if i < 0 || i+5 > len(raw) || raw[i] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(raw[i+1:i+5]), 16, 16)
	return rune(n), err == nil
}
