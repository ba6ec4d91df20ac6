package api

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/web"
)

// accessNote is what a handler tells audited about the member data it
// served: by default the member of the path's {id}, one record.
type accessNote struct {
	Target string
	Count  int
}

const accessKey ctxKey = 1

// noteAccess returns the request's note, for a handler that served more than
// one member (a search); nil outside audited routes.
func noteAccess(r *http.Request) *accessNote {
	n, _ := r.Context().Value(accessKey).(*accessNote)
	return n
}

// audited wraps fn, a route on members' data, so every successful call is
// recorded in the access log as action before the response leaves: the
// response is held until the entry is written, and a failure to record
// fails the call. Responses of audited routes are small JSON documents.
func (h *Handler) audited(action, path string, fn web.HandlerFunc) web.HandlerFunc {
	if action == "" {
		return fn
	}
	_, sub, _ := strings.Cut(path, "{id}")
	return func(w http.ResponseWriter, r *http.Request) error {
		note := &accessNote{Count: 1}
		if id := r.PathValue("id"); id != "" {
			note.Target = "member:" + id + strings.ReplaceAll(sub, "/", " ")
		}
		held := &heldResponse{header: http.Header{}}
		if err := fn(held, r.WithContext(context.WithValue(r.Context(), accessKey, note))); err != nil {
			return err
		}
		if held.status < http.StatusBadRequest {
			if err := h.logAccess(r, action, note.Target, note.Count, ""); err != nil {
				return err
			}
		}
		for k, v := range held.header {
			w.Header()[k] = v
		}
		if held.status != 0 {
			w.WriteHeader(held.status)
		}
		if held.body.Len() == 0 {
			return nil // 204 and the like may carry no body
		}
		_, err := w.Write(held.body.Bytes())
		return err
	}
}

// logAccess records what the request's API token did with members' data.
func (h *Handler) logAccess(r *http.Request, action, target string, count int, reason string) error {
	t := currentToken(r)
	return h.Access.Record(r.Context(), fanmail.AccessEntry{UserID: t.CreatedBy, Actor: "api:" + t.Name,
		IP: web.ClientIP(r), Action: action, Target: target, Count: count, Reason: reason})
}

// heldResponse keeps a response until audited lets it go.
type heldResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (h *heldResponse) Header() http.Header { return h.header }
func (h *heldResponse) Write(p []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return h.body.Write(p)
}
func (h *heldResponse) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

// accessEntryJSON is one access log entry.
type accessEntryJSON struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	UserID   int64     `json:"user_id"`
	Actor    string    `json:"actor"`
	IP       string    `json:"ip"`
	Action   string    `json:"action"`
	Target   string    `json:"target"`
	Count    int       `json:"count"`
	Reason   string    `json:"reason"`
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// accessPage is the body of GET /api/v1/access-log.
type accessPage struct {
	Data       []accessEntryJSON `json:"data"`
	NextBefore *int64            `json:"next_before"`
}

// listAccessLog returns the access log, newest first, for the privacy
// officer's token. Reading it is logged too.
func (h *Handler) listAccessLog(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.AccessFilter{Action: strings.TrimSpace(q.Get("action")), Target: strings.TrimSpace(q.Get("target"))}
	var err error
	if f.UserID, err = queryInt64(r, "user_id"); err != nil {
		return err
	}
	if f.Before, f.Limit, err = pageQuery(r, 500); err != nil {
		return err
	}
	for _, p := range []struct {
		name string
		to   *time.Time
	}{{"from", &f.From}, {"until", &f.Until}} {
		if v := strings.TrimSpace(q.Get(p.name)); v != "" {
			if *p.to, err = time.Parse(time.RFC3339, v); err != nil {
				return invalidField(p.name, "Send a time as RFC 3339, e.g. 2026-12-01T00:00:00+09:00.")
			}
		}
	}
	es, next, err := h.Access.Entries(r.Context(), f)
	if err != nil {
		return err
	}
	if err := h.logAccess(r, fanmail.AccessRead, q.Encode(), len(es), ""); err != nil {
		return err
	}
	out := accessPage{Data: make([]accessEntryJSON, len(es))}
	for i, e := range es {
		out.Data[i] = accessEntryJSON{ID: e.ID, At: e.At, UserID: e.UserID, Actor: e.Actor, IP: e.IP, Action: e.Action,
			Target: e.Target, Count: e.Count, Reason: e.Reason, PrevHash: e.PrevHash, Hash: e.Hash}
	}
	if next != 0 {
		out.NextBefore = &next
	}
	return writeJSON(w, http.StatusOK, out)
}

// exportRequest is the body of POST /api/v1/members/export.
type exportRequest struct {
	Status string `json:"status"`
	Lang   string `json:"lang"`
	Reason string `json:"reason"`
}

// exportMembers streams the chosen members as CSV, like the staff UI's
// export. Above the configured number of members it needs a reason (422
// without), which the access log keeps.
func (h *Handler) exportMembers(w http.ResponseWriter, r *http.Request) error {
	var in exportRequest
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	f := member.ExportFilter{Status: in.Status, Lang: in.Lang}
	n, err := h.Members.CountExport(r.Context(), f)
	if err != nil {
		return err
	}
	if err := h.Access.CheckExport(n, in.Reason); err != nil {
		return err
	}
	target := "all members"
	if f.Status != "" {
		target = "status=" + f.Status
	}
	if err := h.logAccess(r, fanmail.AccessExport, target, n, strings.TrimSpace(in.Reason)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	cw := &web.CountingWriter{W: w}
	if err := h.Members.Export(r.Context(), cw, f); err != nil {
		if cw.N > 0 {
			// The status line is gone: abort so the client sees a
			// failed download rather than a truncated file.
			h.Logger.Error("export failed", "route", r.Pattern, "bytes", cw.N, "err", err)
			panic(http.ErrAbortHandler)
		}
		w.Header().Set("Content-Type", "application/json")
		return err
	}
	return nil
}
