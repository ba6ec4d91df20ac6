package admin

import (
	"fmt"
	"github.com/fanmail/fanmail/internal/accesslog"
	"net/http"
	"net/url"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/web"
)

// eraseRoutes serve a member's erasure on request (confirm step with a
// reason) and the copy of their data for an access request.
func (h *Handler) eraseRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/members/{id}/erase", h.page(fanmail.PermEraseMembers, h.eraseMemberForm))
	mux.Handle("POST /admin/members/{id}/erase", h.page(fanmail.PermEraseMembers, h.eraseMember))
	mux.Handle("GET /admin/members/{id}/data.json", h.page(fanmail.PermViewMembers, h.memberData("json")))
	mux.Handle("GET /admin/members/{id}/data.csv", h.page(fanmail.PermViewMembers, h.memberData("csv")))
}

// erasePage confirms an erasure: what is kept, a reason, the option to
// void unused gift certificates.
type erasePage struct {
	Member     fanmail.Member
	Keeps      []fanmail.ErasureKept
	Reason     string
	Void       bool
	Error      string
	ErrorField string
}

func (h *Handler) eraseMemberForm(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	m, err := h.Members.MemberByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := h.logAccess(r, fanmail.AccessView, accesslog.MemberTarget(id)+" erase form", 1, ""); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "members_erase", "Erase member", erasePage{Member: m, Keeps: fanmail.ErasureKeeps})
}

func (h *Handler) eraseMember(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	o := store.EraseOptions{Source: fanmail.SourceAdmin, UserID: currentUser(r).ID, Reason: r.PostFormValue("reason"),
		VoidCertificates: r.PostFormValue("void_certificates") == "1"}
	_, err = h.Members.Erase(r.Context(), id, o)
	if code := fanmail.ErrorCode(err); code == fanmail.EINVALID || code == fanmail.ECONFLICT {
		m, merr := h.Members.MemberByID(r.Context(), id)
		if merr != nil {
			return merr
		}
		p := erasePage{Member: m, Keeps: fanmail.ErasureKeeps, Reason: o.Reason, Void: o.VoidCertificates,
			Error: fanmail.ErrorMessage(err), ErrorField: fanmail.ErrorField(err)}
		return h.render(w, r, web.StatusOf(err), "members_erase", "Erase member", p)
	}
	if err != nil {
		return err
	}
	if err := h.logAccess(r, fanmail.AccessErase, accesslog.MemberTarget(id), 1, o.Reason); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/members/%d?flash=%s", id, url.QueryEscape("Member erased.")), http.StatusSeeOther)
	return nil
}

// memberData sends the member's copy of their data as JSON or CSV
// (web.WriteMemberData) for an access request.
func (h *Handler) memberData(format string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		d, err := h.Members.MemberData(r.Context(), id)
		if err != nil {
			return err
		}
		if err := h.logAccess(r, fanmail.AccessExport, accesslog.MemberTarget(id)+" data copy", 1, ""); err != nil {
			return err
		}
		return web.WriteMemberData(w, d, format, fmt.Sprintf("member-%d-data", id))
	}
}
