package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/web"
)

// surveyRoutes serves the profile survey editor: the registration questions
// are data that staff add, edit, deactivate and reorder.
func (h *Handler) surveyRoutes(mux *http.ServeMux) {
	p := fanmail.PermManageSurveys
	mux.Handle("GET /admin/survey", h.page(p, h.surveyList))
	mux.Handle("POST /admin/survey/questions", h.page(p, h.createQuestion))
	mux.Handle("GET /admin/survey/questions/{id}", h.page(p, h.questionForm))
	mux.Handle("POST /admin/survey/questions/{id}", h.page(p, h.updateQuestion))
	mux.Handle("POST /admin/survey/questions/{id}/move", h.page(p, h.moveQuestion))
	mux.Handle("POST /admin/survey/questions/{id}/active", h.page(p, h.setQuestionActive))
	mux.Handle("POST /admin/survey/questions/{id}/options", h.page(p, h.addOption))
	mux.Handle("POST /admin/survey/questions/{id}/options/{oid}", h.page(p, h.updateOption))
	mux.Handle("POST /admin/survey/questions/{id}/options/{oid}/delete", h.page(p, h.deleteOption))
	mux.Handle("POST /admin/survey/questions/{id}/options/{oid}/move", h.page(p, h.moveOption))
}

// questionKinds are the kinds staff pick from, with English labels.
var questionKinds = []struct{ Value, Label string }{
	{fanmail.QuestionSingle, "Single choice"},
	{fanmail.QuestionMulti, "Multiple choice"},
	{fanmail.QuestionText, "Free text"},
}

// questionFields fill the question form shared by the new-question and
// edit-question pages (admin/templates/_survey.html).
type questionFields struct {
	Question fanmail.Question
	Kinds    []struct{ Value, Label string }
	IsNew    bool
	Err      error
}

// ErrorFor returns the untranslated error message when it is about field.
func (f questionFields) ErrorFor(field string) string { return surveyErrorFor(f.Err, field) }

// surveyPage is the survey editor (survey.html): the question list with a
// new-question form, or, when Question is set, one question and its options.
type surveyPage struct {
	Questions []fanmail.Question
	Question  fanmail.Question
	Fields    questionFields // the question form, with what was typed
	Groups    []store.PreferenceGroup
	Err       error
	ErrOption int64 // the option the error is about; -1 for the new-option form
}

// Editing reports whether the page edits one question.
func (p surveyPage) Editing() bool { return p.Question.ID != 0 }

// Message returns the untranslated message of an error that is not about an
// option, or "".
func (p surveyPage) Message() string {
	if p.ErrOption != 0 {
		return ""
	}
	return surveyErrorMessage(p.Err)
}

// OptionError returns the untranslated message of an error about option id
// (-1: the new option).
func (p surveyPage) OptionError(id int64) string {
	if p.ErrOption != id {
		return ""
	}
	return surveyErrorMessage(p.Err)
}

// BrandName returns the name of brand id among the groups, or "".
func (p surveyPage) BrandName(id int64) string {
	for _, g := range p.Groups {
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

func (h *Handler) surveyListPage(w http.ResponseWriter, r *http.Request, status int, input fanmail.Question, err error) error {
	qs, qerr := h.Members.AllProfileQuestions(r.Context())
	if qerr != nil {
		return qerr
	}
	page := surveyPage{Questions: qs, Fields: questionFields{Question: input, Kinds: questionKinds, IsNew: true, Err: err}, Err: err}
	return h.render(w, r, status, "survey", trTitle(r, "Profile survey"), page)
}

func (h *Handler) surveyList(w http.ResponseWriter, r *http.Request) error {
	return h.surveyListPage(w, r, http.StatusOK, fanmail.Question{Kind: fanmail.QuestionSingle}, nil)
}

// questionFromForm reads the question fields of the editor's forms.
func questionFromForm(r *http.Request) fanmail.Question {
	maxChoices, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("max_choices")))
	return fanmail.Question{
		Key:        strings.TrimSpace(r.PostFormValue("key")),
		Kind:       r.PostFormValue("kind"),
		LabelKo:    strings.TrimSpace(r.PostFormValue("label_ko")),
		LabelEn:    strings.TrimSpace(r.PostFormValue("label_en")),
		Required:   r.PostFormValue("required") == "1",
		MaxChoices: maxChoices,
		AllowOther: r.PostFormValue("allow_other") == "1",
	}
}

