package portal

import (
	"net/http"
	"net/url"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/web"
)

// memberRoutes serves registration, confirmation, sign-in and the portal.
func (h *Handler) memberRoutes(mux *http.ServeMux) {
	mux.Handle("GET /join", h.optionalMember(h.joinForm))
	mux.Handle("POST /join", h.optionalMember(h.join))
	mux.Handle("GET /join/done", h.optionalMember(h.joinDone))
	mux.Handle("GET /confirm", h.optionalMember(h.confirmForm))
	mux.Handle("POST /confirm", h.optionalMember(h.confirm))

	mux.Handle("GET /login", h.optionalMember(h.loginForm))
	mux.Handle("POST /login", h.optionalMember(h.requestLink))
	mux.Handle("POST /login/password", h.optionalMember(h.loginPassword))
	mux.Handle("GET /login/sent", h.optionalMember(h.loginSent))
	mux.Handle("GET /login/link", h.optionalMember(h.signInLinkForm))
	mux.Handle("POST /login/link", h.optionalMember(h.signInWithLink))
	mux.Handle("POST /logout", h.public(h.logout))

	mux.Handle("GET /portal", h.portalPage(h.portalHome))
	mux.Handle("GET /portal/profile", h.portalPage(h.profileForm))
	mux.Handle("POST /portal/profile", h.portalPage(h.updateProfile))
	mux.Handle("GET /portal/brands", h.portalPage(h.brandsForm))
	mux.Handle("POST /portal/brands", h.portalPage(h.updateBrands))
	mux.Handle("GET /portal/consents", h.portalPage(h.consentsPage))
	mux.Handle("POST /portal/consents/{purpose}", h.portalPage(h.setConsent))
	mux.Handle("GET /portal/password", h.portalPage(h.passwordForm))
	mux.Handle("POST /portal/password", h.portalPage(h.setPassword))
}

// tr translates a page title or message into the request's language.
func tr(r *http.Request, msg string) string { return i18n.T(web.Lang(r), msg) }

// formPage is one of the pages with the registration form parts (all in
// join.html): Mode "join", "profile" (portal profile) or "brands" (portal
// brands).
type formPage struct {
	Mode string
	Form member.Form
	// NoChipMail (mode "brands"): the member has not agreed to advertising
	// by e-mail, so picking a brand mails no chip; the page says so.
	NoChipMail bool
}

func (h *Handler) newForm(r *http.Request, input member.Registration, err error) (member.Form, error) {
	qs, qerr := h.Members.ProfileQuestions(r.Context())
	if qerr != nil {
		return member.Form{}, qerr
	}
	groups, gerr := h.Members.BrandGroups(r.Context())
	if gerr != nil {
		return member.Form{}, gerr
	}
	return member.Form{Questions: qs, Groups: groups, Input: input, Err: err}, nil
}

func (h *Handler) joinForm(w http.ResponseWriter, r *http.Request) error {
	if currentMember(r).ID != 0 {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return nil
	}
	form, err := h.newForm(r, member.Registration{Lang: web.Lang(r)}, nil)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "join", tr(r, "Join"), formPage{Mode: "join", Form: form})
}

func (h *Handler) join(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fanmail.Errorf(fanmail.EINVALID, "The form could not be read.")
	}
	reg := member.RegistrationFromForm(r.PostForm)
	reg.Source, reg.IP = fanmail.SourceWeb, web.ClientIP(r)
	if reg.Lang == "" {
		reg.Lang = web.Lang(r)
	}
	m, err := h.Members.Register(r.Context(), reg)
	if code := fanmail.ErrorCode(err); code == fanmail.EINVALID || code == fanmail.ECONFLICT {
		form, ferr := h.newForm(r, reg, err)
		if ferr != nil {
			return ferr
		}
		return h.render(w, r, web.StatusOf(err), "join", tr(r, "Join"), formPage{Mode: "join", Form: form})
	}
	if err != nil {
		return err
	}
	q := url.Values{"lang": {m.Lang}}
	if !h.Members.MailConfigured() {
		q.Set("nomail", "1")
	}
	http.Redirect(w, r, "/join/done?"+q.Encode(), http.StatusSeeOther)
	return nil
}

// joinDonePage tells a new member to look for the confirmation mail.
type joinDonePage struct {
	MailConfigured bool
}

func (h *Handler) joinDone(w http.ResponseWriter, r *http.Request) error {
	page := joinDonePage{MailConfigured: r.URL.Query().Get("nomail") == ""}
	return h.render(w, r, http.StatusOK, "join_done", tr(r, "Almost done"), page)
}

// confirmPage is the page a confirmation link opens (Token set: one button
// confirms) and the answer to pressing it; Error is an English message key
// when the link cannot be used.
type confirmPage struct {
	Token   string
	Name    string
	Done    bool
	Error   string
	Expired bool
}

// confirmForm shows the confirmation button and changes nothing: a mail
// scanner that follows the link confirms nobody.
func (h *Handler) confirmForm(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	m, err := h.Members.CheckConfirmLink(r.Context(), token)
	r = inLang(r, m.Lang)
	if err != nil {
		return h.confirmError(w, r, err)
	}
	return h.render(w, r, http.StatusOK, "confirm", tr(r, "Confirm your e-mail address"), confirmPage{Token: token, Name: m.Name})
}

func (h *Handler) confirm(w http.ResponseWriter, r *http.Request) error {
	from := fanmail.OptInConfirmation{IP: web.ClientIP(r), UserAgent: r.UserAgent()}
	m, err := h.Members.Confirm(r.Context(), r.PostFormValue("token"), from)
	r = inLang(r, m.Lang)
	if err != nil {
		return h.confirmError(w, r, err)
	}
	return h.render(w, r, http.StatusOK, "confirm", tr(r, "E-mail address confirmed"), confirmPage{Done: true})
}

func (h *Handler) confirmError(w http.ResponseWriter, r *http.Request, err error) error {
	switch fanmail.ErrorCode(err) {
	case fanmail.EINVALID, fanmail.EEXPIRED, fanmail.EFORBIDDEN:
		page := confirmPage{Error: fanmail.ErrorMessage(err), Expired: fanmail.ErrorCode(err) == fanmail.EEXPIRED}
		status := http.StatusBadRequest
		if page.Expired {
			status = http.StatusGone
		}
		return h.render(w, r, status, "confirm", tr(r, "Confirmation link"), page)
	}
	return err
}

// inLang returns r answering in lang (a member's language) unless lang is
// empty: pages about a mailed link speak the language of the mail.
func inLang(r *http.Request, lang string) *http.Request {
	if i18n.Normalize(lang) == "" {
		return r
	}
	r2 := r.Clone(r.Context())
	q := r2.URL.Query()
	q.Set("lang", lang)
	r2.URL.RawQuery = q.Encode()
	return r2
}
