package fanmail

import "time"

// Question kinds of the profile survey. Questions are data, edited by staff.
const (
	QuestionSingle = "single" // pick one option
	QuestionMulti  = "multi"  // pick up to MaxChoices options
	QuestionText   = "text"   // free text
)

// Question is one question of a survey, e.g. the registration profile survey.
type Question struct {
	ID         int64
	Survey     string // "profile" for the registration survey
	Key        string // stable name, e.g. "occupation"
	Kind       string
	LabelKo    string
	LabelEn    string
	Required   bool
	MaxChoices int  // for QuestionMulti; 0 = no limit
	AllowOther bool // adds "other: please explain"
	Position   int
	Active     bool
	Options    []QuestionOption
}

// QuestionOption is one choice of a question; BrandID links a style option to
// a brand (seed 000: usual style options are linked to brands).
type QuestionOption struct {
	ID         int64
	QuestionID int64
	Value      string
	LabelKo    string
	LabelEn    string
	BrandID    int64
	Position   int
}

// Answer is a member's answer to one question: chosen options, free text, or
// the text of "other".
type Answer struct {
	MemberID   int64
	QuestionID int64
	OptionIDs  []int64
	Text       string // free text, or the explanation for "other"
	Other      bool   // the member picked "other"
	AnsweredAt time.Time
}

// ValidateAnswer returns EINVALID when a doesn't fit q.
func (q Question) ValidateAnswer(a Answer) error {
	field := "q_" + q.Key
	n := len(a.OptionIDs)
	if a.Other {
		n++
	}
	switch q.Kind {
	case QuestionText:
		if q.Required && a.Text == "" {
			return FieldError(field, "Please answer this question.")
		}
		if len(a.Text) > 2000 {
			return FieldError(field, "The answer is too long.")
		}
		return nil
	case QuestionSingle:
		if n > 1 {
			return FieldError(field, "Pick one answer.")
		}
	case QuestionMulti:
		if q.MaxChoices > 0 && n > q.MaxChoices {
			return FieldError(field, "Too many answers picked.")
		}
	}
	if q.Required && n == 0 {
		return FieldError(field, "Please answer this question.")
	}
	if a.Other && !q.AllowOther {
		return FieldError(field, "This question has no other option.")
	}
	if a.Other && a.Text == "" {
		return FieldError(field, "Please explain your other answer.")
	}
	for _, id := range a.OptionIDs {
		if !q.hasOption(id) {
			return FieldError(field, "Unknown answer option.")
		}
	}
	return nil
}

func (q Question) hasOption(id int64) bool {
	for _, o := range q.Options {
		if o.ID == id {
			return true
		}
	}
	return false
}
