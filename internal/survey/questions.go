package survey

import (
	"context"
	"regexp"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// Questions returns the questions of the survey with key, in order, with
// their options; activeOnly leaves out the hidden ones.
func (s *Service) Questions(ctx context.Context, surveyKey string, activeOnly bool) ([]fanmail.Question, error) {
	return s.db.Questions(ctx, surveyKey, activeOnly)
}

// Question returns one question with its options, or ENOTFOUND.
func (s *Service) Question(ctx context.Context, id int64) (fanmail.Question, error) {
	return s.db.QuestionByID(ctx, id)
}

var questionKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// checkQuestion trims and normalises q for its kind and validates it. The
// profile survey's answers are stored without numbers, so it takes no scale
// or NPS questions.
func checkQuestion(q fanmail.Question) (fanmail.Question, error) {
	q.LabelKo, q.LabelEn = strings.TrimSpace(q.LabelKo), strings.TrimSpace(q.LabelEn)
	for _, l := range []*string{&q.MinLabelKo, &q.MinLabelEn, &q.MaxLabelKo, &q.MaxLabelEn} {
		*l = strings.TrimSpace(*l)
	}
	q = q.Normalize()
	if err := q.Validate(); err != nil {
		return q, err
	}
	if q.Survey == fanmail.SurveyProfile && q.HasNumber() {
		return q, fanmail.FieldError("kind", "The profile survey asks single choice, multiple choice and free text only.")
	}
	return q, nil
}

// CreateQuestion adds an active question at the end of survey q.Survey (a
// survey key) and returns its id. Key must be 1–40 lower-case letters,
// digits or underscores, starting with a letter, and unique in the survey
// (else ECONFLICT on "key"). Other faults are EINVALID naming the field; an
// unknown survey is ENOTFOUND.
func (s *Service) CreateQuestion(ctx context.Context, q fanmail.Question) (int64, error) {
	q.Active, q.Options = true, nil
	q.Key = strings.TrimSpace(q.Key)
	if !questionKey.MatchString(q.Key) {
		return 0, fanmail.FieldError("key", "The key must be lower-case letters, digits or underscores, starting with a letter.")
	}
	if _, err := s.db.SurveyByKey(ctx, q.Survey); err != nil {
		return 0, err
	}
	q, err := checkQuestion(q)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = tx.CreateQuestion(ctx, q)
		return err
	})
	if fanmail.ErrorCode(err) == fanmail.ECONFLICT {
		return 0, &fanmail.Error{Code: fanmail.ECONFLICT, Field: "key", Message: "Another question has this key."}
	}
	return id, err
}

// UpdateQuestion changes question q.ID's kind, labels, required flag,
// maximum picks, "other: please explain" toggle and scale (not its key,
// survey, position or options). Errors are EINVALID naming the field, or
// ENOTFOUND.
func (s *Service) UpdateQuestion(ctx context.Context, q fanmail.Question) error {
	old, err := s.db.QuestionByID(ctx, q.ID)
	if err != nil {
		return err
	}
	q.Survey, q.Key = old.Survey, old.Key
	q, err = checkQuestion(q)
	if err != nil {
		return err
	}
	return s.db.UpdateQuestion(ctx, q)
}

// SetQuestionActive shows or hides a question on its survey's forms; given
// answers are kept.
func (s *Service) SetQuestionActive(ctx context.Context, id int64, active bool) error {
	return s.db.SetQuestionActive(ctx, id, active)
}

// MoveQuestion moves a question one place up (delta < 0) or down (delta > 0)
// in its survey.
func (s *Service) MoveQuestion(ctx context.Context, id int64, delta int) error {
	return s.db.MoveQuestion(ctx, id, sign1(delta))
}

func sign1(d int) int {
	switch {
	case d < 0:
		return -1
	case d > 0:
		return 1
	}
	return 0
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// AddOption appends an option to a single or multiple choice question and
// returns its id. An empty Value is derived from the English label; BrandID
// 0 links no brand. A duplicate value is ECONFLICT on "value"; other faults
// are EINVALID.
func (s *Service) AddOption(ctx context.Context, o fanmail.QuestionOption) (int64, error) {
	q, err := s.db.QuestionByID(ctx, o.QuestionID)
	if err != nil {
		return 0, err
	}
	if !q.HasChoices() {
		return 0, fanmail.FieldError("kind", "Only single and multiple choice questions have options.")
	}
	o.LabelKo, o.LabelEn = strings.TrimSpace(o.LabelKo), strings.TrimSpace(o.LabelEn)
	if err := fanmail.ValidateLabels(o.LabelKo, o.LabelEn); err != nil {
		return 0, err
	}
	o.Value = slug(o.Value)
	if o.Value == "" {
		o.Value = slug(o.LabelEn)
	}
	if o.Value == "" {
		return 0, fanmail.FieldError("value", "The value is required.")
	}
	id, err := s.db.CreateOption(ctx, o)
	if fanmail.ErrorCode(err) == fanmail.ECONFLICT {
		return 0, &fanmail.Error{Code: fanmail.ECONFLICT, Field: "value", Message: "Another option of this question has this value."}
	}
	return id, err
}

// slug turns v into an option value: lower-case letters and digits joined
// by dashes.
func slug(v string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(strings.TrimSpace(v)), "-"), "-")
}

// UpdateOption changes an option's labels and linked brand (EINVALID,
// ENOTFOUND).
func (s *Service) UpdateOption(ctx context.Context, o fanmail.QuestionOption) error {
	o.LabelKo, o.LabelEn = strings.TrimSpace(o.LabelKo), strings.TrimSpace(o.LabelEn)
	if err := fanmail.ValidateLabels(o.LabelKo, o.LabelEn); err != nil {
		return err
	}
	return s.db.UpdateOption(ctx, o)
}

// DeleteOption removes an option nobody chose; a chosen one is ECONFLICT.
func (s *Service) DeleteOption(ctx context.Context, questionID, optionID int64) error {
	return s.db.DeleteOption(ctx, questionID, optionID)
}

// MoveOption moves an option one place up (delta < 0) or down (delta > 0).
func (s *Service) MoveOption(ctx context.Context, questionID, optionID int64, delta int) error {
	return s.db.MoveOption(ctx, questionID, optionID, sign1(delta))
}
