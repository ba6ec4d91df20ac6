package member

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// MemberFilter is a staff search over members. Zero fields do not filter.
type MemberFilter struct {
	// Query is the start of an e-mail address, a name, a phone number or a
	// member id, or a whole numeric member number; see FindMembers.
	Query   string
	BrandID int64  // marked this brand as a favourite
	Gender  string // fanmail.GenderFemale, …
	AgeBand string // a label of Options.AgeBands, e.g. "24-26"
	Consent string // a purpose currently granted, e.g. fanmail.PurposeMarketingEmail
	Status  string // fanmail.MemberActive, …
	Before  int64  // cursor: MemberPage.Next of the previous page; 0 = first page
	Limit   int    // page size, default SearchPageSize, at most MaxSearchPageSize
}

// Page sizes of FindMembers.
const (
	SearchPageSize    = 50
	MaxSearchPageSize = 200
)

// MemberPage is one page of a member search, newest first.
type MemberPage struct {
	Members []fanmail.Member
	// Next is the cursor (MemberFilter.Before) of the next page, 0 on the last.
	Next int64
}

// FindMembers returns a page of the members matching f, highest id first.
// The query is matched as a prefix and read by its shape: with an "@" it is
// the start of an e-mail address; digits (dashes and spaces allowed) are the
// start of a phone number or of a member id, or a whole member number;
// anything else is the start of a name, an e-mail address or a member id.
// It returns EINVALID for an unknown gender, age band, consent purpose or
// status.
func (s *Service) FindMembers(ctx context.Context, f MemberFilter) (MemberPage, error) {
	q, err := s.memberSearch(f)
	if err != nil {
		return MemberPage{}, err
	}
	q.Limit++ // one more tells whether a next page exists
	ms, err := s.db.SearchMembers(ctx, q)
	if err != nil {
		return MemberPage{}, err
	}
	var page MemberPage
	if len(ms) == q.Limit {
		ms = ms[:len(ms)-1]
		page.Next = ms[len(ms)-1].ID
	}
	page.Members = ms
	return page, nil
}

// memberSearch turns a filter into the store's search.
func (s *Service) memberSearch(f MemberFilter) (store.MemberSearch, error) {
	q := searchText(f.Query)
	q.BrandID, q.Before = f.BrandID, f.Before
	switch f.Gender {
	case "", fanmail.GenderFemale, fanmail.GenderMale, fanmail.GenderOther:
		q.Gender = f.Gender
	default:
		return q, fanmail.FieldError("gender", "Unknown gender.")
	}
	switch f.Status {
	case "", fanmail.MemberPending, fanmail.MemberActive, fanmail.MemberInactive:
		q.Status = f.Status
	default:
		return q, fanmail.FieldError("status", "Unknown member status.")
	}
	if f.Consent != "" && !fanmail.IsPurpose(f.Consent) {
		return q, fanmail.FieldError("consent", "Unknown consent purpose.")
	}
	q.Consent = f.Consent
	if f.AgeBand != "" {
		band, ok := s.searchAgeBand(f.AgeBand)
		if !ok {
			return q, fanmail.FieldError("age_band", "Unknown age band.")
		}
		q.MinBirthYear, q.MaxBirthYear = band.BirthYearRange(s.db.Now())
		q.MinBirthYear = max(q.MinBirthYear, 1) // 0 is "unknown", never in a band
	}
	q.Limit = f.Limit
	if q.Limit <= 0 {
		q.Limit = SearchPageSize
	}
	q.Limit = min(q.Limit, MaxSearchPageSize)
	return q, nil
}

func (s *Service) searchAgeBand(label string) (fanmail.AgeBand, bool) {
	bands := s.opts.AgeBands
	if len(bands) == 0 {
		bands = fanmail.DefaultAgeBands
	}
	for _, b := range bands {
		if b.Label == label {
			return b, true
		}
	}
	return fanmail.AgeBand{}, false
}

// SearchAgeBands returns the configured age bands, for search forms.
func (s *Service) SearchAgeBands() []fanmail.AgeBand {
	if len(s.opts.AgeBands) == 0 {
		return fanmail.DefaultAgeBands
	}
	return s.opts.AgeBands
}

// FilterBrands returns every brand, published or not, in catalogue order,
// for the brand filter of the member search.
func (s *Service) FilterBrands(ctx context.Context) ([]fanmail.Brand, error) {
	return s.db.Brands(ctx, 0, false)
}

