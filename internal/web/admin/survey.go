package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/survey"
	"github.com/fanmail/fanmail/internal/web"
)

// surveyRoutes serves the survey editor: surveys (the profile survey, the
// deep brand survey, brands' own surveys) and their questions are data that
// staff add, edit, hide and reorder; and each survey's results.
func (h *Handler) surveyRoutes(mux *http.ServeMux) {
	p := fanmail.PermManageSurveys
	mux.Handle("GET /admin/survey", h.page(p, h.profileSurvey))
	mux.Handle("GET /admin/surveys", h.page(p, h.listSurveys))
	mux.Handle("POST /admin/surveys", h.page(p, h.createSurvey))
	mux.Handle("GET /admin/surveys/{id}", h.page(p, h.showSurvey))
	mux.Handle("POST /admin/surveys/{id}", h.page(p, h.updateSurvey))
	mux.Handle("POST /admin/surveys/{id}/questions", h.page(p, h.createQuestion))
	mux.Handle("GET /admin/surveys/{id}/results", h.page(p, h.surveyResults))
	mux.Handle("GET /admin/questions/{id}", h.page(p, h.questionForm))
	mux.Handle("POST /admin/questions/{id}", h.page(p, h.updateQuestion))
	mux.Handle("POST /admin/questions/{id}/move", h.page(p, h.moveQuestion))
	mux.Handle("POST /admin/questions/{id}/active", h.page(p, h.setQuestionActive))
	mux.Handle("POST /admin/questions/{id}/options", h.page(p, h.addOption))
	mux.Handle("POST /admin/questions/{id}/options/{oid}", h.page(p, h.updateOption))
	mux.Handle("POST /admin/questions/{id}/options/{oid}/delete", h.page(p, h.deleteOption))
	mux.Handle("POST /admin/questions/{id}/options/{oid}/move", h.page(p, h.moveOption))
}

// surveyFields fill the survey form of the list (new) and survey pages.
type surveyFields struct {
	Lang   string
	Survey fanmail.Survey
	Groups []store.PreferenceGroup // brands to pick from
	IsNew  bool
	Err    error
}

// ErrorFor returns the untranslated error message when it is about field.
func (f surveyFields) ErrorFor(field string) string { return surveyErrorFor(f.Err, field) }

// Message returns the untranslated message of the form's error, or "".
func (f surveyFields) Message() string { return surveyErrorMessage(f.Err) }

// IsProfile reports whether the form edits the profile survey, which is
// always active, about no brand and promises no chips.
func (f surveyFields) IsProfile() bool { return f.Survey.Key == fanmail.SurveyProfile }

// surveysPage lists the surveys with a new-survey form (surveys.html).
type surveysPage struct {
	Surveys []fanmail.Survey
	Fields  surveyFields
}

// BrandName returns the name of brand id, or "".
func (p surveysPage) BrandName(id int64) string { return brandName(p.Fields.Groups, id) }

func brandName(groups []store.PreferenceGroup, id int64) string {
	for _, g := range groups {
		for _, b := range g.Brands {
			if b.ID == id {
				return b.Name
			}
		}
	}
	return ""
}

func surveyErrorFor(err error, field string) string {
	if err != nil && fanmail.ErrorField(err) == field {
		return fanmail.ErrorMessage(err)
	}
	return ""
}

func surveyErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	return fanmail.ErrorMessage(err)
}

// profileSurvey sends the old address of the profile survey editor to it.
func (h *Handler) profileSurvey(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.Surveys.SurveyByKey(r.Context(), fanmail.SurveyProfile)
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/surveys/%d", sv.ID), http.StatusSeeOther)
	return nil
}

func (h *Handler) surveysPage(w http.ResponseWriter, r *http.Request, status int, input fanmail.Survey, err error) error {
	ss, serr := h.Surveys.Surveys(r.Context())
	if serr != nil {
		return serr
	}
	groups, gerr := h.Members.BrandGroups(r.Context())
	if gerr != nil {
		return gerr
	}
	page := surveysPage{Surveys: ss, Fields: surveyFields{Lang: web.Lang(r), Survey: input, Groups: groups, IsNew: true, Err: err}}
	return h.render(w, r, status, "surveys", trTitle(r, "Surveys"), page)
}

func (h *Handler) listSurveys(w http.ResponseWriter, r *http.Request) error {
	return h.surveysPage(w, r, http.StatusOK, fanmail.Survey{Active: true}, nil)
}

