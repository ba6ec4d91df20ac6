package fanmail

import (
	"net/mail"
	"strings"
	"time"
	"unicode"
)

// Member statuses. A member is pending until they confirm their e-mail address
// (double opt-in), active afterwards, and inactive once staff deactivate them.
const (
	MemberPending  = "pending"
	MemberActive   = "active"
	MemberInactive = "inactive"
)

// Sources say where a record (a member, a consent) came from.
const (
	SourceWeb    = "web"
	SourceShop   = "shop"
	SourceImport = "import"
	SourceAPI    = "api"
	SourceAdmin  = "admin"
)

// Sources of consent decisions only: members are not registered there.
const (
	SourcePortal      = "portal"      // the member changed it in the member portal
	SourceUnsubscribe = "unsubscribe" // the unsubscribe link of a marketing mail withdrew it
	SourceErasure     = "erasure"     // erasing the member withdrew it
)

// ConsentSources lists every source a consent record may carry.
var ConsentSources = []string{SourceWeb, SourceShop, SourceImport, SourceAPI, SourceAdmin,
	SourcePortal, SourceUnsubscribe, SourceErasure}

// Genders as stored. The empty string means "not given".
const (
	GenderFemale = "female"
	GenderMale   = "male"
	GenderOther  = "other"
)

// Languages the UI and mails speak.
const (
	LangKorean  = "ko"
	LangEnglish = "en"
)

// MinimumAge is the age under which a member needs a guardian's consent
// (PIPA art. 22-2); fanmail refuses such registrations for now.
const MinimumAge = 14

// Member is a customer in the customer store (seed 000: member info, e-mail,
// access info, chip info and preference info live with or around it).
type Member struct {
	ID          int64
	Code        string // the member id the customer chose, e.g. "minji92"
	Email       string
	Name        string
	Phone       string
	BirthYear   int // 0 if unknown
	Gender      string
	PostalCode  string
	Address     string
	Lang        string
	Status      string
	Source      string
	ShopID      int64 // the shop that registered the member, 0 if none
	ConfirmedAt *time.Time
	LastLoginAt *time.Time
	LastSeenAt  *time.Time // last portal request noted (visits, VisitCount)
	ErasedAt    *time.Time // when the member left or was erased (see ErasureKeeps); nil if not
	LoginCount  int
	VisitCount  int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// IsActive reports whether the member has confirmed and is not deactivated.
func (m Member) IsActive() bool { return m.Status == MemberActive }

// MemberUpdate changes a member; a nil field means "unchanged".
type MemberUpdate struct {
	Code       *string
	Email      *string
	Name       *string
	Phone      *string
	BirthYear  *int
	Gender     *string
	PostalCode *string
	Address    *string
	Lang       *string
	Status     *string
}

// NormalizeEmail returns the address trimmed and lower-cased, the form used for
// uniqueness and look-ups.
func NormalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// ValidateEmail returns EINVALID unless s is a single plain address (no display
// name, no comments), at most 254 bytes.
func ValidateEmail(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return FieldError("email", "E-mail address is required.")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return FieldError("email", "E-mail address is not valid.")
	}
	return nil
}

// NormalizePhone keeps the digits of a phone number and a leading "+".
// Korean numbers are kept in their domestic form (010-1234-5678 → 01012345678).
func NormalizePhone(s string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		if unicode.IsDigit(r) || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	p := b.String()
	if strings.HasPrefix(p, "+82") {
		p = "0" + strings.TrimPrefix(p, "+82")
	}
	return p
}

// ValidateMemberCode returns EINVALID unless code is 3–30 letters, digits,
// dots, dashes or underscores.
func ValidateMemberCode(code string) error {
	if n := len(code); n < 3 || n > 30 {
		return FieldError("code", "Member id must be 3 to 30 characters.")
	}
	for _, r := range code {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_')) {
			return FieldError("code", "Member id may contain only letters, digits, dots, dashes and underscores.")
		}
	}
	return nil
}

// Age returns the age a person born in birthYear reaches during now's year
// (Korean "만 나이" is at most one less; counting by year errs on the safe side
// only when combined with AgeOK).
func Age(birthYear int, now time.Time) int {
	if birthYear <= 0 {
		return 0
	}
	return now.Year() - birthYear
}

// ValidateBirthYear returns EINVALID for an implausible year and for anyone who
// may still be under MinimumAge this year: without a birth date we must assume
// the birthday has not come yet.
func ValidateBirthYear(birthYear int, now time.Time) error {
	if birthYear == 0 {
		return FieldError("birth_year", "Birth year is required.")
	}
	if birthYear < now.Year()-120 || birthYear > now.Year() {
		return FieldError("birth_year", "Birth year is not valid.")
	}
	if now.Year()-birthYear-1 < MinimumAge {
		return FieldError("birth_year", "Members under 14 need a guardian's consent; we cannot register you online.")
	}
	return nil
}
