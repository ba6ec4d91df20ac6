package api

import (
	"net/http"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/survey"
)

// Surveys: definitions with their questions, results counted by gender and
// age band, and a member's responses with typed answers. Surveys are edited
// in the staff UI.

const msgSurveyNotFound = "Survey not found."

// surveyService returns the survey service, or EUNAVAILABLE on a server
// built without one.
func (h *Handler) surveyService() (*survey.Service, error) {
	if h.Surveys == nil {
		return nil, fanmail.Errorf(fanmail.EUNAVAILABLE, "Surveys are not available on this server.")
	}
	return h.Surveys, nil
}

// surveyJSON is a survey as the API shows it.
type surveyJSON struct {
	ID         int64     `json:"id"`
	Key        string    `json:"key"`
	BrandID    *int64    `json:"brand_id"`
	TitleKo    string    `json:"title_ko"`
	TitleEn    string    `json:"title_en"`
	IntroKo    string    `json:"intro_ko"`
	IntroEn    string    `json:"intro_en"`
	Active     bool      `json:"active"`
	ChipReward int       `json:"chip_reward"`
	CreatedAt  time.Time `json:"created_at"`
}

func surveyOut(s fanmail.Survey) surveyJSON {
	return surveyJSON{ID: s.ID, Key: s.Key, BrandID: optID(s.BrandID), TitleKo: s.TitleKo, TitleEn: s.TitleEn,
		IntroKo: s.IntroKo, IntroEn: s.IntroEn, Active: s.Active, ChipReward: s.ChipReward, CreatedAt: s.CreatedAt.UTC()}
}

// surveyDetailJSON is a survey with its questions, hidden ones included.
type surveyDetailJSON struct {
	surveyJSON
	Questions []questionJSON `json:"questions"`
}

type questionJSON struct {
	ID         int64        `json:"id"`
	Key        string       `json:"key"`
	Kind       string       `json:"kind"`
	LabelKo    string       `json:"label_ko"`
	LabelEn    string       `json:"label_en"`
	Required   bool         `json:"required"`
	MaxChoices int          `json:"max_choices"`
	AllowOther bool         `json:"allow_other"`
	Active     bool         `json:"active"`
	ScaleMin   *int         `json:"scale_min"`
	ScaleMax   *int         `json:"scale_max"`
	MinLabelKo string       `json:"min_label_ko"`
	MinLabelEn string       `json:"min_label_en"`
	MaxLabelKo string       `json:"max_label_ko"`
	MaxLabelEn string       `json:"max_label_en"`
	Options    []optionJSON `json:"options"`
}

type optionJSON struct {
	ID      int64  `json:"id"`
	Value   string `json:"value"`
	LabelKo string `json:"label_ko"`
	LabelEn string `json:"label_en"`
	BrandID *int64 `json:"brand_id"`
}

func questionOut(q fanmail.Question) questionJSON {
	out := questionJSON{ID: q.ID, Key: q.Key, Kind: q.Kind, LabelKo: q.LabelKo, LabelEn: q.LabelEn, Required: q.Required,
		MaxChoices: q.MaxChoices, AllowOther: q.AllowOther, Active: q.Active, MinLabelKo: q.MinLabelKo, MinLabelEn: q.MinLabelEn,
		MaxLabelKo: q.MaxLabelKo, MaxLabelEn: q.MaxLabelEn, Options: []optionJSON{}}
	if q.HasNumber() {
		lo, hi := q.Range()
		out.ScaleMin, out.ScaleMax = &lo, &hi
	}
	for _, o := range q.Options {
		out.Options = append(out.Options, optionJSON{ID: o.ID, Value: o.Value, LabelKo: o.LabelKo, LabelEn: o.LabelEn, BrandID: optID(o.BrandID)})
	}
	return out
}

func (h *Handler) listSurveys(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.surveyService()
	if err != nil {
		return err
	}
	ss, err := svc.Surveys(r.Context())
	if err != nil {
		return err
	}
	out := list[surveyJSON]{Data: []surveyJSON{}}
	for _, s := range ss {
		out.Data = append(out.Data, surveyOut(s))
	}
	return writeJSON(w, http.StatusOK, out)
}

// surveyInPath returns the survey service and the survey id of the path.
func (h *Handler) surveyInPath(r *http.Request) (*survey.Service, int64, error) {
	svc, err := h.surveyService()
	if err != nil {
		return nil, 0, err
	}
	id, err := pathID(r, "id", msgSurveyNotFound)
	return svc, id, err
}

func (h *Handler) getSurvey(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := h.surveyInPath(r)
	if err != nil {
		return err
	}
	s, err := svc.Survey(r.Context(), id)
	if err != nil {
		return err
	}
	qs, err := svc.Questions(r.Context(), s.Key, false)
	if err != nil {
		return err
	}
	out := surveyDetailJSON{surveyJSON: surveyOut(s), Questions: []questionJSON{}}
	for _, q := range qs {
		out.Questions = append(out.Questions, questionOut(q))
	}
	return writeJSON(w, http.StatusOK, out)
}

