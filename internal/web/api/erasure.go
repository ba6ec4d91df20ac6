package api

import (
	"fmt"
	"net/http"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/web"
)

// erasureInput is the body of POST /api/v1/members/{id}/erasure.
type erasureInput struct {
	Reason           string `json:"reason"`
	VoidCertificates bool   `json:"void_certificates"`
}

// erasureJSON is what an erasure did.
type erasureJSON struct {
	MemberID           int64 `json:"member_id"`
	VoidedCertificates int   `json:"voided_certificates"`
	DeletedMessages    int64 `json:"deleted_messages"`
	AnonymisedEvents   int64 `json:"anonymised_events"`
}

// eraseMember erases a member's personal data on request (see
// fanmail.ErasureKeeps); the token's creator is recorded as who did it.
func (h *Handler) eraseMember(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", msgMemberNotFound)
	if err != nil {
		return err
	}
	var in erasureInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	res, err := h.Members.Erase(r.Context(), id, store.EraseOptions{Source: fanmail.SourceAPI, UserID: currentToken(r).CreatedBy,
		Reason: in.Reason, VoidCertificates: in.VoidCertificates})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, erasureJSON{MemberID: res.MemberID, VoidedCertificates: res.VoidedCerts,
		DeletedMessages: res.DeletedMessages, AnonymisedEvents: res.AnonymisedEvents})
}

// exportMember answers an access request: everything held about the
// member, as JSON (member.DataCopy) or, with format=csv, as one CSV table
// (member.WriteDataCSV).
func (h *Handler) exportMember(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", msgMemberNotFound)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		return fanmail.FieldError("format", "Format must be json or csv.")
	}
	d, err := h.Members.MemberData(r.Context(), id)
	if err != nil {
		return err
	}
	if format != "csv" {
		return writeJSON(w, http.StatusOK, d)
	}
	return web.WriteMemberData(w, d, format, fmt.Sprintf("member-%d-data", id))
}
