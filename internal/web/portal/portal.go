package portal

import (
	"net/http"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/web"
)

// signedIn returns the member of the request's session, or EUNAUTHORIZED.
// Deactivated members have no sessions (Deactivate ends them), but a member
// deactivated by other means is refused here too.
func (h *Handler) signedIn(r *http.Request) (fanmail.Member, error) {
	sess, err := h.Sessions.Load(r)
	if err != nil {
		return fanmail.Member{}, err
	}
	if sess.MemberID == 0 {
		return fanmail.Member{}, fanmail.Errorf(fanmail.EUNAUTHORIZED, "You must sign in.")
	}
	m, err := h.Members.MemberByID(r.Context(), sess.MemberID)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND || (err == nil && m.Status == fanmail.MemberInactive) {
		return fanmail.Member{}, fanmail.Errorf(fanmail.EUNAUTHORIZED, "You must sign in.")
	}
	if err != nil {
		return m, err
	}
	// A page is served whether or not the visit could be counted.
	if err := h.Members.RecordVisit(r.Context(), m); err != nil {
		h.Logger.Warn("member visit not counted", "member_id", m.ID, "err", err)
	}
	return m, nil
}

// portalPage adapts fn so it runs only for a signed-in member, who is in the
// request context.
func (h *Handler) portalPage(fn web.HandlerFunc) http.Handler {
	return h.public(func(w http.ResponseWriter, r *http.Request) error {
		m, err := h.signedIn(r)
		if err != nil {
			return err
		}
		return fn(w, r.WithContext(withMember(r.Context(), m)))
	})
}

// optionalMember adapts a public fn and puts the signed-in member, if any,
// in the request context (for the menu).
func (h *Handler) optionalMember(fn web.HandlerFunc) http.Handler {
	return h.public(func(w http.ResponseWriter, r *http.Request) error {
		if m, err := h.signedIn(r); err == nil {
			r = r.WithContext(withMember(r.Context(), m))
		}
		return fn(w, r)
	})
}

// loginPage offers both ways in: a mailed link, or the password.
type loginPage struct {
	Email string
	Error string // English message key
	Field string // "email" or "password": which form the error is about
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) error {
	if currentMember(r).ID != 0 {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return nil
	}
	return h.render(w, r, http.StatusOK, "login", tr(r, "Sign in"), loginPage{})
}

func (h *Handler) requestLink(w http.ResponseWriter, r *http.Request) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	err := h.Members.RequestSignIn(r.Context(), web.ClientIP(r), email)
	if code := fanmail.ErrorCode(err); code == fanmail.EINVALID || code == fanmail.EUNAVAILABLE {
		page := loginPage{Email: email, Error: fanmail.ErrorMessage(err), Field: "email"}
		return h.render(w, r, web.StatusOf(err), "login", tr(r, "Sign in"), page)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/login/sent", http.StatusSeeOther)
	return nil
}

func (h *Handler) loginSent(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "login_sent", tr(r, "Check your mail"), nil)
}

func (h *Handler) loginPassword(w http.ResponseWriter, r *http.Request) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	m, err := h.Members.SignInWithPassword(r.Context(), web.ClientIP(r), email, r.PostFormValue("password"))
	if code := fanmail.ErrorCode(err); code == fanmail.EUNAUTHORIZED || code == fanmail.EFORBIDDEN || code == fanmail.ETOOMANY {
		page := loginPage{Email: email, Error: fanmail.ErrorMessage(err), Field: "password"}
		return h.render(w, r, web.StatusOf(err), "login", tr(r, "Sign in"), page)
	}
	if err != nil {
		return err
	}
	return h.startSession(w, r, m)
}

// startSession signs m in and goes to the portal.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, m fanmail.Member) error {
	if _, err := h.Sessions.Start(w, r, 0, m.ID, m.Lang); err != nil {
		return err
	}
	http.Redirect(w, r, "/portal?lang="+m.Lang, http.StatusSeeOther)
	return nil
}

// signInLinkForm shows a button instead of signing in at once: mail
// scanners that open links must not use them up.
func (h *Handler) signInLinkForm(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	m, err := h.Members.CheckSignInLink(r.Context(), token)
	r = inLang(r, m.Lang)
	if err != nil {
		return h.linkError(w, r, err)
	}
	return h.render(w, r, http.StatusOK, "login_link", tr(r, "Sign in"), web.SignInLinkPage{Token: token, Name: m.Name})
}

