package admin

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/web"
)

func (h *Handler) accessLogRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/access-log", h.page(fanmail.PermReadAccessLog, h.listAccessLog))
	mux.Handle("POST /admin/access-log/verify", h.page(fanmail.PermReadAccessLog, h.verifyAccessLog))
}

// logAccess records in the access log what the signed-in staff user did
// with members' data: every view, search, edit, export and erasure goes
// through here. A failure to record fails the request: data shown without
// its log line would break the PIPA safety measures.
func (h *Handler) logAccess(r *http.Request, action, target string, count int, reason string) error {
	return h.Access.Record(r.Context(), accessEntry(r, action, target, count, reason))
}

// accessEntry is the access log entry of what the signed-in staff user did,
// for work that ends after the request (a background import).
func accessEntry(r *http.Request, action, target string, count int, reason string) fanmail.AccessEntry {
	u := currentUser(r)
	return fanmail.AccessEntry{UserID: u.ID, Actor: u.Email, IP: web.ClientIP(r),
		Action: action, Target: target, Count: count, Reason: strings.TrimSpace(reason)}
}

// accessLogPage is the privacy officer's view of the access log.
type accessLogPage struct {
	Filter  accessLogFilter
	Actions []string
	Entries []fanmail.AccessEntry
	NextURL string
	Check   *store.AccessChainCheck // after "Verify the chain"
	Error   string
}

// accessLogFilter is the filter form as typed.
type accessLogFilter struct {
	User, Action, Target, From, Until string
}

func (h *Handler) listAccessLog(w http.ResponseWriter, r *http.Request) error {
	return h.renderAccessLog(w, r, nil)
}

func (h *Handler) verifyAccessLog(w http.ResponseWriter, r *http.Request) error {
	c, err := h.Access.Verify(r.Context())
	if err != nil {
		return err
	}
	return h.renderAccessLog(w, r, &c)
}

func (h *Handler) renderAccessLog(w http.ResponseWriter, r *http.Request, check *store.AccessChainCheck) error {
	q := r.URL.Query()
	p := accessLogPage{Actions: fanmail.AccessActions, Check: check, Filter: accessLogFilter{
		User: q.Get("user"), Action: q.Get("action"), Target: q.Get("target"), From: q.Get("from"), Until: q.Get("until"),
	}}
	f, err := h.accessFilter(r)
	if err != nil {
		p.Error = fanmail.ErrorMessage(err)
		return h.render(w, r, http.StatusUnprocessableEntity, "access_log", trTitle(r, "Access log"), p)
	}
	p.Entries, f.Before, err = h.Access.Entries(r.Context(), f)
	if err != nil {
		return err
	}
	if f.Before != 0 {
		q.Set("before", strconv.FormatInt(f.Before, 10))
		p.NextURL = "/admin/access-log?" + q.Encode()
	}
	// Reading the log is itself logged: who looked at whose traces.
	if err := h.logAccess(r, fanmail.AccessRead, strings.TrimSpace(q.Encode()), len(p.Entries), ""); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "access_log", trTitle(r, "Access log"), p)
}

// accessFilter reads the filter form: user is a staff id or e-mail address,
// from and until are dates (YYYY-MM-DD) in the company's time zone, until
// inclusive.
func (h *Handler) accessFilter(r *http.Request) (store.AccessFilter, error) {
	q := r.URL.Query()
	f := store.AccessFilter{Action: strings.TrimSpace(q.Get("action")), Target: strings.TrimSpace(q.Get("target")),
		Before: mbQueryInt64(q, "before")}
	if u := strings.TrimSpace(q.Get("user")); u != "" {
		id, err := strconv.ParseInt(u, 10, 64)
		if err != nil {
			su, uerr := h.Staff.UserByEmail(r.Context(), u)
			if uerr != nil {
				return f, fanmail.FieldError("user", "No staff user has this id or e-mail address.")
			}
			id = su.ID
		}
		f.UserID = id
	}
	loc := h.Config.Location()
	for _, d := range []struct {
		name string
		to   *time.Time
		add  int
	}{{"from", &f.From, 0}, {"until", &f.Until, 1}} {
		v := strings.TrimSpace(q.Get(d.name))
		if v == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", v, loc)
		if err != nil {
			return f, fanmail.FieldError(d.name, "Enter a date as YYYY-MM-DD.")
		}
		*d.to = t.AddDate(0, 0, d.add)
	}
	return f, nil
}
