package web

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"

	"github.com/fanmail/fanmail"
)

// MaxFormBytes bounds a request body that is not a file upload: URL-encoded
// forms (a campaign's HTML body is the largest field) and JSON.
const MaxFormBytes = 2 << 20

// Limits are the largest request bodies a surface reads.
type Limits struct {
	Body int64 // any body but multipart/form-data; 0 = MaxFormBytes
	// Multipart bounds file uploads (multipart/form-data); 0 = Body. A
	// handler may bound its own upload tighter.
	Multipart int64
}

// CheckInput guards every input of a surface before its handlers run:
//   - the request body is bounded by lim, and reading past it fails with
//     http.MaxBytesError, which ErrBodyTooLarge turns into ETOOLARGE (413);
//   - a URL-encoded form body is parsed here, so handlers find r.PostForm
//     ready; one larger than the limit is refused with 413;
//   - a path, query or URL-encoded form holding invalid UTF-8 or a NUL byte
//     is refused with EINVALID (422) naming the field: PostgreSQL cannot
//     store NUL in text (an error 500) and SQLite would store it silently.
//
// Refusals are written with page, in the surface's layout or format. File
// uploads (multipart) are checked by whoever reads them (CheckValues,
// CheckText), JSON bodies by CheckJSON.
func CheckInput(page ErrorPage, lim Limits, next http.Handler) http.Handler {
	if lim.Body <= 0 {
		lim.Body = MaxFormBytes
	}
	if lim.Multipart <= 0 {
		lim.Multipart = lim.Body
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !fanmail.ValidText(r.URL.Path) {
			page(w, r, http.StatusNotFound, fanmail.Errorf(fanmail.ENOTFOUND, "Page not found."))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			limit := lim.Body
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
				limit = lim.Multipart
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		// ParseForm reads a URL-encoded body (only) and the query.
		if err := r.ParseForm(); err != nil {
			if mbe := new(http.MaxBytesError); errors.As(err, &mbe) {
				err = errFormTooLarge
			} else {
				err = errUnreadableForm
			}
			page(w, r, StatusOf(err), err)
			return
		}
		if err := CheckValues(r.Form); err != nil {
			page(w, r, StatusOf(err), err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

var (
	errFormTooLarge   = fanmail.Errorf(fanmail.ETOOLARGE, "The form is too large.")
	errUnreadableForm = fanmail.Errorf(fanmail.EINVALID, "The form or the address could not be read.")
)

// CheckText returns a field error for field when its value is not
// fanmail.ValidText.
func CheckText(field, value string) error {
	if fanmail.ValidText(value) {
		return nil
	}
	return errBadText(field)
}

// CheckValues checks every name and value of a form or query with
// CheckText, in the order of the names.
func CheckValues(vals url.Values) error {
	names := make([]string, 0, len(vals))
	for name := range vals {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !fanmail.ValidText(name) {
			return errBadText("")
		}
		for _, v := range vals[name] {
			if err := CheckText(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// fieldName is a field's name as an argument of a message: a plain string
// argument would be translated as a message of its own.
type fieldName string

// errBadText names field in the message only when the name is one fanmail
// could have made, so a crafted link cannot make the page say what it likes.
func errBadText(field string) error {
	if !plainFieldName(field) {
		return fanmail.Errorf(fanmail.EINVALID, "The request holds text that is not valid UTF-8 or contains a NUL character.")
	}
	return fanmail.FieldErrorf(field, "The field %s holds text that is not valid UTF-8 or contains a NUL character.", fieldName(field))
}

// plainFieldName reports whether name looks like one of fanmail's form or
// JSON field names ("email", "q_12", "rules.groups[0].days").
func plainFieldName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '_', c == '-', c == '.', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}

// ErrBodyTooLarge reports an oversized request body as ETOOLARGE.
func ErrBodyTooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fanmail.Errorf(fanmail.ETOOLARGE, "The upload is too large.")
	}
	return err
}
