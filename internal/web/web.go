// Package web holds what every HTTP surface of fanmail shares: the error
// adapter, language choice, template rendering, static assets, sessions and
// form helpers. The surfaces live in admin/, portal/ and api/.
package web

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
)

// HandlerFunc is an HTTP handler that returns its failure instead of writing it.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// ErrorPage writes an error to the person who caused it; each surface renders
// it in its own layout (HTML) or format (JSON).
type ErrorPage func(w http.ResponseWriter, r *http.Request, status int, err error)

// Adapt turns fn into an http.Handler that writes fn's error with page and logs
// internal errors once.
func Adapt(logger *slog.Logger, page ErrorPage, fn HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		status := StatusOf(err)
		if status >= 500 {
			logger.Error("request failed", "method", r.Method, "route", r.Pattern, "err", err)
		}
		page(w, r, status, err)
	})
}

// StatusOf maps an error's code to an HTTP status.
func StatusOf(err error) int {
	switch fanmail.ErrorCode(err) {
	case fanmail.EINVALID:
		return http.StatusUnprocessableEntity
	case fanmail.ENOTFOUND:
		return http.StatusNotFound
	case fanmail.ECONFLICT:
		return http.StatusConflict
	case fanmail.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case fanmail.EFORBIDDEN:
		return http.StatusForbidden
	case fanmail.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case fanmail.EEXPIRED:
		return http.StatusGone
	case fanmail.ETOOMANY:
		return http.StatusTooManyRequests
	case fanmail.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Message returns err's user-safe message in lang.
func Message(lang string, err error) string {
	if e := fanmail.AsError(err); e != nil {
		return translate(lang, e)
	}
	return i18n.T(lang, fanmail.ErrorMessage(err))
}

// LangCookie remembers the language a visitor picked.
const LangCookie = "fanmail_lang"

// Lang returns the language of the request: ?lang=, then the language cookie,
// then Accept-Language, then Korean.
func Lang(r *http.Request) string {
	if l := i18n.Normalize(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	if c, err := r.Cookie(LangCookie); err == nil {
		if l := i18n.Normalize(c.Value); l != "" {
			return l
		}
	}
	if l := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	return fanmail.LangKorean
}

// LangSwitch remembers ?lang= in a cookie so the choice sticks across pages.
func LangSwitch(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l := i18n.Normalize(r.URL.Query().Get("lang")); l != "" {
			http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		}
		next.ServeHTTP(w, r)
	})
}

// PathID parses the path value name as a positive integer id, or ENOTFOUND.
func PathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fanmail.Errorf(fanmail.ENOTFOUND, "Page not found.")
	}
	return id, nil
}

// FormField returns a pointer to the trimmed form value, or nil when the field
// was not posted at all (so updates leave it unchanged).
func FormField(r *http.Request, name string) *string {
	if _, ok := r.PostForm[name]; !ok {
		return nil
	}
	v := strings.TrimSpace(r.PostForm.Get(name))
	return &v
}

// FormInt returns the form value as an int, 0 if missing or not a number.
func FormInt(r *http.Request, name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.FormValue(name)))
	return n
}

// FormInt64s returns every value of name parsed as int64, skipping junk.
func FormInt64s(r *http.Request, name string) []int64 {
	var ids []int64
	for _, v := range r.Form[name] {
		if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// CountingWriter counts the bytes written through it to W; a download
// handler that fails after N > 0 can no longer send an error status.
type CountingWriter struct {
	W io.Writer
	N int64
}

func (c *CountingWriter) Write(p []byte) (int, error) {
	n, err := c.W.Write(p)
	c.N += int64(n)
	return n, err
}

// ClientIP returns the remote address without the port. Behind a trusted proxy
// the app config decides whether X-Forwarded-For is used (see TrustProxy).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// TrustProxy rewrites RemoteAddr from the first X-Forwarded-For address; use it
// only when fanmail runs behind a proxy that sets the header.
func TrustProxy(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(first)); ip != nil {
				r.RemoteAddr = net.JoinHostPort(ip.String(), "0")
			}
		}
		next.ServeHTTP(w, r)
	})
}

var errUnauthorized = fanmail.Errorf(fanmail.EUNAUTHORIZED, "You must sign in.")

// CrossOrigin refuses cross-site form posts (Sec-Fetch-Site / Origin checks of
// http.CrossOriginProtection) with page, so the refusal reads as an error in
// the visitor's language.
func CrossOrigin(page ErrorPage, next http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page(w, r, http.StatusForbidden, fanmail.Errorf(fanmail.EFORBIDDEN, "This form was posted from another site and was refused."))
	}))
	return p.Handler(next)
}
