package fanmail

import "time"

// Consent purposes. Terms and privacy are required to register; the rest are
// optional and refusable without losing the service (PIPA art. 22, Korean
// Information and Communications Network Act art. 50).
const (
	PurposeTerms          = "terms"
	PurposePrivacy        = "privacy"
	PurposeMarketingEmail = "marketing_email"
	PurposeMarketingSMS   = "marketing_sms"
	PurposeNightSMS       = "night_sms" // SMS ads between 21:00 and 08:00
)

// Purposes lists every consent purpose in display order.
var Purposes = []string{PurposeTerms, PurposePrivacy, PurposeMarketingEmail, PurposeMarketingSMS, PurposeNightSMS}

// RequiredPurposes must be granted to register.
var RequiredPurposes = []string{PurposeTerms, PurposePrivacy}

// ConsentWordingVersion identifies the consent texts currently shown; bump it
// whenever their wording changes so every record says what the member read.
const ConsentWordingVersion = "2026-11"

// Consent is one consent decision, kept forever: the current state of a purpose
// is its latest record.
type Consent struct {
	ID        int64
	MemberID  int64
	Purpose   string
	Channel   string // "email", "sms" or "" when not channel-specific
	Granted   bool
	Source    string // one of ConsentSources
	IP        string
	Version   string // wording version shown
	CreatedAt time.Time
}

// ChannelOf returns the channel a purpose is about.
func ChannelOf(purpose string) string {
	switch purpose {
	case PurposeMarketingEmail:
		return "email"
	case PurposeMarketingSMS, PurposeNightSMS:
		return "sms"
	}
	return ""
}

// IsPurpose reports whether p is a known consent purpose.
func IsPurpose(p string) bool {
	for _, q := range Purposes {
		if p == q {
			return true
		}
	}
	return false
}

// ConsentDecision is a purpose granted or refused, as typed into a form.
type ConsentDecision struct {
	Purpose string
	Granted bool
}

// ValidateConsents returns EINVALID unless every required purpose is granted and
// night-time SMS is granted only together with SMS marketing.
func ValidateConsents(ds []ConsentDecision) error {
	got := map[string]bool{}
	for _, d := range ds {
		if !IsPurpose(d.Purpose) {
			return FieldError("consent", "Unknown consent purpose.")
		}
		got[d.Purpose] = d.Granted
	}
	for _, p := range RequiredPurposes {
		if !got[p] {
			return FieldError("consent_"+p, "You must agree to the terms of service and the privacy policy.")
		}
	}
	if got[PurposeNightSMS] && !got[PurposeMarketingSMS] {
		return FieldError("consent_"+PurposeNightSMS, "Night-time SMS needs SMS marketing consent.")
	}
	return nil
}

// How a consent record reads in a member's history (English message keys).
const (
	ConsentGranted   = "Granted"
	ConsentDeclined  = "Declined"  // not granted, and not granted before: never given
	ConsentWithdrawn = "Withdrawn" // not granted any more: it was granted before
)

// ConsentDecisions returns how each record of history (oldest first, as
// kept) reads: ConsentGranted, ConsentWithdrawn when the purpose's record
// before it granted it, else ConsentDeclined. An optional consent left
// unticked at registration was declined, not withdrawn.
func ConsentDecisions(history []Consent) []string {
	out := make([]string, len(history))
	granted := map[string]bool{}
	for i, c := range history {
		switch {
		case c.Granted:
			out[i] = ConsentGranted
		case granted[c.Purpose]:
			out[i] = ConsentWithdrawn
		default:
			out[i] = ConsentDeclined
		}
		granted[c.Purpose] = c.Granted
	}
	return out
}
