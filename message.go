package fanmail

import (
	"encoding/json"
	"time"
)

// Message kinds: every message fanmail sends to one person, whatever the
// cause, is one row of the outbox with one of these kinds. Each kind has a
// renderer, registered by the service that owns it.
const (
	MessageOptIn             = "optin"              // double opt-in link
	MessageSignIn            = "signin"             // magic sign-in link
	MessageOrderConfirmation = "order_confirmation" // an order was placed
	MessageChip              = "chip"               // welcome mail per brand with a mania chip
	MessageSurveyInvitation  = "survey_invitation"  // a personal survey link
	MessageFanNotice         = "fan_notice"         // the member became a brand fan
	MessageReward            = "reward"             // a reward chip or gift certificate
	MessageReceipt           = "receipt"            // a redemption at a shop or in the portal
	MessageStaffSignIn       = "staff_signin"       // a sign-in link for a staff user (Message.UserID)
	MessageWithdraw          = "withdraw"           // a link to confirm leaving (탈퇴) and erasure
)

// Message purposes decide which rules apply (see MayContact).
const (
	PurposeTransactional = "transactional" // the member asked for it or needs it (links, orders, receipts)
	PurposeMarketing     = "marketing"     // an advertisement: consent, "(광고)", legal footer, unsubscribe
)

// Message channels.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// Message statuses: queued → sending → sent | failed | skipped. A message
// whose attempt failed for a temporary reason goes back to queued with a
// later RunAt.
const (
	MessageQueued  = "queued"
	MessageSending = "sending"
	MessageSent    = "sent"
	MessageFailed  = "failed"
	MessageSkipped = "skipped"
)

// Message is one message to one member (or, for MessageStaffSignIn, one
// staff user) on one channel, written to the outbox in the same transaction
// as its cause.
type Message struct {
	ID       int64
	Kind     string
	Channel  string
	Purpose  string
	MemberID int64 // 0 for a message to a staff user
	UserID   int64 // the staff user of a staff message, else 0
	BrandID  int64 // 0 if the message is about no brand
	// Ref names the cause and makes the message unique: a retried cause
	// ("chip:entry:42") never writes a second message.
	Ref  string
	Data json.RawMessage // the renderer's input, a small JSON object

	Status     string
	Attempts   int
	RunAt      time.Time // not before
	Error      string    // the last failure, free of addresses
	SkipReason string    // why it was not sent (see MayContact)
	MessageID  string    // RFC 5322 Message-ID, once sent
	CreatedAt  time.Time
	SentAt     *time.Time
}
