// Package api serves fanmail's JSON API v1 under /api/v1/ for programs
// holding an API token, and its OpenAPI document at /api/openapi.json. It
// calls the same services as the staff UI; a token acts with its role's
// permissions.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/campaign"
	"github.com/fanmail/fanmail/internal/catalog"
	"github.com/fanmail/fanmail/internal/compliance"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/mailbox"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/order"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/survey"
	"github.com/fanmail/fanmail/internal/web"
)

// MaxBodyBytes is the largest request body the API reads.
const MaxBodyBytes = 1 << 20

// Deps are what the API needs.
type Deps struct {
	Config  config.Config
	Logger  *slog.Logger
	Staff   *staff.Service // API tokens
	Members *member.Service
	Catalog *catalog.Service
	Orders  *order.Service  // nil: the order endpoints answer unavailable
	Surveys *survey.Service // nil: the survey endpoints answer unavailable
	// Loyalty: chips, redemptions, rewards and fan rules; nil: those
	// endpoints answer unavailable.
	Loyalty *loyalty.Service
	// Campaigns: drafts, scheduling and the ad rule; nil: those endpoints
	// answer unavailable.
	Campaigns *campaign.Service
	// Compliance: the consent notices' status; nil: GET /api/v1/compliance
	// answers unavailable.
	Compliance *compliance.Service
	Mailbox    *mailbox.Box // nil: the mailbox endpoints answer unavailable
	// Access records what tokens do with members' data and serves the
	// access log; nil builds one over the members' database.
	Access *accesslog.Service
}

// Handler serves /api.
type Handler struct {
	Deps
}

// New returns the API handler.
func New(d Deps) *Handler {
	return &Handler{Deps: d}
}

type ctxKey int

const tokenKey ctxKey = 0

// currentToken returns the API token that authenticated the request.
func currentToken(r *http.Request) fanmail.APIToken {
	t, _ := r.Context().Value(tokenKey).(fanmail.APIToken)
	return t
}

var (
	errNoToken   = fanmail.Errorf(fanmail.EUNAUTHORIZED, "Send an API token in the Authorization header: Bearer <token>.")
	errForbidden = fanmail.Errorf(fanmail.EFORBIDDEN, "The API token's role may not do this.")
)

// call adapts fn so it runs only for a request carrying a live API token
// whose role grants perm ("" = any role). The token is in the request
// context.
func (h *Handler) call(perm string, fn web.HandlerFunc) http.Handler {
	return web.Adapt(h.Logger, h.writeError, func(w http.ResponseWriter, r *http.Request) error {
		plaintext, ok := bearerToken(r)
		if !ok {
			return errNoToken
		}
		t, err := h.Staff.TokenRole(r.Context(), plaintext)
		if err != nil {
			return err
		}
		if perm != "" && !fanmail.Can(t.Role, perm) {
			return errForbidden
		}
		return fn(w, r.WithContext(context.WithValue(r.Context(), tokenKey, t)))
	})
}

// public adapts fn, which needs no token.
func (h *Handler) public(fn web.HandlerFunc) http.Handler {
	return web.Adapt(h.Logger, h.writeError, fn)
}

// bearerToken returns the token of an "Authorization: Bearer <token>" header
// (RFC 6750; the scheme is case-insensitive).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// errorBody is the shape of every error the API returns.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// AdSignals say what makes a mail refused as unmarked an ad.
	AdSignals []adSignalJSON `json:"ad_signals,omitempty"`
}

// writeError writes err as {"error":{…}} in the request's language. Internal
// errors carry a generic message; web.Adapt has logged them.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, status int, err error) {
	if errors.As(err, new(badRequest)) {
		status = http.StatusBadRequest
	}
	if status == http.StatusUnauthorized {
		// RFC 6750 §3: tell the client which scheme to use.
		w.Header().Set("WWW-Authenticate", `Bearer realm="fanmail"`)
	}
	detail := errorDetail{
		Code:    fanmail.ErrorCode(err),
		Message: web.Message(web.Lang(r), err),
		Field:   fanmail.ErrorField(err),
	}
	var adRule *fanmail.AdRuleError
	if errors.As(err, &adRule) {
		detail.AdSignals = adSignalsJSON(adRule.Signals)
	}
	writeJSON(w, status, errorBody{Error: detail})
}

// writeJSON writes v as the response body with status. It fails only before
// anything is written; a client that went away meanwhile is not an error.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
	return nil
}

// badRequest marks a request the API could not read at all (HTTP 400): a
// body that is not the JSON object the endpoint takes, or a malformed query
// parameter. Values the services refuse are 422.
type badRequest struct{ err *fanmail.Error }

