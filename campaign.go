package fanmail

import (
	"strings"
	"time"
)

// Campaign statuses. A campaign is edited as a draft, scheduled for a time,
// sends from that time on (pausable), and ends finished or cancelled:
//
//	draft → scheduled → sending ⇄ paused
//	                       ↓         ↓
//	                   finished  cancelled (also from scheduled)
const (
	CampaignDraft     = "draft"
	CampaignScheduled = "scheduled"
	CampaignSending   = "sending"
	CampaignPaused    = "paused"
	CampaignFinished  = "finished"
	CampaignCancelled = "cancelled"
)

// Campaign kinds. Marketing mail needs the member's e-mail marketing consent
// and carries an unsubscribe link; transactional mail (an order confirmation)
// goes to every active member addressed and never carries ads.
const (
	CampaignMarketing     = "marketing"
	CampaignTransactional = "transactional"
)

// Sender kinds: whom a sender identity stands for.
const (
	SenderBrand  = "brand"
	SenderShop   = "shop"
	SenderCentre = "centre"
)

// States of one send (one campaign mail to one member): queued → sending →
// sent | failed | skipped. A send stuck in sending after its lock expired
// (the process died) is queued again.
const (
	SendQueued  = "queued"
	SendSending = "sending"
	SendSent    = "sent"
	SendFailed  = "failed"
	SendSkipped = "skipped"
)

// Reasons stored with a skipped send.
const (
	SkipNoConsent  = "no marketing consent"
	SkipSuppressed = "address suppressed"
	SkipInactive   = "member not active"
	SkipCancelled  = "campaign cancelled"
)

// AdSubjectPrefix starts the subject of every advertising mail (Korean
// Information and Communications Network Act art. 50(4)).
const AdSubjectPrefix = "(광고)"

