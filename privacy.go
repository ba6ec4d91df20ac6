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

// Years returns Period in years when it is a whole number of 365-day years,
// else 0.
func (r RetentionItem) Years() int {
	if d := r.Days(); d > 0 && d%365 == 0 {
		return d / 365
	}
	return 0
}

// Data of RetentionItems whose period is configured (FANMAIL_RETAIN_*).
const (
	RetentionOpensClicks    = "Opens and clicks of our mails"
	RetentionRepliesBounces = "Replies and bounce reports"
)

// DefaultRetention is what the privacy policy states with the default
// retention periods.
var DefaultRetention = []RetentionItem{
	{"Member profile, brands and survey answers", 0, "Until you leave, then erased or anonymised"},
	{RetentionOpensClicks, 365 * 24 * time.Hour, "To measure campaigns; deleted afterwards"},
	{RetentionRepliesBounces, 180 * 24 * time.Hour, "To answer you and keep addresses deliverable"},
	{"Consent and notice records", 5 * 365 * 24 * time.Hour, "Proof of consent (Network Act art. 50)"},
	{"Orders (without identity after you leave)", 5 * 365 * 24 * time.Hour, "Act on Consumer Protection in Electronic Commerce art. 6"},
	{"Access log of staff who handled your data", AccessRetention, "PIPA safety measures: at least two years"},
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

// ConsentWordings holds every version of every consent text, oldest first,
// in both languages as the forms showed them (member.ConsentItems and its
// translations hold the current one; a test keeps them equal). A new version
// is appended, never edited, together with a new ConsentWordingVersion.
var ConsentWordings = []ConsentWording{
	{"2026-11", PurposeTerms, "이용약관에 동의합니다.", "I agree to the terms of service."},
	{"2026-11", PurposePrivacy, "회원 관리를 위해 이름, 이메일 주소, 출생 연도, 성별, 전화번호, 주소, 설문 답변을 수집·이용하며 탈퇴할 때까지 보관하는 데 동의합니다.",
		"I agree that my name, e-mail address, birth year, gender, phone number, address and survey answers are collected and used to run my membership and kept until I leave."},
	{"2026-11", PurposeMarketingEmail, "새 소식, 이벤트, 혜택을 이메일로 받겠습니다 (광고성 정보).", "Send me news, events and offers by e-mail (advertising)."},
	{"2026-11", PurposeMarketingSMS, "새 소식, 이벤트, 혜택을 문자로 받겠습니다 (광고성 정보).", "Send me news, events and offers by SMS (advertising)."},
	{"2026-11", PurposeNightSMS, "오후 9시부터 오전 8시 사이에도 광고성 문자를 받겠습니다.", "SMS advertising may also reach me between 21:00 and 08:00."},
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