func (h *Handler) createQuestion(w http.ResponseWriter, r *http.Request) error {
	q := questionFromForm(r)
	id, err := h.Members.CreateQuestion(r.Context(), q)
	if code := fanmail.ErrorCode(err); code == fanmail.EINVALID || code == fanmail.ECONFLICT {
		return h.surveyListPage(w, r, web.StatusOf(err), q, err)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/survey/questions/%d?flash=Question+added.", id), http.StatusSeeOther)
	return nil
}

func (h *Handler) questionPage(w http.ResponseWriter, r *http.Request, status int, q fanmail.Question, err error, errOption int64) error {
	groups, gerr := h.Members.BrandGroups(r.Context())
	if gerr != nil {
		return gerr
	}
	page := surveyPage{Question: q, Groups: groups, Err: err, ErrOption: errOption,
		Fields: questionFields{Question: q, Kinds: questionKinds}}
	if errOption == 0 {
		page.Fields.Err = err
	}
	return h.render(w, r, status, "survey", trTitle(r, "Edit question"), page)
}

func (h *Handler) loadQuestion(r *http.Request) (fanmail.Question, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return fanmail.Question{}, err
	}
	return h.Members.Question(r.Context(), id)
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
	q.Kind, q.LabelKo, q.LabelEn, q.Required, q.MaxChoices, q.AllowOther = in.Kind, in.LabelKo, in.LabelEn, in.Required, in.MaxChoices, in.AllowOther
	err = h.Members.UpdateQuestion(r.Context(), q)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		return h.questionPage(w, r, http.StatusUnprocessableEntity, q, err, 0)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/survey/questions/%d?flash=Saved.", q.ID), http.StatusSeeOther)
	return nil
}

func surveyMoveDelta(r *http.Request) int {
	if r.PostFormValue("dir") == "up" {
		return -1
	}
	return 1
}

func (h *Handler) moveQuestion(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Members.MoveQuestion(r.Context(), id, surveyMoveDelta(r)); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/survey", http.StatusSeeOther)
	return nil
}

func (h *Handler) setQuestionActive(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	active := r.PostFormValue("active") == "1"
	if err := h.Members.SetQuestionActive(r.Context(), id, active); err != nil {
		return err
	}
	flash := "Question+hidden+from+the+forms."
	if active {
		flash = "Question+shown+on+the+forms."
	}
	http.Redirect(w, r, "/admin/survey?flash="+flash, http.StatusSeeOther)
	return nil
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
	_, err = h.Members.AddOption(r.Context(), optionFromForm(r, q.ID))
	if code := fanmail.ErrorCode(err); code == fanmail.EINVALID || code == fanmail.ECONFLICT {
		return h.questionPage(w, r, web.StatusOf(err), q, err, -1)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/survey/questions/%d?flash=Option+added.", q.ID), http.StatusSeeOther)
	return nil
}

func (h *Handler) optionIDs(r *http.Request) (qid, oid int64, err error) {
	if qid, err = web.PathID(r, "id"); err != nil {
		return 0, 0, err
	}
	oid, err = web.PathID(r, "oid")
	return qid, oid, err
}

func (h *Handler) updateOption(w http.ResponseWriter, r *http.Request) error {
	qid, oid, err := h.optionIDs(r)
	if err != nil {
		return err
	}
	o := optionFromForm(r, qid)
	o.ID = oid
	err = h.Members.UpdateOption(r.Context(), o)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		q, qerr := h.Members.Question(r.Context(), qid)
		if qerr != nil {
			return qerr
		}
		return h.questionPage(w, r, http.StatusUnprocessableEntity, q, err, oid)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/survey/questions/%d?flash=Saved.", qid), http.StatusSeeOther)
	return nil
}

func (h *Handler) deleteOption(w http.ResponseWriter, r *http.Request) error {
	qid, oid, err := h.optionIDs(r)
	if err != nil {
		return err
	}
	err = h.Members.DeleteOption(r.Context(), qid, oid)
	if fanmail.ErrorCode(err) == fanmail.ECONFLICT {
		q, qerr := h.Members.Question(r.Context(), qid)
		if qerr != nil {
			return qerr
		}
		return h.questionPage(w, r, http.StatusConflict, q, err, oid)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/survey/questions/%d?flash=Option+removed.", qid), http.StatusSeeOther)
	return nil
}

func (h *Handler) moveOption(w http.ResponseWriter, r *http.Request) error {
	qid, oid, err := h.optionIDs(r)
	if err != nil {
		return err
	}
	if err := h.Members.MoveOption(r.Context(), qid, oid, surveyMoveDelta(r)); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/survey/questions/%d", qid), http.StatusSeeOther)
	return nil
}