// Sender is an identity campaign mail goes out as: a brand, a shop or a
// regional service centre. Name, Address and Phone fill the legal footer of
// advertising mail.
type Sender struct {
	ID        int64
	Name      string // shown in the footer, e.g. "오즈세컨 강남점"
	FromName  string // display name of the From header
	FromEmail string
	ReplyTo   string // optional
	Kind      string // SenderBrand, SenderShop or SenderCentre
	Address   string // postal address, required for advertising
	Phone     string // contact number, required for advertising
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate returns EINVALID naming the first field at fault.
func (s Sender) Validate() error {
	switch {
	case strings.TrimSpace(s.Name) == "":
		return FieldError("name", "Sender name is required.")
	case strings.TrimSpace(s.FromName) == "":
		return FieldError("from_name", "From name is required.")
	case s.Kind != SenderBrand && s.Kind != SenderShop && s.Kind != SenderCentre:
		return FieldError("kind", "Sender kind must be brand, shop or centre.")
	}
	if err := ValidateEmail(s.FromEmail); err != nil {
		return FieldError("from_email", "From address is not valid.")
	}
	if s.ReplyTo != "" {
		if err := ValidateEmail(s.ReplyTo); err != nil {
			return FieldError("reply_to", "Reply-to address is not valid.")
		}
	}
	return nil
}

// MissingAdDetails lists the legal details an advertising footer needs that
// the sender lacks: "sender name", "address", "phone".
func (s Sender) MissingAdDetails() []string {
	var missing []string
	if strings.TrimSpace(s.Name) == "" {
		missing = append(missing, "sender name")
	}
	if strings.TrimSpace(s.Address) == "" {
		missing = append(missing, "address")
	}
	if strings.TrimSpace(s.Phone) == "" {
		missing = append(missing, "phone")
	}
	return missing
}

// Campaign is one mail about one topic, sent to the members of a segment (or
// to every member who agreed to marketing mail).
type Campaign struct {
	ID        int64
	Name      string
	Kind      string // CampaignMarketing or CampaignTransactional
	IsAd      bool   // advertising: "(광고)" subject prefix and the legal footer
	Status    string
	SegmentID int64 // 0: every member with consent
	SenderID  int64 // 0 while the draft has none
	Subject   string
	Preheader string
	Body      string // template source; HTML and text are generated from it
	// SendAt is when sending starts; nil until scheduled. With MemberTZ the
	// wall-clock time of SendAt in Timezone is used in each member's own zone.
	SendAt      *time.Time
	Timezone    string // IANA zone of the company, e.g. "Asia/Seoul"
	MemberTZ    bool
	TrackPeople bool // false: count opens and clicks, but not who
	// AdOverride, when set, lets content with ad signals go out as
	// non-advertising mail (see CheckAdRule); nil without one.
	AdOverride *AdOverride
	CreatedBy  int64
	StartedAt  *time.Time
	FinishedAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// IsMarketing reports whether the campaign needs marketing consent and an
// unsubscribe link.
func (c Campaign) IsMarketing() bool { return c.Kind != CampaignTransactional }

// Validate checks the fields a draft may be saved with: EINVALID names the
// field at fault. Subject, body and sender may still be empty in a draft.
func (c Campaign) Validate() error {
	switch {
	case strings.TrimSpace(c.Name) == "":
		return FieldError("name", "Campaign name is required.")
	case c.Kind != CampaignMarketing && c.Kind != CampaignTransactional:
		return FieldError("kind", "Campaign kind must be marketing or transactional.")
	case c.Kind == CampaignTransactional && c.IsAd:
		return FieldError("is_ad", "A transactional mail cannot be an advertisement.")
	case len(c.Subject) > 998:
		return FieldError("subject", "Subject is too long.")
	case strings.ContainsAny(c.Subject, "\r\n"):
		return FieldError("subject", "Subject must be one line.")
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" {
		return FieldError("timezone", "Unknown time zone.")
	}
	return nil
}

// CanEdit reports whether the campaign's content may still change.
func (c Campaign) CanEdit() bool { return c.Status == CampaignDraft }

// CanSchedule returns nil if the campaign may be scheduled to start at
// c.SendAt (nil: now), else EINVALID or ECONFLICT saying why. Template and
// footer checks need the catalogue and are done by the campaign service.
func (c Campaign) CanSchedule(now time.Time) error {
	if c.Status != CampaignDraft && c.Status != CampaignScheduled {
		return Errorf(ECONFLICT, "Only a draft can be scheduled.")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(c.Subject) == "":
		return FieldError("subject", "Subject is required.")
	case strings.TrimSpace(c.Body) == "":
		return FieldError("body", "The mail has no content.")
	case c.SenderID == 0:
		return FieldError("sender_id", "Choose a sender.")
	case c.SendAt != nil && c.SendAt.Before(now.Add(-time.Minute)) && !c.MemberTZ:
		return FieldError("send_at", "The send time is in the past.")
	}
	return nil
}

// campaignMoves lists the status changes a person may ask for; starting
// (scheduled → sending) and finishing (sending → finished) are done by the
// engine.
var campaignMoves = map[string][]string{
	CampaignDraft:     {CampaignScheduled},
	CampaignScheduled: {CampaignDraft, CampaignScheduled, CampaignSending, CampaignCancelled},
	CampaignSending:   {CampaignPaused, CampaignFinished, CampaignCancelled},
	CampaignPaused:    {CampaignSending, CampaignCancelled},
}

// CanMoveCampaign reports whether a campaign may go from status from to to.
func CanMoveCampaign(from, to string) bool {
	for _, s := range campaignMoves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// AdSubject returns subject with the advertising prefix, added once.
func AdSubject(subject string) string {
	if strings.HasPrefix(strings.TrimSpace(subject), AdSubjectPrefix) {
		return subject
	}
	return AdSubjectPrefix + " " + subject
}

// SendCounts counts a campaign's sends by state, and what went wrong with
// its relays.
type SendCounts struct {
	Total   int64
	Queued  int64
	Sending int64
	Sent    int64
	Failed  int64
	Skipped int64
	// RelayErrors counts the times the campaign's relays failed it (could
	// not be reached, refused the login or the sender, dropped the
	// connection); RelayError is the last one (never an address or a
	// password), at RelayErrorAt (nil when there was none).
	RelayErrors  int64
	RelayError   string
	RelayErrorAt *time.Time
}

// Done reports how many sends reached a final state.
func (c SendCounts) Done() int64 { return c.Sent + c.Failed + c.Skipped }
