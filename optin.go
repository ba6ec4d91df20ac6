package fanmail

import "time"

// OptInConfirmation is the evidence of a double opt-in: the member pressed
// the button of the page their confirmation link opens (a mail scanner
// only opens the page), from IP with UserAgent, at ConfirmedAt.
type OptInConfirmation struct {
	MemberID    int64
	IP          string
	UserAgent   string
	ConfirmedAt time.Time
}

// MaxUserAgent is how much of a user agent is kept as evidence.
const MaxUserAgent = 512
