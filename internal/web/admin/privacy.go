package admin

import (
	"net/http"
	"net/url"

	"github.com/fanmail/fanmail"
)

func (h *Handler) privacyRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/settings/privacy", h.page(fanmail.PermManageStaff, h.privacySettings))
	mux.Handle("POST /admin/settings/privacy", h.page(fanmail.PermManageStaff, h.savePrivacySettings))
	mux.Handle("GET /admin/consent-wordings", h.page("", h.consentWordings))
}

// privacySettingsPage edits the privacy officer's contact shown on the
// portal's privacy policy, and lists every consent wording version.
type privacySettingsPage struct {
	Officer    fanmail.PrivacyOfficer
	Wordings   []fanmail.ConsentWording
	Current    string
	Error      string
	ErrorField string
}

func (h *Handler) privacySettings(w http.ResponseWriter, r *http.Request) error {
	o, err := h.Privacy.Officer(r.Context())
	if err != nil {
		return err
	}
	return h.renderPrivacySettings(w, r, http.StatusOK, o, nil)
}

func (h *Handler) renderPrivacySettings(w http.ResponseWriter, r *http.Request, status int, o fanmail.PrivacyOfficer, err error) error {
	p := privacySettingsPage{Officer: o, Wordings: fanmail.ConsentWordings, Current: fanmail.ConsentWordingVersion}
	if err != nil {
		p.Error, p.ErrorField = fanmail.ErrorMessage(err), fanmail.ErrorField(err)
	}
	return h.render(w, r, status, "privacy_settings", trTitle(r, "Privacy"), p)
}

func (h *Handler) savePrivacySettings(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fanmail.Errorf(fanmail.EINVALID, "The form could not be read.")
	}
	o := fanmail.PrivacyOfficer{Name: r.PostForm.Get("officer_name"), Title: r.PostForm.Get("officer_title"),
		Email: r.PostForm.Get("officer_email"), Phone: r.PostForm.Get("officer_phone")}
	err := h.Privacy.SetOfficer(r.Context(), o)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		return h.renderPrivacySettings(w, r, http.StatusUnprocessableEntity, o, err)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/settings/privacy?flash="+url.QueryEscape("Saved."), http.StatusSeeOther)
	return nil
}

// consentWordingsPage lists every version of every consent text.
type consentWordingsPage struct {
	Wordings []fanmail.ConsentWording
	Current  string
}

func (h *Handler) consentWordings(w http.ResponseWriter, r *http.Request) error {
	p := consentWordingsPage{Wordings: fanmail.ConsentWordings, Current: fanmail.ConsentWordingVersion}
	return h.render(w, r, http.StatusOK, "consent_wordings", trTitle(r, "Consent wordings"), p)
}