func (b badRequest) Error() string { return b.err.Error() }
func (b badRequest) Unwrap() error { return b.err }

func invalidRequest(message string) error {
	return badRequest{fanmail.Errorf(fanmail.EINVALID, "%s", message)}
}

func invalidField(field, message string) error {
	return badRequest{fanmail.FieldError(field, message)}
}

// readJSON decodes the request body, a single JSON object of at most
// MaxBodyBytes, into v. Unknown fields, malformed JSON, wrongly typed values,
// a body that is not an object (null included) and trailing data are
// EINVALID (HTTP 400); an oversized body is ETOOLARGE. A null field, and text
// with invalid UTF-8, a lone surrogate or a NUL, are EINVALID (HTTP 422)
// naming the field (see web.CheckJSON): no field of the API takes null, so
// null never silently means "unchanged".
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return invalidRequest("Send the request body as JSON (Content-Type: application/json).")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return decodeError(err)
	}
	switch trimmed := bytes.TrimSpace(body); {
	case len(trimmed) == 0:
		return decodeError(io.EOF)
	case trimmed[0] != '{':
		return invalidRequest("The request body must be a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalidRequest("The request body must hold a single JSON object.")
	}
	return web.CheckJSON(body, true)
}

// decodeError turns an encoding/json failure into a user-safe error.
func decodeError(err error) error {
	var (
		mbe    *http.MaxBytesError
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return fanmail.Errorf(fanmail.ETOOLARGE, "The request body is too large.")
	case errors.Is(err, io.EOF):
		return invalidRequest("The request body is empty; send a JSON object.")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return invalidRequest("The request body is not valid JSON.")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return invalidRequest("The request body must be a JSON object.")
		}
		return invalidField(typ.Field, "This field has the wrong type.")
	}
	// encoding/json has no error type for unknown fields, only this text.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if unq, uerr := strconv.Unquote(name); uerr == nil {
			name = unq
		}
		return invalidField(name, "Unknown field.")
	}
	return invalidRequest("The request body is not valid JSON.")
}

// queryInt64 parses the query parameter name as a non-negative integer; 0 if
// absent. EINVALID names the parameter otherwise.
// pageQuery reads the keyset paging parameters: before (0 if absent) and
// limit, which must be from 1 to max when given (0 if absent).
func pageQuery(r *http.Request, max int) (before int64, limit int, err error) {
	if before, err = queryInt64(r, "before"); err != nil {
		return 0, 0, err
	}
	n, err := queryInt64(r, "limit")
	if err != nil {
		return 0, 0, err
	}
	if r.URL.Query().Has("limit") && (n < 1 || n > int64(max)) {
		return 0, 0, badRequest{fanmail.FieldErrorf("limit", "The limit must be between 1 and %d.", max)}
	}
	return before, int(n), nil
}

func queryInt64(r *http.Request, name string) (int64, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, invalidField(name, "This parameter must be a whole number.")
	}
	return n, nil
}

// queryLimit parses the query parameter "limit" of a list, at most 500; 0
// if absent. EINVALID names the parameter otherwise.
func queryLimit(r *http.Request) (int, error) {
	limit, err := queryInt64(r, "limit")
	if err != nil {
		return 0, err
	}
	if limit > 500 {
		return 0, invalidField("limit", "This parameter must be at most 500.")
	}
	return int(limit), nil
}

// pathID returns the path value name as an id; an id that cannot exist is
// ENOTFOUND with a message about the resource rather than a page.
func pathID(r *http.Request, name, notFound string) (int64, error) {
	id, err := web.PathID(r, name)
	if err != nil {
		return 0, fanmail.Errorf(fanmail.ENOTFOUND, "%s", notFound)
	}
	return id, nil
}

// list is the body of a list response.
type list[T any] struct {
	Data []T `json:"data"`
}

// writeCreated answers 201 Created with the new resource and its address.
func writeCreated(w http.ResponseWriter, location string, v any) error {
	w.Header().Set("Location", location)
	return writeJSON(w, http.StatusCreated, v)
}

// queryBool parses the query parameter name as true/false; false if absent.
func queryBool(r *http.Request, name string) (bool, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, invalidField(name, "This parameter must be true or false.")
	}
	return b, nil
}

// renameField returns err with its field renamed by rename, so errors name
// the JSON field a client sent rather than the service's form field.
func renameField(err error, rename func(string) string) error {
	var e *fanmail.Error
	if !errors.As(err, &e) || e.Field == "" || rename(e.Field) == e.Field {
		return err
	}
	return &fanmail.Error{Code: e.Code, Message: e.Message, Field: rename(e.Field)}
}

// utcPtr returns a copy of *t in UTC, or nil: the API speaks UTC whatever
// the database driver's location.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