// resultsJSON is a survey's results: each answer's count by gender and age
// band at the time of answering.
type resultsJSON struct {
	SurveyID  int64                `json:"survey_id"`
	Responses int                  `json:"responses"`
	Genders   []string             `json:"genders"`
	AgeBands  []string             `json:"age_bands"`
	Questions []questionResultJSON `json:"questions"`
}

type questionResultJSON struct {
	QuestionID int64           `json:"question_id"`
	Key        string          `json:"key"`
	Kind       string          `json:"kind"`
	Rows       []resultRowJSON `json:"rows"`
}

type resultRowJSON struct {
	OptionID *int64     `json:"option_id"`
	Value    string     `json:"value"`
	Other    bool       `json:"other"`
	Number   *int       `json:"number"`
	Total    int64      `json:"total"`
	Counts   []cellJSON `json:"counts"`
}

type cellJSON struct {
	Gender  string `json:"gender"`
	AgeBand string `json:"age_band"`
	Count   int64  `json:"count"`
}

func (h *Handler) getSurveyResults(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := h.surveyInPath(r)
	if err != nil {
		return err
	}
	sum, err := svc.Summary(r.Context(), id)
	if err != nil {
		return err
	}
	out := resultsJSON{SurveyID: sum.Survey.ID, Responses: sum.Responses, Genders: sum.Genders, AgeBands: sum.AgeBands,
		Questions: []questionResultJSON{}}
	for _, qs := range sum.Questions {
		q := questionResultJSON{QuestionID: qs.Question.ID, Key: qs.Question.Key, Kind: qs.Question.Kind, Rows: []resultRowJSON{}}
		for _, row := range qs.Rows {
			rj := resultRowJSON{OptionID: optID(row.OptionID), Value: row.Value, Other: row.Other, Number: row.Number,
				Total: row.Total, Counts: []cellJSON{}}
			if row.Number != nil {
				rj.Value = ""
			}
			for _, c := range sum.Cells(row) {
				rj.Counts = append(rj.Counts, cellJSON{Gender: c.Gender, AgeBand: c.AgeBand, Count: c.Count})
			}
			q.Rows = append(q.Rows, rj)
		}
		out.Questions = append(out.Questions, q)
	}
	return writeJSON(w, http.StatusOK, out)
}

// responseJSON is a submitted survey with its typed answers.
type responseJSON struct {
	ID           int64             `json:"id"`
	SurveyID     int64             `json:"survey_id"`
	SurveyKey    string            `json:"survey_key"`
	InvitationID *int64            `json:"invitation_id"`
	BrandID      *int64            `json:"brand_id"`
	SubmittedAt  time.Time         `json:"submitted_at"`
	Answers      []typedAnswerJSON `json:"answers"`
}

// typedAnswerJSON is one answer: the chosen options (ids and values), a
// number (scale, NPS), free text or the explanation of "other".
type typedAnswerJSON struct {
	QuestionID int64    `json:"question_id"`
	Question   string   `json:"question"`
	OptionIDs  []int64  `json:"option_ids"`
	Options    []string `json:"options"`
	Number     *int     `json:"number"`
	Text       string   `json:"text"`
	Other      bool     `json:"other"`
}

func (h *Handler) listMemberResponses(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.surveyService()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id", msgMemberNotFound)
	if err != nil {
		return err
	}
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	if limit == 0 {
		limit = 50
	}
	if _, err := h.Members.MemberByID(r.Context(), id); err != nil {
		return err
	}
	rs, err := svc.ResponsesOfMember(r.Context(), id)
	if err != nil {
		return err
	}
	out := list[responseJSON]{Data: []responseJSON{}}
	for _, resp := range rs[:min(len(rs), limit)] {
		out.Data = append(out.Data, responseOut(resp))
	}
	return writeJSON(w, http.StatusOK, out)
}

func responseOut(r survey.Response) responseJSON {
	out := responseJSON{ID: r.ID, SurveyID: r.SurveyID, SurveyKey: r.Survey.Key, InvitationID: optID(r.InvitationID),
		BrandID: optID(r.BrandID), SubmittedAt: r.SubmittedAt.UTC(), Answers: []typedAnswerJSON{}}
	for i, a := range r.Answers {
		v := r.Values[i]
		out.Answers = append(out.Answers, typedAnswerJSON{QuestionID: a.QuestionID, Question: v.Question,
			OptionIDs: nonNil(a.OptionIDs), Options: nonNil(v.Options), Number: a.Number, Text: a.Text, Other: a.Other})
	}
	return out
}
