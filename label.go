package fanmail

// Labels name the values of enums shown to people. A label is an English
// message key: pages translate it with internal/i18n, whose Korean catalogue
// is keyed by the English text. Each enum has one table here, so the staff
// pages, the shop terminal, the member portal and the CLI use the same words.

// purposeLabels say what a member consents to in the words of the law: the
// Network Act (art. 50) asks for consent to receive advertising information
// (광고성 정보) by a given channel, and PIPA (art. 15) for consent to the
// collection and use of personal information, not to a policy.
var purposeLabels = map[string]string{
	PurposeTerms:          "Terms of service",
	PurposePrivacy:        "Collection and use of personal information",
	PurposeMarketingEmail: "Advertising by e-mail",
	PurposeMarketingSMS:   "Advertising by SMS",
	PurposeNightSMS:       "SMS advertising at night (21:00–08:00)",
}

// PurposeLabel returns the message key naming consent purpose p, or p
// itself when p is no purpose.
func PurposeLabel(p string) string { return labelOf(purposeLabels, p) }

// sourceLabels name the sources in ConsentSources; SourcePortal is "My
// page", the name the portal shows its members.
var sourceLabels = map[string]string{
	SourceWeb:         "Website",
	SourceShop:        "Shop",
	SourceImport:      "Import",
	SourceAPI:         "API",
	SourceAdmin:       "Staff",
	SourcePortal:      "My page",
	SourceUnsubscribe: "Unsubscribe link in a mail",
	SourceErasure:     "Erasure",
}

// SourceLabel returns the message key naming where a member or a consent
// came from (one of ConsentSources), or s itself when it is none of them.
func SourceLabel(s string) string { return labelOf(sourceLabels, s) }

// Genders lists the genders a member may give, in display order; "" means
// not given.
var Genders = []string{GenderFemale, GenderMale, GenderOther}

var genderLabels = map[string]string{
	GenderFemale:  "Female",
	GenderMale:    "Male",
	GenderOther:   "Other",
	GenderUnknown: "Not given",
	"":            "Not given",
}

// GenderLabel returns the message key naming gender g ("" and
// GenderUnknown are "Not given"), or g itself when it is no gender.
func GenderLabel(g string) string { return labelOf(genderLabels, g) }

// MemberStatuses lists the member statuses in the order a member goes
// through them.
var MemberStatuses = []string{MemberPending, MemberActive, MemberInactive}

var memberStatusLabels = map[string]string{
	MemberPending:  "Pending",
	MemberActive:   "Active",
	MemberInactive: "Inactive",
}

// MemberStatusLabel returns the message key naming member status s, or s
// itself when it is no status.
func MemberStatusLabel(s string) string { return labelOf(memberStatusLabels, s) }

// labelOf returns the label of key, or key itself when it has none.
func labelOf(labels map[string]string, key string) string {
	if l, ok := labels[key]; ok {
		return l
	}
	return key
}