func (h *Handler) signInWithLink(w http.ResponseWriter, r *http.Request) error {
	m, err := h.Members.SignInWithLink(r.Context(), r.PostFormValue("token"))
	if err != nil {
		return h.linkError(w, inLang(r, m.Lang), err)
	}
	return h.startSession(w, r, m)
}

func (h *Handler) linkError(w http.ResponseWriter, r *http.Request, err error) error {
	switch fanmail.ErrorCode(err) {
	case fanmail.EINVALID, fanmail.EEXPIRED, fanmail.EFORBIDDEN:
		status := http.StatusBadRequest
		if fanmail.ErrorCode(err) == fanmail.EEXPIRED {
			status = http.StatusGone
		}
		return h.render(w, r, status, "login_link", tr(r, "Sign in"), web.SignInLinkPage{Error: fanmail.ErrorMessage(err)})
	}
	return err
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if err := h.Sessions.End(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/?flash=You+are+signed+out.", http.StatusSeeOther)
	return nil
}

// portalHomePage shows the member's whole record.
type portalHomePage struct {
	labels
	Member      fanmail.Member
	Questions   []fanmail.Question
	Answers     member.Form // answers as a form, for Chose/Text lookups
	Groups      []store.PreferenceGroup
	Brands      []int64
	Consents    map[string]bool
	Purposes    []string
	HasPassword bool
}

func (h *Handler) portalHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m := currentMember(r)
	page := portalHomePage{Member: m, Purposes: fanmail.Purposes}
	var err error
	if page.Questions, err = h.Members.ProfileQuestions(ctx); err != nil {
		return err
	}
	answers, err := h.Members.Answers(ctx, m.ID)
	if err != nil {
		return err
	}
	page.Answers = member.Form{Input: member.Registration{Answers: answers}}
	if page.Groups, err = h.Members.BrandGroups(ctx); err != nil {
		return err
	}
	if page.Brands, err = h.Members.Brands(ctx, m.ID); err != nil {
		return err
	}
	if page.Consents, err = h.Members.CurrentConsents(ctx, m.ID); err != nil {
		return err
	}
	if page.HasPassword, err = h.Members.HasPassword(ctx, m.ID); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "portal", tr(r, "My page"), page)
}

// Chose reports whether the member's brands include id.
func (p portalHomePage) Chose(id int64) bool {
	for _, b := range p.Brands {
		if b == id {
			return true
		}
	}
	return false
}

func (h *Handler) profileInput(r *http.Request, m fanmail.Member) (member.Registration, error) {
	answers, err := h.Members.Answers(r.Context(), m.ID)
	return member.Registration{Name: m.Name, Phone: m.Phone, BirthYear: m.BirthYear, Gender: m.Gender,
		PostalCode: m.PostalCode, Address: m.Address, Lang: m.Lang, Answers: answers, Email: m.Email, Code: m.Code}, err
}

func (h *Handler) profileForm(w http.ResponseWriter, r *http.Request) error {
	input, err := h.profileInput(r, currentMember(r))
	if err != nil {
		return err
	}
	form, err := h.newForm(r, input, nil)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "join", tr(r, "My profile"), formPage{Mode: "profile", Form: form})
}

func (h *Handler) updateProfile(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fanmail.Errorf(fanmail.EINVALID, "The form could not be read.")
	}
	m := currentMember(r)
	u := member.ProfileFromForm(r.PostForm)
	answers := member.AnswersFromForm(r.PostForm)
	updated, err := h.Members.UpdateProfile(r.Context(), m.ID, u, answers)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		input := member.RegistrationFromForm(r.PostForm)
		input.Email, input.Code = m.Email, m.Code
		form, ferr := h.newForm(r, input, err)
		if ferr != nil {
			return ferr
		}
		return h.render(w, r, http.StatusUnprocessableEntity, "join", tr(r, "My profile"), formPage{Mode: "profile", Form: form})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/portal?flash=Your+profile+was+saved.&lang="+updated.Lang, http.StatusSeeOther)
	return nil
}

func (h *Handler) brandsForm(w http.ResponseWriter, r *http.Request) error {
	ids, err := h.Members.Brands(r.Context(), currentMember(r).ID)
	if err != nil {
		return err
	}
	form, err := h.newForm(r, member.Registration{BrandIDs: ids}, nil)
	if err != nil {
		return err
	}
	consent, err := h.Members.MarketingConsent(r.Context(), currentMember(r).ID)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "join", tr(r, "My brands"), formPage{Mode: "brands", Form: form, NoChipMail: !consent})
}