// surveyFromForm reads the survey form.
func surveyFromForm(r *http.Request) fanmail.Survey {
	brand, _ := strconv.ParseInt(r.PostFormValue("brand_id"), 10, 64)
	chips, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("chip_reward")))
	return fanmail.Survey{
		Key:        strings.TrimSpace(r.PostFormValue("key")),
		BrandID:    brand,
		TitleKo:    r.PostFormValue("title_ko"),
		TitleEn:    r.PostFormValue("title_en"),
		IntroKo:    r.PostFormValue("intro_ko"),
		IntroEn:    r.PostFormValue("intro_en"),
		Active:     r.PostFormValue("active") == "1",
		ChipReward: chips,
	}
}

func (h *Handler) createSurvey(w http.ResponseWriter, r *http.Request) error {
	in := surveyFromForm(r)
	sv, err := h.Surveys.CreateSurvey(r.Context(), in)
	if code := fanmail.ErrorCode(err); code == fanmail.EINVALID || code == fanmail.ECONFLICT {
		return h.surveysPage(w, r, web.StatusOf(err), in, err)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/surveys/%d?flash=Survey+created.", sv.ID), http.StatusSeeOther)
	return nil
}

// surveyPage is one survey (survey.html): its settings, its questions and
// a new-question form.
type surveyPage struct {
	Survey    fanmail.Survey
	Questions []fanmail.Question
	Fields    surveyFields   // the settings form
	New       questionFields // the new-question form
}

func (h *Handler) loadSurvey(r *http.Request) (fanmail.Survey, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return fanmail.Survey{}, err
	}
	return h.Surveys.Survey(r.Context(), id)
}

// renderSurvey shows survey sv; fields is what the settings form shows and
// q what the new-question form shows, with err on the form it is about.
func (h *Handler) renderSurvey(w http.ResponseWriter, r *http.Request, status int, sv, fields fanmail.Survey, q fanmail.Question, settingsErr, questionErr error) error {
	qs, err := h.Surveys.Questions(r.Context(), sv.Key, false)
	if err != nil {
		return err
	}
	groups, err := h.Members.BrandGroups(r.Context())
	if err != nil {
		return err
	}
	fields.Key = sv.Key
	page := surveyPage{Survey: sv, Questions: qs,
		Fields: surveyFields{Lang: web.Lang(r), Survey: fields, Groups: groups, Err: settingsErr},
		New:    questionFields{Lang: web.Lang(r), Question: q, Kinds: kindsFor(sv.Key), IsNew: true, Err: questionErr}}
	return h.render(w, r, status, "survey", pickTitle(r, sv), page)
}

// pickTitle is sv's title in the request's language.
func pickTitle(r *http.Request, sv fanmail.Survey) string {
	if web.Lang(r) == "en" && sv.TitleEn != "" {
		return sv.TitleEn
	}
	return sv.TitleKo
}

func (h *Handler) showSurvey(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.loadSurvey(r)
	if err != nil {
		return err
	}
	return h.renderSurvey(w, r, http.StatusOK, sv, sv, fanmail.Question{Kind: fanmail.QuestionSingle}, nil, nil)
}

func (h *Handler) updateSurvey(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.loadSurvey(r)
	if err != nil {
		return err
	}
	in := surveyFromForm(r)
	in.ID = sv.ID
	err = h.Surveys.UpdateSurvey(r.Context(), in)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		return h.renderSurvey(w, r, http.StatusUnprocessableEntity, sv, in, fanmail.Question{Kind: fanmail.QuestionSingle}, err, nil)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/surveys/%d?flash=Saved.", sv.ID), http.StatusSeeOther)
	return nil
}

func (h *Handler) createQuestion(w http.ResponseWriter, r *http.Request) error {
	sv, err := h.loadSurvey(r)
	if err != nil {
		return err
	}
	q := questionFromForm(r)
	q.Survey = sv.Key
	id, err := h.Surveys.CreateQuestion(r.Context(), q)
	if code := fanmail.ErrorCode(err); code == fanmail.EINVALID || code == fanmail.ECONFLICT {
		return h.renderSurvey(w, r, web.StatusOf(err), sv, sv, q, nil, err)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/questions/%d?flash=Question+added.", id), http.StatusSeeOther)
	return nil
}

// resultsPage is a survey's results (survey_results.html).
type resultsPage struct {
	survey.Summary
}

// GenderLabel returns the English name of a gender column.
func (resultsPage) GenderLabel(g string) string { return fanmail.GenderLabel(g) }

// RowLabel returns what answer row r stands for, in lang.
func (resultsPage) RowLabel(lang string, r survey.SummaryRow) string {
	switch {
	case r.Number != nil:
		return strconv.Itoa(*r.Number)
	case r.Other:
		return i18n.T(lang, "Other (please explain)")
	case lang == "en" && r.LabelEn != "":
		return r.LabelEn
	}
	return r.LabelKo
}

func (h *Handler) surveyResults(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	sum, err := h.Surveys.Summary(r.Context(), id)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "survey_results", pickTitle(r, sum.Survey), resultsPage{Summary: sum})
}
