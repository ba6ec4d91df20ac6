package admin

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/web"
)

// questionKind is a kind staff pick from, with its English label.
type questionKind struct{ Value, Label string }

var allKinds = []questionKind{
	{fanmail.QuestionSingle, "Single choice"},
	{fanmail.QuestionMulti, "Multiple choice"},
	{fanmail.QuestionScale, "Scale"},
	{fanmail.QuestionNPS, "Recommendation (NPS, 0–10)"},
	{fanmail.QuestionText, "Free text"},
}

// kindsFor returns the kinds the survey with key takes: the profile
// survey's answers have no numbers.
func kindsFor(key string) []questionKind {
	if key != fanmail.SurveyProfile {
		return allKinds
	}
	var out []questionKind
	for _, k := range allKinds {
		if k.Value != fanmail.QuestionScale && k.Value != fanmail.QuestionNPS {
			out = append(out, k)
		}
	}
	return out
}

// questionFields fill the question form shared by the survey page (new
// question) and the question page (admin/templates/_survey.html).
type questionFields struct {
	Lang     string
	Question fanmail.Question
	Kinds    []questionKind
	IsNew    bool
	Err      error
}

// ErrorFor returns the untranslated error message when it is about field.
func (f questionFields) ErrorFor(field string) string { return surveyErrorFor(f.Err, field) }

// Message returns the untranslated message of the form's error, or "".
func (f questionFields) Message() string { return surveyErrorMessage(f.Err) }

// OffersScale reports whether the form offers scale questions.
func (f questionFields) OffersScale() bool {
	return slices.ContainsFunc(f.Kinds, func(k questionKind) bool { return k.Value == fanmail.QuestionScale })
}

// KindLabel returns the English name of kind.
func (questionFields) KindLabel(kind string) string {
	for _, k := range allKinds {
		if k.Value == kind {
			return k.Label
		}
	}
	return kind
}

// questionPage is one question and its options (question.html).
type questionPage struct {
	Survey    fanmail.Survey
	Question  fanmail.Question
	Fields    questionFields
	Groups    []store.PreferenceGroup
	Err       error
	ErrOption int64 // the option the error is about; -1 for the new-option form
}

// OptionError returns the untranslated message of an error about option id
// (-1: the new option).
func (p questionPage) OptionError(id int64) string {
	if p.ErrOption != id {
		return ""
	}
	return surveyErrorMessage(p.Err)
}

// BrandName returns the name of brand id among the groups, or "".
func (p questionPage) BrandName(id int64) string { return brandName(p.Groups, id) }

// questionFromForm reads the question fields of the editor's forms.
func questionFromForm(r *http.Request) fanmail.Question {
	num := func(name string) int {
		n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
		return n
	}
	return fanmail.Question{
		Key:        strings.TrimSpace(r.PostFormValue("key")),
		Kind:       r.PostFormValue("kind"),
		LabelKo:    r.PostFormValue("label_ko"),
		LabelEn:    r.PostFormValue("label_en"),
		Required:   r.PostFormValue("required") == "1",
		MaxChoices: num("max_choices"),
		AllowOther: r.PostFormValue("allow_other") == "1",
		ScaleMin:   num("scale_min"),
		ScaleMax:   num("scale_max"),
		MinLabelKo: r.PostFormValue("min_label_ko"),
		MinLabelEn: r.PostFormValue("min_label_en"),
		MaxLabelKo: r.PostFormValue("max_label_ko"),
		MaxLabelEn: r.PostFormValue("max_label_en"),
	}
}

func (h *Handler) questionPage(w http.ResponseWriter, r *http.Request, status int, q fanmail.Question, err error, errOption int64) error {
	sv, serr := h.Surveys.SurveyByKey(r.Context(), q.Survey)
	if serr != nil {
		return serr
	}
	groups, gerr := h.Members.BrandGroups(r.Context())
	if gerr != nil {
		return gerr
	}
	page := questionPage{Survey: sv, Question: q, Groups: groups, Err: err, ErrOption: errOption,
		Fields: questionFields{Lang: web.Lang(r), Question: q, Kinds: kindsFor(sv.Key)}}
	if errOption == 0 {
		page.Fields.Err = err
	}
	return h.render(w, r, status, "question", trTitle(r, "Edit question"), page)
}

func (h *Handler) loadQuestion(r *http.Request) (fanmail.Question, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return fanmail.Question{}, err
	}
	return h.Surveys.Question(r.Context(), id)
}

func (h *Handler) questionForm(w http.ResponseWriter, r *http.Request) error {
	q, err := h.loadQuestion(r)
	if err != nil {
		return err
	}
	return h.questionPage(w, r, http.StatusOK, q, nil, 0)
}

