package admin

import (
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/throttle"
	"github.com/fanmail/fanmail/internal/web"
)

func (h *Handler) authRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/login", h.public(h.loginForm))
	mux.Handle("POST /admin/login", h.public(h.login))
	mux.Handle("POST /admin/login/mail", h.public(h.requestLink))
	mux.Handle("GET /admin/login/link", h.public(h.signInLinkForm))
	mux.Handle("POST /admin/login/link", h.public(h.signInWithLink))
	mux.Handle("POST /admin/logout", h.public(h.logout))
	mux.Handle("GET /admin/{$}", h.page("", h.dashboard))
}

// loginPage is the sign-in form and, below it, the form asking for a
// mailed sign-in link; Error and LinkError are English message keys.
type loginPage struct {
	Email     string
	Next      string
	Error     string
	LinkError string
	Locked    bool // the account's password sign-in is locked: offer the link
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "login", trTitle(r, "Sign in"), loginPage{Next: safeNext(r.URL.Query().Get("next"))})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fanmail.Errorf(fanmail.EINVALID, "The form could not be read.")
	}
	form := loginPage{Email: strings.TrimSpace(r.PostForm.Get("email")), Next: safeNext(r.PostForm.Get("next"))}
	u, err := h.Staff.Authenticate(r.Context(), web.ClientIP(r), form.Email, r.PostForm.Get("password"))
	if code := fanmail.ErrorCode(err); code == fanmail.EUNAUTHORIZED || code == fanmail.ETOOMANY {
		form.Error, form.Locked = fanmail.ErrorMessage(err), errors.Is(err, throttle.ErrAccountLocked)
		return h.render(w, r, web.StatusOf(err), "login", trTitle(r, "Sign in"), form)
	}
	if err != nil {
		return err
	}
	if _, err := h.Sessions.Start(w, r, u.ID, 0, web.Lang(r)); err != nil {
		return err
	}
	next := form.Next
	if next == "" {
		next = homeOf(u)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// linkSentFlash is shown after a sign-in link was asked for, whether or not
// one was sent.
const linkSentFlash = "If this address belongs to a staff account, we just mailed a sign-in link to it. The link works once and only for a short time."

// requestLink mails a sign-in link (the way in when the password sign-in is
// locked) and answers the same whether or not the address is staff's.
func (h *Handler) requestLink(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fanmail.Errorf(fanmail.EINVALID, "The form could not be read.")
	}
	form := loginPage{Email: strings.TrimSpace(r.PostForm.Get("email"))}
	err := h.Staff.RequestSignInLink(r.Context(), web.ClientIP(r), form.Email)
	if code := fanmail.ErrorCode(err); code == fanmail.EINVALID || code == fanmail.EUNAVAILABLE {
		form.LinkError = fanmail.ErrorMessage(err)
		return h.render(w, r, web.StatusOf(err), "login", trTitle(r, "Sign in"), form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/login?flash="+url.QueryEscape(linkSentFlash), http.StatusSeeOther)
	return nil
}

// signInLinkForm shows a button instead of signing in at once: mail
// scanners that open links must not use them up.
func (h *Handler) signInLinkForm(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	u, err := h.Staff.CheckSignInLink(r.Context(), token)
	if err != nil {
		return h.linkError(w, r, err)
	}
	return h.render(w, r, http.StatusOK, "login_link", trTitle(r, "Sign in"), web.SignInLinkPage{Token: token, Name: u.Name})
}

func (h *Handler) signInWithLink(w http.ResponseWriter, r *http.Request) error {
	u, err := h.Staff.SignInWithLink(r.Context(), r.PostFormValue("token"))
	if err != nil {
		return h.linkError(w, r, err)
	}
	if _, err := h.Sessions.Start(w, r, u.ID, 0, web.Lang(r)); err != nil {
		return err
	}
	http.Redirect(w, r, homeOf(u), http.StatusSeeOther)
	return nil
}

func (h *Handler) linkError(w http.ResponseWriter, r *http.Request, err error) error {
	switch fanmail.ErrorCode(err) {
	case fanmail.EINVALID, fanmail.EEXPIRED:
		return h.render(w, r, web.StatusOf(err), "login_link", trTitle(r, "Sign in"), web.SignInLinkPage{Error: fanmail.ErrorMessage(err)})
	}
	return err
}

// trTitle translates a page title into the request's language.
func trTitle(r *http.Request, title string) string { return i18n.T(web.Lang(r), title) }

// homeOf is where a user lands after signing in: shop staff work at the shop
// terminal, everyone else starts on the dashboard.
func homeOf(u fanmail.User) string {
	if u.Role == fanmail.RoleShopStaff {
		return "/admin/shop"
	}
	return "/admin/"
}

// safeNext returns next if it is a local path under /admin/, else "": the
// sign-in form must not redirect to another site.
func safeNext(next string) string {
	if next == "" || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	clean := path.Clean(u.Path)
	if clean != u.Path && clean+"/" != u.Path {
		return ""
	}
	if !strings.HasPrefix(u.Path, "/admin/") || strings.HasPrefix(u.Path, "/admin/login") || strings.HasPrefix(u.Path, "/admin/logout") {
		return ""
	}
	return next
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if err := h.Sessions.End(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
	return nil
}

// dashboardPage shows the size of the member base and the catalogue.
type dashboardPage struct {
	Overview staff.Overview
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	if home := homeOf(u); home != "/admin/" {
		http.Redirect(w, r, home, http.StatusSeeOther)
		return nil
	}
	o, err := h.Staff.Overview(r.Context())
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "dashboard", trTitle(r, "Dashboard"), dashboardPage{Overview: o})
}
