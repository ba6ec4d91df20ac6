package fanmail

import "time"

// More reasons a message is not sent (Message.SkipReason), besides
// SkipNoConsent, SkipSuppressed and SkipInactive that campaigns use too.
const (
	SkipNoAddress   = "no address"           // no e-mail address or phone for the channel
	SkipUnconfirmed = "member not confirmed" // marketing to a member who has not confirmed yet
	SkipQuietHours  = "quiet hours"          // an SMS ad at night without night consent: wait
	SkipUnpublished = "brand not published"  // what the message is about is no longer public
	SkipExpired     = "expired"              // it waited too long to be worth sending
	SkipUnknownKind = "unknown kind"         // no renderer (a newer node's kind)
)

// Contact is what MayContact needs to know about one member and one message.
type Contact struct {
	Channel      string // ChannelEmail or ChannelSMS
	Purpose      string // PurposeTransactional or PurposeMarketing
	Kind         string // the message kind (an opt-in goes to pending members)
	MemberStatus string
	HasAddress   bool // an e-mail address, or a mobile number, for Channel
	// Suppression is the reason the address is on the suppression list
	// (hard bounce, complaint, unsubscribed…), "" when it is not.
	Suppression  string
	ConsentEmail bool // marketing_email granted
	ConsentSMS   bool // marketing_sms granted
	ConsentNight bool // night_sms granted
}

// KST is Korea Standard Time, the clock of the quiet hours.
var KST = time.FixedZone("KST", 9*60*60)

// MayContact is fanmail's one contact rule, checked when a message is handed
// to its channel, for every message: it returns "" when the message may go
// now, else a Skip reason. For SkipQuietHours, wait is when it may go.
//
// Transactional messages need an address, a member who has not left, and an
// address that neither bounced hard nor complained (an unsubscribe stops only
// marketing). Marketing needs a confirmed member, consent for the channel and
// no suppression at all. SMS ads between 21:00 and 08:00 KST need the
// separate night consent (Network Act art. 50(3)); e-mail is exempt.
func MayContact(c Contact, now time.Time) (reason string, wait time.Time) {
	if !c.HasAddress {
		return SkipNoAddress, time.Time{}
	}
	if c.MemberStatus == MemberInactive {
		return SkipInactive, time.Time{}
	}
	if c.Purpose != PurposeMarketing {
		if c.Suppression != "" && c.Suppression != "unsubscribed" {
			return SkipSuppressed, time.Time{}
		}
		return "", time.Time{}
	}
	if c.MemberStatus != MemberActive {
		return SkipUnconfirmed, time.Time{}
	}
	if c.Suppression != "" {
		return SkipSuppressed, time.Time{}
	}
	switch c.Channel {
	case ChannelEmail:
		if !c.ConsentEmail {
			return SkipNoConsent, time.Time{}
		}
	case ChannelSMS:
		if !c.ConsentSMS {
			return SkipNoConsent, time.Time{}
		}
	default:
		// A channel with no consent purpose of its own (KakaoTalk, until
		// it gets one) has no consent to advertise on it.
		return SkipNoConsent, time.Time{}
	}
	// The night-time rule: every channel but e-mail needs the separate
	// night consent from 21:00 to 08:00 KST, or waits until 08:00.
	if NightRuleApplies(c.Channel) && !c.ConsentNight {
		if at := QuietHoursEnd(now); !at.IsZero() {
			return SkipQuietHours, at
		}
	}
	return "", time.Time{}
}

// QuietHoursEnd returns the next 08:00 KST when now falls between 21:00 and
// 08:00 KST, else the zero time.
func QuietHoursEnd(now time.Time) time.Time {
	k := now.In(KST)
	h := k.Hour()
	if h >= 8 && h < 21 {
		return time.Time{}
	}
	day := k
	if h >= 21 {
		day = k.AddDate(0, 0, 1)
	}
	return time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, KST).UTC()
}
