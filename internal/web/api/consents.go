package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/web"
)

// consentJSON is one recorded consent decision.
type consentJSON struct {
	ID        int64     `json:"id"`
	Purpose   string    `json:"purpose"`
	Channel   string    `json:"channel"`
	Granted   bool      `json:"granted"`
	Source    string    `json:"source"`
	IP        string    `json:"ip"`
	Version   string    `json:"version"`
	CreatedAt time.Time `json:"created_at"`
}

// consentsJSON is the body of GET /api/v1/members/{id}/consents: the current
// decision per purpose and every decision ever recorded, oldest first.
type consentsJSON struct {
	Current map[string]bool `json:"current"`
	History []consentJSON   `json:"history"`
	OptIn   *optInJSON      `json:"opt_in"` // null when no double opt-in was recorded
}

// optInJSON is the evidence of a member's double opt-in.
type optInJSON struct {
	IP          string    `json:"ip"`
	UserAgent   string    `json:"user_agent"`
	ConfirmedAt time.Time `json:"confirmed_at"`
}

// consentInput is a consent decision sent by a client.
type consentInput struct {
	Purpose string `json:"purpose"`
	Granted bool   `json:"granted"`
}

func (h *Handler) listConsents(w http.ResponseWriter, r *http.Request) error {
	id, err := h.memberID(r)
	if err != nil {
		return err
	}
	return h.writeConsents(w, r, http.StatusOK, id)
}

// addConsent records a decision with source "api" and the caller's address,
// and answers with the member's consents afterwards.
func (h *Handler) addConsent(w http.ResponseWriter, r *http.Request) error {
	id, err := h.memberID(r)
	if err != nil {
		return err
	}
	var in consentInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	err = h.Members.SetConsent(r.Context(), id, strings.TrimSpace(in.Purpose), in.Granted, fanmail.SourceAPI, web.ClientIP(r))
	if err != nil {
		return renameField(err, consentField)
	}
	return h.writeConsents(w, r, http.StatusOK, id)
}

// consentField maps the member service's consent fields to the JSON body.
func consentField(field string) string {
	if field == "consent" || strings.HasPrefix(field, "consent_") {
		return "purpose"
	}
	return field
}

func (h *Handler) writeConsents(w http.ResponseWriter, r *http.Request, status int, memberID int64) error {
	history, err := h.Members.Consents(r.Context(), memberID)
	if err != nil {
		return err
	}
	current, err := h.Members.CurrentConsents(r.Context(), memberID)
	if err != nil {
		return err
	}
	out := consentsJSON{Current: current, History: make([]consentJSON, len(history))}
	if out.Current == nil {
		out.Current = map[string]bool{}
	}
	for i, c := range history {
		out.History[i] = consentJSON{
			ID: c.ID, Purpose: c.Purpose, Channel: c.Channel, Granted: c.Granted, Source: c.Source,
			IP: c.IP, Version: c.Version, CreatedAt: c.CreatedAt.UTC(),
		}
	}
	if ev, err := h.Members.OptInConfirmation(r.Context(), memberID); err == nil {
		out.OptIn = &optInJSON{IP: ev.IP, UserAgent: ev.UserAgent, ConfirmedAt: ev.ConfirmedAt.UTC()}
	} else if fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
		return err
	}
	return writeJSON(w, status, out)
}

// memberID returns the {id} of a member sub-resource after checking the
// member exists, so an unknown member is 404 rather than an empty list.
func (h *Handler) memberID(r *http.Request) (int64, error) {
	id, err := pathID(r, "id", msgMemberNotFound)
	if err != nil {
		return 0, err
	}
	if _, err := h.Members.MemberByID(r.Context(), id); err != nil {
		return 0, err
	}
	return id, nil
}
