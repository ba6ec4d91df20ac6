package fanmail

import "time"

// RetentionItem is how long one type of data is kept, as the privacy policy
// states it. Data and Basis are English message keys.
type RetentionItem struct {
	Data   string
	Period time.Duration // 0 = as long as the membership lasts
	Basis  string
}

// Days returns Period in whole days.
func (r RetentionItem) Days() int { return int(r.Period / (24 * time.Hour)) }

// DefaultRetention is what the privacy policy states until retention periods
// are configured per data type.
var DefaultRetention = []RetentionItem{
	{"Member profile, brands and survey answers", 0, "Until you leave, then erased or anonymised"},
	{"Opens and clicks of our mails", 365 * 24 * time.Hour, "To measure campaigns; deleted afterwards"},
	{"Replies and bounce reports", 180 * 24 * time.Hour, "To answer you and keep addresses deliverable"},
	{"Consent and notice records", 5 * 365 * 24 * time.Hour, "Proof of consent (Network Act art. 50)"},
	{"Orders (without identity after you leave)", 5 * 365 * 24 * time.Hour, "Act on Consumer Protection in Electronic Commerce art. 6"},
	{"Access log of staff who handled your data", AccessRetention, "PIPA safety measures: at least two years"},
}

// ErasureKeep is what stays after a member leaves and why; both are English
// message keys.
type ErasureKeep struct{ What, Why string }

// DefaultErasureKeeps lists what an erasure keeps, for the privacy policy.
var DefaultErasureKeeps = []ErasureKeep{
	{"Order totals and dates, without your name or address", "Tax and e-commerce law require the records of sales"},
	{"Your consent and notice records", "The Network Act requires proof of each consent and notice"},
	{"Chip and point ledger entries, anonymised", "The ledger must add up; the entries no longer name you"},
	{"A salted hash of your e-mail address on the suppression list", "So a later import never mails you again; signing up yourself lifts it"},
}

// PrivacyItem is one group of personal data collected, with its purpose;
// both are English message keys.
type PrivacyItem struct {
	Items    string
	Purpose  string
	Required bool
}

// PrivacyItems are the personal data fanmail collects.
var PrivacyItems = []PrivacyItem{
	{"E-mail address, member id, name, birth year", "Membership, sign-in and age-appropriate offers", true},
	{"Gender, phone number, postal code and address", "Delivery of rewards, service and offers near you", false},
	{"Favourite brands and profile survey answers", "Choosing the new products and offers we mail you", false},
	{"Purchases at our shops", "Fan program (chips and rewards) and service", false},
	{"Opens and clicks of our mails, IP address at sign-up and consent", "Proof of consent, security and campaign statistics", true},
}

// ConsentWording is the text of one consent purpose as shown from Version on.
type ConsentWording struct {
	Version string
	Purpose string
	Ko, En  string
}

// ConsentWordings holds every version of every consent text, oldest first;
// a new version is appended, never edited, together with a new
// ConsentWordingVersion.
var ConsentWordings = []ConsentWording{
	{"2026-11", PurposeTerms, "서비스 이용약관에 동의합니다. 회원 가입, 로그인, 팬 프로그램(칩·리워드) 이용에 적용됩니다.",
		"I agree to the terms of service, which govern membership, sign-in and the fan program (chips and rewards)."},
	{"2026-11", PurposePrivacy, "개인정보 수집·이용에 동의합니다. 수집 항목, 목적, 보유 기간은 개인정보 처리방침(/privacy)에 있습니다.",
		"I agree to the collection and use of my personal data; the items, purposes and retention are in the privacy policy (/privacy)."},
	{"2026-11", PurposeMarketingEmail, "신상품, 이벤트, 할인 등 광고성 정보를 이메일로 받는 데 동의합니다(선택). 언제든 철회할 수 있습니다.",
		"I agree to receive advertising (new products, events, sales) by e-mail (optional). I can withdraw at any time."},
	{"2026-11", PurposeMarketingSMS, "광고성 정보를 문자 메시지로 받는 데 동의합니다(선택). 언제든 철회할 수 있습니다.",
		"I agree to receive advertising by text message (optional). I can withdraw at any time."},
	{"2026-11", PurposeNightSMS, "야간(21:00~08:00)에도 광고성 문자를 받는 데 동의합니다(선택).",
		"I agree to receive advertising text messages at night, 21:00 to 08:00 (optional)."},
}

// ConsentWordingFor returns the text of purpose in version, and false when
// that version has none.
func ConsentWordingFor(version, purpose string) (ConsentWording, bool) {
	for _, w := range ConsentWordings {
		if w.Version == version && w.Purpose == purpose {
			return w, true
		}
	}
	return ConsentWording{}, false
}

// PrivacyOfficer is who members contact about their personal data; staff
// with the manage-staff permission set it in the settings.
type PrivacyOfficer struct {
	Name  string
	Title string // e.g. "CISO", "고객지원팀장"
	Email string // a work address of the company, not a member's
	Phone string
}