func (h *Handler) updateBrands(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fanmail.Errorf(fanmail.EINVALID, "The form could not be read.")
	}
	ids := member.BrandIDsFromForm(r.PostForm)
	err := h.Members.SetBrands(r.Context(), currentMember(r).ID, ids)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		form, ferr := h.newForm(r, member.Registration{BrandIDs: ids}, err)
		if ferr != nil {
			return ferr
		}
		return h.render(w, r, http.StatusUnprocessableEntity, "join", tr(r, "My brands"), formPage{Mode: "brands", Form: form})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/portal?flash=Your+brands+were+saved.", http.StatusSeeOther)
	return nil
}

// consentsPage lists each purpose with its current state and history.
type consentsPage struct {
	labels
	Purposes []string
	Current  map[string]bool
	History  []consentRow
	Error    string // English message key
}

// consentRow is one consent record and how it reads (see
// fanmail.ConsentDecisions).
type consentRow struct {
	fanmail.Consent
	Decision string
}

// Required reports whether purpose is needed for membership (no withdraw
// button).
func (consentsPage) Required(purpose string) bool {
	for _, p := range fanmail.RequiredPurposes {
		if p == purpose {
			return true
		}
	}
	return false
}

func (h *Handler) consents(r *http.Request) (consentsPage, error) {
	m := currentMember(r)
	cur, err := h.Members.CurrentConsents(r.Context(), m.ID)
	if err != nil {
		return consentsPage{}, err
	}
	hist, err := h.Members.Consents(r.Context(), m.ID)
	page := consentsPage{Purposes: fanmail.Purposes, Current: cur}
	for i, d := range fanmail.ConsentDecisions(hist) {
		page.History = append(page.History, consentRow{Consent: hist[i], Decision: d})
	}
	return page, err
}

func (h *Handler) consentsPage(w http.ResponseWriter, r *http.Request) error {
	page, err := h.consents(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "portal_consents", tr(r, "My consents"), page)
}

// setConsent grants or withdraws one purpose with one click (granted=1|0).
func (h *Handler) setConsent(w http.ResponseWriter, r *http.Request) error {
	granted := r.PostFormValue("granted") == "1"
	err := h.Members.SetConsent(r.Context(), currentMember(r).ID, r.PathValue("purpose"), granted, fanmail.SourcePortal, web.ClientIP(r))
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		page, perr := h.consents(r)
		if perr != nil {
			return perr
		}
		page.Error = fanmail.ErrorMessage(err)
		return h.render(w, r, http.StatusUnprocessableEntity, "portal_consents", tr(r, "My consents"), page)
	}
	if err != nil {
		return err
	}
	flash := "Your consent was recorded."
	if !granted {
		flash = "Your consent was withdrawn."
	}
	http.Redirect(w, r, "/portal/consents?flash="+strings.ReplaceAll(flash, " ", "+"), http.StatusSeeOther)
	return nil
}

// passwordPage sets the member's password.
type passwordPage struct {
	HasPassword bool
	Error       string // English message key
}

func (h *Handler) passwordForm(w http.ResponseWriter, r *http.Request) error {
	has, err := h.Members.HasPassword(r.Context(), currentMember(r).ID)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "portal_password", tr(r, "Password"), passwordPage{HasPassword: has})
}

func (h *Handler) setPassword(w http.ResponseWriter, r *http.Request) error {
	m := currentMember(r)
	pw := r.PostFormValue("password")
	var err error
	if pw != r.PostFormValue("password_again") {
		err = fanmail.FieldError("password_again", "The two passwords differ.")
	} else {
		err = h.Members.SetPassword(r.Context(), m.ID, pw)
	}
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		has, _ := h.Members.HasPassword(r.Context(), m.ID)
		page := passwordPage{HasPassword: has, Error: fanmail.ErrorMessage(err)}
		return h.render(w, r, http.StatusUnprocessableEntity, "portal_password", tr(r, "Password"), page)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/portal?flash=Your+password+was+saved.", http.StatusSeeOther)
	return nil
}

// labels gives page data English names (translated by the templates) for
// consent purposes and sources.
type labels struct{}

// PurposeLabel names a consent purpose.
func (labels) PurposeLabel(p string) string { return fanmail.PurposeLabel(p) }

// SourceLabel names where a consent was given.
func (labels) SourceLabel(s string) string { return fanmail.SourceLabel(s) }
