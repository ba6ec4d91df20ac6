package fanmail

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Question kinds. Questions are data, edited by staff.
const (
	QuestionSingle = "single" // pick one option
	QuestionMulti  = "multi"  // pick up to MaxChoices options
	QuestionText   = "text"   // free text
	QuestionScale  = "scale"  // a number from ScaleMin to ScaleMax, with labels at both ends
	QuestionNPS    = "nps"    // "how likely are you to recommend …", 0 to 10
)

// Survey keys fanmail creates on first start.
const (
	SurveyProfile   = "profile"    // the registration survey
	SurveyBrandDeep = "brand-deep" // seed 000's deep brand survey, mailed with the promise of a chip
)

// Survey is a set of questions answered together: the registration profile
// survey, the deep brand survey, a brand's own survey. Its questions name it
// by Key.
type Survey struct {
	ID         int64
	Key        string // stable name, e.g. "profile", "brand-deep"
	BrandID    int64  // 0: not brand-specific (the invitation names the brand)
	TitleKo    string
	TitleEn    string
	IntroKo    string
	IntroEn    string
	Active     bool
	ChipReward int // chips promised for answering
	CreatedAt  time.Time
}

// Question is one question of a survey.
type Question struct {
	ID         int64
	Survey     string // the survey's Key, e.g. "profile"
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

	// Scale questions: the range of numbers and what its ends mean. NPS
	// questions are always 0–10.
	ScaleMin   int
	ScaleMax   int
	MinLabelKo string
	MinLabelEn string
	MaxLabelKo string
	MaxLabelEn string
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

// Answer is a member's answer to one question: chosen options, a number,
// free text, or the text of "other".
type Answer struct {
	MemberID   int64
	QuestionID int64
	OptionIDs  []int64
	Number     *int   // scale and NPS questions
	Text       string // free text, or the explanation for "other"
	Other      bool   // the member picked "other"
	AnsweredAt time.Time
}

// HasChoices reports whether the question's answers are picked options.
func (q Question) HasChoices() bool {
	return q.Kind == QuestionSingle || q.Kind == QuestionMulti
}

// HasNumber reports whether the question's answer is a number.
func (q Question) HasNumber() bool {
	return q.Kind == QuestionScale || q.Kind == QuestionNPS
}

// Range returns the numbers a scale or NPS question accepts, inclusive.
func (q Question) Range() (lo, hi int) {
	if q.Kind == QuestionNPS {
		return 0, 10
	}
	return q.ScaleMin, q.ScaleMax
}

// Numbers returns the numbers a scale or NPS question offers, in order.
func (q Question) Numbers() []int {
	if !q.HasNumber() {
		return nil
	}
	lo, hi := q.Range()
	var out []int
	for n := lo; n <= hi; n++ {
		out = append(out, n)
	}
	return out
}

// Normalize fixes the fields that do not apply to q's kind: MaxChoices only
// for multiple choice, "other" only for choices, a range only for scales
// (NPS is always 0–10).
func (q Question) Normalize() Question {
	if q.Kind != QuestionMulti {
		q.MaxChoices = 0
	}
	if !q.HasChoices() {
		q.AllowOther = false
	}
	switch q.Kind {
	case QuestionNPS:
		q.ScaleMin, q.ScaleMax = 0, 10
	case QuestionScale:
	default:
		q.ScaleMin, q.ScaleMax = 0, 0
		q.MinLabelKo, q.MinLabelEn, q.MaxLabelKo, q.MaxLabelEn = "", "", "", ""
	}
	return q
}

// Validate returns EINVALID naming the field at fault when q cannot be
// asked: an unknown kind, missing or too long labels, a bad number of picks
// or scale range.
func (q Question) Validate() error {
	switch q.Kind {
	case QuestionSingle, QuestionMulti, QuestionText, QuestionScale, QuestionNPS:
	default:
		return FieldError("kind", "Pick the kind of question.")
	}
	if err := ValidateLabels(q.LabelKo, q.LabelEn); err != nil {
		return err
	}
	if q.MaxChoices < 0 || q.MaxChoices > 50 {
		return FieldError("max_choices", "The maximum number of picks must be between 0 (no limit) and 50.")
	}
	if q.Kind == QuestionScale && (q.ScaleMin < 0 || q.ScaleMax > 10 || q.ScaleMax-q.ScaleMin < 1) {
		return FieldError("scale_max", "A scale goes from 0 or more up to at most 10, with at least two steps.")
	}
	for _, l := range []string{q.MinLabelKo, q.MinLabelEn, q.MaxLabelKo, q.MaxLabelEn} {
		if utf8.RuneCountInString(l) > 100 {
			return FieldError("scale_labels", "The labels of a scale's ends are too long (at most 100 characters).")
		}
	}
	return nil
}

// ValidateLabels returns EINVALID unless both the Korean and the English text
// are given and at most 300 characters long.
func ValidateLabels(ko, en string) error {
	if ko == "" {
		return FieldError("label_ko", "The Korean text is required.")
	}
	if en == "" {
		return FieldError("label_en", "The English text is required.")
	}
	if utf8.RuneCountInString(ko) > 300 || utf8.RuneCountInString(en) > 300 {
		return FieldError("label_ko", "The text is too long (at most 300 characters).")
	}
	return nil
}

// ValidateAnswer returns EINVALID naming the field "q_KEY" when a doesn't fit
// q: a required answer missing, an option outside q's options, more picks
// than allowed, "other" without an explanation, a number out of range.
func (q Question) ValidateAnswer(a Answer) error {
	field := "q_" + q.Key
	switch q.Kind {
	case QuestionText:
		return q.validateText(field, a)
	case QuestionScale, QuestionNPS:
		return q.validateNumber(field, a)
	}
	return q.validateChoice(field, a)
}

func (q Question) validateText(field string, a Answer) error {
	if len(a.OptionIDs) > 0 || a.Other || a.Number != nil {
		return FieldError(field, "Unknown answer option.")
	}
	if q.Required && a.Text == "" {
		return FieldError(field, "Please answer this question.")
	}
	if len(a.Text) > 2000 {
		return FieldError(field, "The answer is too long.")
	}
	return nil
}

func (q Question) validateNumber(field string, a Answer) error {
	if len(a.OptionIDs) > 0 || a.Other || a.Text != "" {
		return FieldError(field, "Unknown answer option.")
	}
	if a.Number == nil {
		if q.Required {
			return FieldError(field, "Please answer this question.")
		}
		return nil
	}
	if lo, hi := q.Range(); *a.Number < lo || *a.Number > hi {
		return FieldErrorf(field, "Pick a number from %d to %d.", lo, hi)
	}
	return nil
}

func (q Question) validateChoice(field string, a Answer) error {
	n := len(a.OptionIDs)
	if a.Other {
		n++
	}
	if a.Number != nil {
		return FieldError(field, "Unknown answer option.")
	}
	switch q.Kind {
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
	if len(a.Text) > 2000 {
		return FieldError(field, "The answer is too long.")
	}
	seen := map[int64]bool{}
	for _, id := range a.OptionIDs {
		if !q.hasOption(id) || seen[id] {
			return FieldError(field, "Unknown answer option.")
		}
		seen[id] = true
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

// OptionByValue returns the option of q with value v.
func (q Question) OptionByValue(v string) (QuestionOption, bool) {
	for _, o := range q.Options {
		if o.Value == v {
			return o, true
		}
	}
	return QuestionOption{}, false
}

// CheckAnswers validates answers against the active questions qs, in their
// order, and returns them cleaned: one per question, options de-duplicated,
// text trimmed and dropped where the question takes none, unanswered
// optional questions left out. A question answered twice or one not in qs
// is EINVALID on the field "answers"; answers that do not fit their
// question are an AnswerErrors naming every such question.
func CheckAnswers(qs []Question, answers []Answer) ([]Answer, error) {
	byQuestion := map[int64]Answer{}
	for _, a := range answers {
		if _, dup := byQuestion[a.QuestionID]; dup {
			return nil, FieldError("answers", "A question was answered twice.")
		}
		byQuestion[a.QuestionID] = a
	}
	var out []Answer
	var errs AnswerErrors
	for _, q := range qs {
		a, ok := byQuestion[q.ID]
		delete(byQuestion, q.ID)
		a.QuestionID = q.ID
		a.Text = strings.TrimSpace(a.Text)
		slices.Sort(a.OptionIDs)
		a.OptionIDs = slices.Compact(a.OptionIDs)
		if q.Kind != QuestionText && !a.Other {
			a.Text = ""
		}
		if err := q.ValidateAnswer(a); err != nil {
			errs = append(errs, AsError(err))
			continue
		}
		if ok && (len(a.OptionIDs) > 0 || a.Other || a.Text != "" || a.Number != nil) {
			a.AnsweredAt = time.Time{}
			out = append(out, a)
		}
	}
	if len(byQuestion) > 0 {
		return nil, FieldError("answers", "Unknown question.")
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// AnswerErrors are the refused answers of one submitted survey, one EINVALID
// error per question in question order, each naming its field "q_KEY". Its
// code, message and field are those of the first (ErrorCode, ErrorMessage,
// ErrorField), so a form that shows one error still works.
type AnswerErrors []*Error

func (e AnswerErrors) Error() string { return e[0].Error() }

// Unwrap returns the errors, for errors.As.
func (e AnswerErrors) Unwrap() []error {
	out := make([]error, len(e))
	for i, x := range e {
		out[i] = x
	}
	return out
}

// For returns the error about field ("q_KEY"), or nil.
func (e AnswerErrors) For(field string) *Error {
	for _, x := range e {
		if x.Field == field {
			return x
		}
	}
	return nil
}

var surveyKey = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

// Validate returns EINVALID naming the field at fault when s cannot be
// stored: a key that is not 1–40 lower-case letters, digits, "-" or "_"
// starting with a letter, missing or too long titles, an intro over 2,000
// characters or a chip reward outside 0–100.
func (s Survey) Validate() error {
	if !surveyKey.MatchString(s.Key) {
		return FieldError("key", "The key must be lower-case letters, digits, dashes or underscores, starting with a letter.")
	}
	if s.TitleKo == "" {
		return FieldError("title_ko", "The Korean title is required.")
	}
	if s.TitleEn == "" {
		return FieldError("title_en", "The English title is required.")
	}
	if utf8.RuneCountInString(s.TitleKo) > 200 || utf8.RuneCountInString(s.TitleEn) > 200 {
		return FieldError("title_ko", "The title is too long (at most 200 characters).")
	}
	if utf8.RuneCountInString(s.IntroKo) > 2000 || utf8.RuneCountInString(s.IntroEn) > 2000 {
		return FieldError("intro_ko", "The introduction is too long (at most 2,000 characters).")
	}
	if s.ChipReward < 0 || s.ChipReward > 100 {
		return FieldError("chip_reward", "The chip reward must be between 0 and 100.")
	}
	return nil
}

// Invitation statuses.
const (
	InvitationSent     = "sent"
	InvitationAnswered = "answered"
	InvitationExpired  = "expired"
)

// SurveyInvitation is one member's personal invitation to answer a survey
// about a brand, written with its outbox message. Cause names why it was
// sent ("brand_selected:12"); one cause invites a member once.
type SurveyInvitation struct {
	ID         int64
	SurveyID   int64
	MemberID   int64
	BrandID    int64
	MessageID  int64 // the outbox message carrying it
	Cause      string
	Status     string
	ExpiresAt  time.Time
	CreatedAt  time.Time
	AnsweredAt *time.Time
}

// SurveyResponse is one submitted survey with its answers.
type SurveyResponse struct {
	ID           int64
	InvitationID int64 // 0 for answers given without an invitation
	SurveyID     int64
	MemberID     int64
	BrandID      int64
	SubmittedAt  time.Time
	Answers      []Answer
}
