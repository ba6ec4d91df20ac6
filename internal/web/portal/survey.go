package portal

import (
	"net/http"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/survey"
	"github.com/fanmail/fanmail/internal/web"
)

// surveyRoutes serves the answer pages of mailed survey invitations. The
// signed token in the path is the member's key: no sign-in is needed.
func (h *Handler) surveyRoutes(mux *http.ServeMux) {
	mux.Handle("GET /s/{token}", h.optionalMember(h.surveyForm))
	mux.Handle("POST /s/{token}", h.optionalMember(h.submitSurvey))
	mux.Handle("GET /s/{token}/thanks", h.optionalMember(h.surveyThanks))
}

// surveyPage is an invitation's answer page (survey.html) or its thanks
// page (survey_thanks.html); Error is an English message key when the link
// cannot be used.
type surveyPage struct {
	survey.Page
	Token string
	Error string
}

// surveyLang answers in the member's language unless the visitor picked one.
func surveyLang(r *http.Request, p survey.Page) *http.Request {
	if r.URL.Query().Get("lang") != "" {
		return r
	}
	return inLang(r, p.Lang)
}

// surveyForm shows the survey, with the answer picked in the mail (?q=&a=)
// checked. It records nothing: a mail scanner following every link of the
// mail answers nothing; the member's press of the button does.
func (h *Handler) surveyForm(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	p, err := h.Surveys.Page(r.Context(), token)
	r = surveyLang(r, p)
	if err != nil {
		return h.surveyLinkError(w, r, err)
	}
	if q := r.URL.Query(); q.Has("q") {
		p.Prefill(q.Get("q"), q.Get("a"))
	}
	return h.render(w, r, http.StatusOK, "survey", titleOf(r, p.Survey), surveyPage{Page: p, Token: token})
}

// submitSurvey records the answers and goes to the thanks page; refused
// answers come back with what was picked and the reasons.
func (h *Handler) submitSurvey(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	p, err := h.Surveys.Page(r.Context(), token)
	r = surveyLang(r, p)
	if err != nil {
		return h.surveyLinkError(w, r, err)
	}
	if err := r.ParseForm(); err != nil {
		return fanmail.Errorf(fanmail.EINVALID, "The form could not be read.")
	}
	answers := p.AnswersFromForm(r.PostForm)
	_, err = h.Surveys.Submit(r.Context(), p, answers)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		p.Answers, p.Err = answers, err
		return h.render(w, r, http.StatusUnprocessableEntity, "survey", titleOf(r, p.Survey), surveyPage{Page: p, Token: token})
	}
	if err != nil {
		return h.surveyLinkError(w, r, err)
	}
	http.Redirect(w, r, "/s/"+token+"/thanks?lang="+web.Lang(r), http.StatusSeeOther)
	return nil
}

func (h *Handler) surveyThanks(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	p, err := h.Surveys.Thanks(r.Context(), token)
	r = surveyLang(r, p)
	if err != nil {
		return h.surveyLinkError(w, r, err)
	}
	if !p.Answered() {
		http.Redirect(w, r, "/s/"+token, http.StatusSeeOther)
		return nil
	}
	return h.render(w, r, http.StatusOK, "survey_thanks", tr(r, "Thank you!"), surveyPage{Page: p, Token: token})
}

// surveyLinkError shows why a survey link cannot be used: 400 for a forged
// or garbled one, 410 for one used, expired or closed.
func (h *Handler) surveyLinkError(w http.ResponseWriter, r *http.Request, err error) error {
	status := http.StatusBadRequest
	switch fanmail.ErrorCode(err) {
	case fanmail.EEXPIRED:
		status = http.StatusGone
	case fanmail.EINVALID, fanmail.ENOTFOUND:
	default:
		return err
	}
	page := surveyPage{Error: fanmail.ErrorMessage(err)}
	return h.render(w, r, status, "survey", tr(r, "This link cannot be used"), page)
}

// titleOf is the survey's title in the request's language.
func titleOf(r *http.Request, sv fanmail.Survey) string {
	if web.Lang(r) == "en" && sv.TitleEn != "" {
		return sv.TitleEn
	}
	return sv.TitleKo
}