func (h *Handler) updateQuestion(w http.ResponseWriter, r *http.Request) error {
	q, err := h.loadQuestion(r)
	if err != nil {
		return err
	}
	in := questionFromForm(r)
	in.ID, in.Survey, in.Key, in.Active, in.Options = q.ID, q.Survey, q.Key, q.Active, q.Options
	err = h.Surveys.UpdateQuestion(r.Context(), in)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		return h.questionPage(w, r, http.StatusUnprocessableEntity, in, err, 0)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/questions/%d?flash=Saved.", q.ID), http.StatusSeeOther)
	return nil
}

// backToSurvey redirects to the survey page of question q with flash.
func (h *Handler) backToSurvey(w http.ResponseWriter, r *http.Request, q fanmail.Question, flash string) error {
	sv, err := h.Surveys.SurveyByKey(r.Context(), q.Survey)
	if err != nil {
		return err
	}
	u := fmt.Sprintf("/admin/surveys/%d", sv.ID)
	if flash != "" {
		u += "?flash=" + strings.ReplaceAll(flash, " ", "+")
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
	return nil
}

func surveyMoveDelta(r *http.Request) int {
	if r.PostFormValue("dir") == "up" {
		return -1
	}
	return 1
}

func (h *Handler) moveQuestion(w http.ResponseWriter, r *http.Request) error {
	q, err := h.loadQuestion(r)
	if err != nil {
		return err
	}
	if err := h.Surveys.MoveQuestion(r.Context(), q.ID, surveyMoveDelta(r)); err != nil {
		return err
	}
	return h.backToSurvey(w, r, q, "")
}

func (h *Handler) setQuestionActive(w http.ResponseWriter, r *http.Request) error {
	q, err := h.loadQuestion(r)
	if err != nil {
		return err
	}
	active := r.PostFormValue("active") == "1"
	if err := h.Surveys.SetQuestionActive(r.Context(), q.ID, active); err != nil {
		return err
	}
	flash := "Question hidden from the forms."
	if active {
		flash = "Question shown on the forms."
	}
	return h.backToSurvey(w, r, q, flash)
}

// optionFromForm reads an option's fields.
func optionFromForm(r *http.Request, questionID int64) fanmail.QuestionOption {
	brand, _ := strconv.ParseInt(r.PostFormValue("brand_id"), 10, 64)
	return fanmail.QuestionOption{
		QuestionID: questionID,
		Value:      strings.TrimSpace(r.PostFormValue("value")),
		LabelKo:    strings.TrimSpace(r.PostFormValue("label_ko")),
		LabelEn:    strings.TrimSpace(r.PostFormValue("label_en")),
		BrandID:    brand,
	}
}

func (h *Handler) addOption(w http.ResponseWriter, r *http.Request) error {
	q, err := h.loadQuestion(r)
	if err != nil {
		return err
	}
	_, err = h.Surveys.AddOption(r.Context(), optionFromForm(r, q.ID))
	if code := fanmail.ErrorCode(err); code == fanmail.EINVALID || code == fanmail.ECONFLICT {
		return h.questionPage(w, r, web.StatusOf(err), q, err, -1)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/questions/%d?flash=Option+added.", q.ID), http.StatusSeeOther)
	return nil
}

func (h *Handler) optionIDs(r *http.Request) (qid, oid int64, err error) {
	if qid, err = web.PathID(r, "id"); err != nil {
		return 0, 0, err
	}
	oid, err = web.PathID(r, "oid")
	return qid, oid, err
}

// optionFailed shows question qid again with err about option oid.
func (h *Handler) optionFailed(w http.ResponseWriter, r *http.Request, qid, oid int64, err error) error {
	q, qerr := h.Surveys.Question(r.Context(), qid)
	if qerr != nil {
		return qerr
	}
	return h.questionPage(w, r, web.StatusOf(err), q, err, oid)
}

func (h *Handler) updateOption(w http.ResponseWriter, r *http.Request) error {
	qid, oid, err := h.optionIDs(r)
	if err != nil {
		return err
	}
	o := optionFromForm(r, qid)
	o.ID = oid
	err = h.Surveys.UpdateOption(r.Context(), o)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		return h.optionFailed(w, r, qid, oid, err)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/questions/%d?flash=Saved.", qid), http.StatusSeeOther)
	return nil
}

func (h *Handler) deleteOption(w http.ResponseWriter, r *http.Request) error {
	qid, oid, err := h.optionIDs(r)
	if err != nil {
		return err
	}
	err = h.Surveys.DeleteOption(r.Context(), qid, oid)
	if fanmail.ErrorCode(err) == fanmail.ECONFLICT {
		return h.optionFailed(w, r, qid, oid, err)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/questions/%d?flash=Option+removed.", qid), http.StatusSeeOther)
	return nil
}

func (h *Handler) moveOption(w http.ResponseWriter, r *http.Request) error {
	qid, oid, err := h.optionIDs(r)
	if err != nil {
		return err
	}
	if err := h.Surveys.MoveOption(r.Context(), qid, oid, surveyMoveDelta(r)); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/questions/%d", qid), http.StatusSeeOther)
	return nil
}
