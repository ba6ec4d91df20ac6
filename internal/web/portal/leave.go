package portal

import (
	"net/http"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/web"
)

// leaveRoutes serve the member's copy of their data and leaving (탈퇴):
// with the password on the leave page, or with a mailed link that opens a
// page and needs one press.
func (h *Handler) leaveRoutes(mux *http.ServeMux) {
	mux.Handle("GET /portal/data.json", h.portalPage(h.myData("json")))
	mux.Handle("GET /portal/data.csv", h.portalPage(h.myData("csv")))
	mux.Handle("GET /portal/leave", h.portalPage(h.leaveForm))
	mux.Handle("POST /portal/leave", h.portalPage(h.leaveWithPassword))
	mux.Handle("POST /portal/leave/mail", h.portalPage(h.leaveMail))
	mux.Handle("GET /leave/confirm", h.optionalMember(h.leaveLinkForm))
	mux.Handle("POST /leave/confirm", h.optionalMember(h.leaveWithLink))
	mux.Handle("GET /leave/done", h.public(h.leaveDone))
}

// leavePage explains what leaving erases and keeps, and offers both ways.
type leavePage struct {
	Keeps          []fanmail.ErasureKept
	HasPassword    bool
	MailConfigured bool
	Sent           bool   // the link was mailed
	Token          string // a mailed link being confirmed
	Name           string
	Error          string // English message key
	LinkError      bool   // the mailed link cannot be used
}

func (h *Handler) leaveView(r *http.Request, err error) (leavePage, error) {
	has, herr := h.Members.HasPassword(r.Context(), currentMember(r).ID)
	p := leavePage{Keeps: fanmail.ErasureKeeps, HasPassword: has, MailConfigured: h.Members.MailConfigured(),
		Sent: r.URL.Query().Get("sent") == "1"}
	if err != nil {
		p.Error = fanmail.ErrorMessage(err)
	}
	return p, herr
}

func (h *Handler) leaveForm(w http.ResponseWriter, r *http.Request) error {
	p, err := h.leaveView(r, nil)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "portal_leave", tr(r, "Leave fanmail"), p)
}

func (h *Handler) leaveWithPassword(w http.ResponseWriter, r *http.Request) error {
	err := h.Members.WithdrawWithPassword(r.Context(), currentMember(r).ID, web.ClientIP(r), r.PostFormValue("password"),
		r.PostFormValue("void_certificates") == "1")
	return h.left(w, r, err)
}

// left ends the session of a member who left, or shows the leave page
// with the reason they could not.
func (h *Handler) left(w http.ResponseWriter, r *http.Request, err error) error {
	switch fanmail.ErrorCode(err) {
	case "":
		if err := h.Sessions.End(w, r); err != nil {
			return err
		}
		http.Redirect(w, r, "/leave/done?lang="+web.Lang(r), http.StatusSeeOther)
		return nil
	case fanmail.EINVALID, fanmail.EUNAUTHORIZED, fanmail.ECONFLICT, fanmail.ETOOMANY, fanmail.EUNAVAILABLE:
		p, perr := h.leaveView(r, err)
		if perr != nil {
			return perr
		}
		return h.render(w, r, web.StatusOf(err), "portal_leave", tr(r, "Leave fanmail"), p)
	}
	return err
}

func (h *Handler) leaveMail(w http.ResponseWriter, r *http.Request) error {
	if err := h.Members.RequestWithdrawal(r.Context(), currentMember(r).ID); err != nil {
		return h.left(w, r, err)
	}
	http.Redirect(w, r, "/portal/leave?sent=1", http.StatusSeeOther)
	return nil
}

func (h *Handler) leaveLinkForm(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	m, err := h.Members.CheckWithdrawalLink(r.Context(), token)
	r = inLang(r, m.Lang)
	if err != nil {
		return h.leaveLinkError(w, r, err, "")
	}
	p := leavePage{Keeps: fanmail.ErasureKeeps, Token: token, Name: m.Name}
	return h.render(w, r, http.StatusOK, "leave_confirm", tr(r, "Leave fanmail"), p)
}

func (h *Handler) leaveWithLink(w http.ResponseWriter, r *http.Request) error {
	token := r.PostFormValue("token")
	m, err := h.Members.WithdrawWithLink(r.Context(), token, r.PostFormValue("void_certificates") == "1")
	r = inLang(r, m.Lang)
	if err != nil {
		return h.leaveLinkError(w, r, err, token)
	}
	if currentMember(r).ID == m.ID {
		if err := h.Sessions.End(w, r); err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/leave/done?lang="+m.Lang, http.StatusSeeOther)
	return nil
}

// leaveLinkError answers a mailed link that cannot be used (forged, used,
// expired, the member gone: no token offered again) or an erasure it
// could not do yet (unused gift certificates: the page asks again).
func (h *Handler) leaveLinkError(w http.ResponseWriter, r *http.Request, err error, token string) error {
	switch code := fanmail.ErrorCode(err); code {
	case fanmail.EINVALID, fanmail.EEXPIRED, fanmail.EFORBIDDEN, fanmail.ECONFLICT:
		p := leavePage{Keeps: fanmail.ErasureKeeps, Error: fanmail.ErrorMessage(err), LinkError: code != fanmail.ECONFLICT}
		status := http.StatusBadRequest
		switch code {
		case fanmail.EEXPIRED:
			status = http.StatusGone
		case fanmail.ECONFLICT:
			status, p.Token = http.StatusConflict, token
		}
		return h.render(w, r, status, "leave_confirm", tr(r, "Leave fanmail"), p)
	}
	return err
}

func (h *Handler) leaveDone(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "leave_done", tr(r, "You have left fanmail"), leavePage{Keeps: fanmail.ErasureKeeps})
}

// myData sends the signed-in member's copy of their data as JSON or CSV.
func (h *Handler) myData(format string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := h.Members.MemberData(r.Context(), currentMember(r).ID)
		if err != nil {
			return err
		}
		return web.WriteMemberData(w, d, format, "fanmail-my-data")
	}
}