// searchText reads the shape of a search query into prefix alternatives.
func searchText(raw string) store.MemberSearch {
	var q store.MemberSearch
	text := strings.TrimSpace(strings.ToValidUTF8(raw, ""))
	if text == "" {
		return q
	}
	if strings.Contains(text, "@") {
		q.EmailPrefixes = []string{fanmail.NormalizeEmail(text)}
		return q
	}
	if searchPhoneLike(text) {
		digits := fanmail.NormalizePhone(text)
		q.PhonePrefixes = []string{digits}
		q.CodePrefixes = []string{digits}
		if id, err := strconv.ParseInt(digits, 10, 64); err == nil && id > 0 && digits[0] != '0' {
			q.ID = id
		}
		return q
	}
	q.NamePrefixes = searchVariants(text, searchUpperFirst(text))
	q.EmailPrefixes = []string{fanmail.NormalizeEmail(text)}
	q.CodePrefixes = searchVariants(text, strings.ToLower(text))
	return q
}

// searchPhoneLike reports whether s has digits and otherwise only the separators
// people type into phone numbers.
func searchPhoneLike(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case unicode.IsDigit(r) && r < utf8.RuneSelf:
			digits++
		case r == '-' || r == ' ' || r == '.' || r == '(' || r == ')' || (r == '+' && i == 0):
		default:
			return false
		}
	}
	return digits > 0
}

// searchUpperFirst capitalises the first letter, so "kim" also finds "Kim Minji"
// (names are compared byte by byte; Hangul has no case).
func searchUpperFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// searchVariants returns the distinct strings among ss, in order.
func searchVariants(ss ...string) []string {
	var out []string
	for _, s := range ss {
		dup := false
		for _, o := range out {
			dup = dup || o == s
		}
		if !dup {
			out = append(out, s)
		}
	}
	return out
}

// MemberRecord is everything fanmail knows about one member, for staff.
type MemberRecord struct {
	Member    fanmail.Member
	Shop      fanmail.Shop       // the registering shop; zero when none
	AgeBand   string             // label of the member's age band, "" if unknown
	Questions []fanmail.Question // every profile question, to label Answers
	Answers   []fanmail.Answer
	Brands    []fanmail.Brand   // favourite brands in catalogue order
	Consents  map[string]bool   // current decision per purpose; undecided purposes absent
	History   []fanmail.Consent // every consent record, oldest first

	Profile        fanmail.MemberProfile // the analysis of step 5
	PreferredGroup fanmail.BrandGroup    // the profile's preferred group; zero when none
}

// MemberRecord returns the whole record of the member with id, or ENOTFOUND.
func (s *Service) MemberRecord(ctx context.Context, id int64) (MemberRecord, error) {
	var rec MemberRecord
	var err error
	if rec.Member, err = s.db.MemberByID(ctx, id); err != nil {
		return rec, err
	}
	if rec.Member.ShopID != 0 {
		if rec.Shop, err = s.db.ShopByID(ctx, rec.Member.ShopID); err != nil {
			return rec, err
		}
	}
	rec.AgeBand = fanmail.AgeBandOf(s.SearchAgeBands(), rec.Member.BirthYear, s.db.Now())
	if rec.Questions, err = s.db.Questions(ctx, ProfileSurvey, false); err != nil {
		return rec, err
	}
	if rec.Answers, err = s.db.Answers(ctx, id); err != nil {
		return rec, err
	}
	liked, err := s.db.BrandPreferences(ctx, id)
	if err != nil {
		return rec, err
	}
	if len(liked) > 0 {
		all, err := s.db.Brands(ctx, 0, false)
		if err != nil {
			return rec, err
		}
		for _, b := range all {
			if slices.Contains(liked, b.ID) {
				rec.Brands = append(rec.Brands, b)
			}
		}
	}
	if rec.Consents, err = s.db.CurrentConsents(ctx, id); err != nil {
		return rec, err
	}
	if rec.History, err = s.db.ConsentHistory(ctx, id); err != nil {
		return rec, err
	}
	if rec.Profile, err = s.Profile(ctx, id); err != nil {
		return rec, err
	}
	if rec.Profile.PreferredGroupID != 0 {
		if rec.PreferredGroup, err = s.db.BrandGroupByID(ctx, rec.Profile.PreferredGroupID, false); err != nil {
			return rec, err
		}
	}
	return rec, nil
}
