package fanmail

import "time"

// Legal notices about advertising consent (Network Act art. 50(7) and
// 50(8), Enforcement Decree arts. 62-2 and 62-3). Both are transactional
// e-mails written to the outbox by the compliance jobs.
const (
	// MessageConsentNotice tells a member the result of an opt-in,
	// refusal or withdrawal of advertising consent, per channel.
	MessageConsentNotice = "consent_notice"
	// MessageConsentReconfirm reminds a consenting member, every two years
	// from the date of consent, what they consented to and how to withdraw.
	MessageConsentReconfirm = "consent_reconfirm"
)

// ResultNoticeDeadline is how long after a consent decision its result
// notice may take (Decree art. 62-2: within 14 days).
const ResultNoticeDeadline = 14 * 24 * time.Hour

// ReconfirmYears is the re-confirmation interval (Decree art. 62-3: every
// two years from the date of consent).
const ReconfirmYears = 2

// AdPurposes are the advertising consents whose decisions get a result
// notice and whose grants are re-confirmed: one per channel as the consents
// record them (e-mail, SMS, and night-time SMS).
var AdPurposes = []string{PurposeMarketingEmail, PurposeMarketingSMS, PurposeNightSMS}

// IsAdPurpose reports whether p is an advertising consent.
func IsAdPurpose(p string) bool {
	for _, q := range AdPurposes {
		if p == q {
			return true
		}
	}
	return false
}

// ReconfirmPeriod returns how many whole re-confirmation periods have
// passed between the date of consent and now: 0 before the first second
// anniversary, 1 from it until the fourth, and so on. A clock that stands
// before the consent gives 0. Anniversaries are calendar dates in KST
// (a consent on 29 February is re-confirmed on 1 March).
func ReconfirmPeriod(consentedAt, now time.Time) int {
	c := consentedAt.In(KST)
	n := 0
	for {
		next := c.AddDate(ReconfirmYears*(n+1), 0, 0)
		if next.After(now) {
			return n
		}
		n++
	}
}

// ReconfirmDue returns when period n (1, 2, …) of a consent given at
// consentedAt falls due.
func ReconfirmDue(consentedAt time.Time, n int) time.Time {
	return consentedAt.In(KST).AddDate(ReconfirmYears*n, 0, 0).UTC()
}

// NightRuleApplies reports whether an advertisement on channel is subject
// to the night-time rule (Network Act art. 50(3), Decree art. 61): between
// 21:00 and 08:00 KST it needs the separate night consent, or waits until
// 08:00. Every channel but e-mail is (SMS, and KakaoTalk or any other
// channel added later); e-mail is exempt.
func NightRuleApplies(channel string) bool { return channel != ChannelEmail }
