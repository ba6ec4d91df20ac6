package fanmail

// Events name what crosses services. A step that others follow writes its
// event in the same transaction as its own change; the event is then carried
// as a job to each service that handles it, so a failed step is retried
// alone and a restart loses nothing. Handlers are idempotent: a retried
// event never acts twice.
type Event interface {
	EventKind() string
}

// Event kinds.
const (
	EventBrandSelected    = "brand_selected"
	EventSurveyAnswered   = "survey_answered"
	EventChipAwarded      = "chip_awarded"
	EventFanDecided       = "fan_decided"
	EventServiceCompleted = "service_completed"
	EventReplyClassified  = "reply_classified"
)

// BrandSelected: a member marked a brand as a favourite (at sign-up, in the
// portal, at a shop terminal, by import or API).
type BrandSelected struct {
	MemberID int64  `json:"member_id"`
	BrandID  int64  `json:"brand_id"`
	Source   string `json:"source"`
}

// SurveyAnswered: a member submitted a survey response. Answers carries the
// values so that followers (the fan decision) need not read the survey's
// tables.
type SurveyAnswered struct {
	ResponseID   int64           `json:"response_id"`
	InvitationID int64           `json:"invitation_id,omitempty"`
	SurveyID     int64           `json:"survey_id"`
	MemberID     int64           `json:"member_id"`
	BrandID      int64           `json:"brand_id,omitempty"`
	Answers      []AnsweredValue `json:"answers"`
}

// AnsweredValue is one answered question as followers see it.
type AnsweredValue struct {
	Question string   `json:"question"`          // the question's key
	Options  []string `json:"options,omitempty"` // chosen option values
	Number   *int     `json:"number,omitempty"`  // scale and NPS
	Text     string   `json:"text,omitempty"`    // free text or "other"
	Other    bool     `json:"other,omitempty"`
}

// ChipAwarded: a chip entered the ledger.
type ChipAwarded struct {
	EntryID    int64  `json:"entry_id"`
	MemberID   int64  `json:"member_id"`
	BrandID    int64  `json:"brand_id"`
	ChipNumber int64  `json:"chip_number"`
	Reason     string `json:"reason"`
}

// FanDecided: a fan rule decided on a member's answers.
type FanDecided struct {
	DecisionID int64 `json:"decision_id"`
	MemberID   int64 `json:"member_id"`
	BrandID    int64 `json:"brand_id"`
	ResponseID int64 `json:"response_id"`
	IsFan      bool  `json:"is_fan"`
	NewFan     bool  `json:"new_fan"` // became a fan with this decision
}

// ServiceCompleted: a field worker recorded a service as done (seed 001).
type ServiceCompleted struct {
	ServiceID int64 `json:"service_id"`
}

// ReplyClassified: a reply to a follow-up was classified (seed 001).
type ReplyClassified struct {
	ReplyID int64  `json:"reply_id"`
	Class   string `json:"class"`
}

func (BrandSelected) EventKind() string    { return EventBrandSelected }
func (SurveyAnswered) EventKind() string   { return EventSurveyAnswered }
func (ChipAwarded) EventKind() string      { return EventChipAwarded }
func (FanDecided) EventKind() string       { return EventFanDecided }
func (ServiceCompleted) EventKind() string { return EventServiceCompleted }
func (ReplyClassified) EventKind() string  { return EventReplyClassified }

// EventMember returns the member an event is about (0 for none); the store
// indexes events by it for the member's journey.
func (e BrandSelected) EventMember() int64  { return e.MemberID }
func (e SurveyAnswered) EventMember() int64 { return e.MemberID }
func (e ChipAwarded) EventMember() int64    { return e.MemberID }
func (e FanDecided) EventMember() int64     { return e.MemberID }
