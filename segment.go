package fanmail

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Segment is a saved, named audience: rules evaluated whenever the segment is
// counted or a campaign is sent to it, never a frozen member list.
type Segment struct {
	ID        int64
	Name      string
	Rules     SegmentRules
	CreatedBy int64 // staff user, 0 if unknown
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Operators joining the items of a segment group.
const (
	SegmentAnd = "and" // every condition and group must hold
	SegmentOr  = "or"  // at least one must hold
)

// SegmentRules is a group of conditions and nested groups joined by Op. The
// top-level group of a segment may be empty: it then matches every member.
// It is stored as JSON in segments.rules.
type SegmentRules struct {
	Op         string             `json:"op"`
	Conditions []SegmentCondition `json:"conditions,omitempty"`
	Groups     []SegmentRules     `json:"groups,omitempty"`
}

// SegmentCondition is one test on a member. Which of Values, IDs, Question,
// Number, Days and Date it uses depends on Field and Op (see Validate).
type SegmentCondition struct {
	Field    string   `json:"field"`
	Op       string   `json:"op"`
	Values   []string `json:"values,omitempty"`   // genders, statuses, sources, regions, postal code prefixes, age band labels, one consent purpose, purchase patterns
	IDs      []int64  `json:"ids,omitempty"`      // brands, brand groups, shops, options of Question
	Question int64    `json:"question,omitempty"` // the question whose options IDs lists (FieldAnswer)
	Number   int64    `json:"number,omitempty"`   // orders (FieldOrderCount) or won (FieldOrderTotal)
	Days     int      `json:"days,omitempty"`     // the last N days; for purchases 0 means ever
	Date     string   `json:"date,omitempty"`     // YYYY-MM-DD in SegmentZone (FieldRegistered)
}

// Segment condition fields.
const (
	FieldGender      = "gender"       // Values: SegmentGenders
	FieldAgeBand     = "age_band"     // Values: age band labels ("21-23", "40+"), ages this year
	FieldRegion      = "region"       // Values: codes of SegmentRegions, matched against the start of the address
	FieldPostalCode  = "postal_code"  // Values: postal code prefixes (digits)
	FieldAnswer      = "answer"       // Question and IDs: options chosen in a survey answer
	FieldBrand       = "brand"        // IDs: favourite brands
	FieldBrandGroup  = "brand_group"  // IDs: brand groups, any favourite brand of them
	FieldConsent     = "consent"      // Values: one consent purpose, currently granted or not
	FieldRegistered  = "registered"   // Date or Days: when the member registered
	FieldSource      = "source"       // Values: SegmentSources
	FieldShop        = "shop"         // IDs: the shop that registered the member
	FieldStatus      = "status"       // Values: member statuses
	FieldOpened      = "opened"       // Days: opened (or clicked in) a campaign mail
	FieldClicked     = "clicked"      // Days: clicked a link in a campaign mail
	FieldBoughtBrand = "bought_brand" // IDs and Days: ordered an item of the brands
	FieldOrderCount  = "order_count"  // Number and Days: number of orders
	FieldOrderTotal  = "order_total"  // Number and Days: total order amount in won
	FieldLastOrder   = "last_order"   // Days: when the last order was placed

	// The profile analysis (see AnalyseProfile); a member never analysed
	// has no preferred group and PatternUnknown.
	FieldPreferredGroup  = "preferred_group"  // IDs: brand groups, the member's preferred one
	FieldPurchasePattern = "purchase_pattern" // Values: PurchasePatterns
)

// SegmentFields lists every condition field in the order the builder offers them.
var SegmentFields = []string{
	FieldGender, FieldAgeBand, FieldRegion, FieldPostalCode, FieldAnswer,
	FieldBrand, FieldBrandGroup, FieldPreferredGroup, FieldConsent, FieldRegistered, FieldSource, FieldShop, FieldStatus,
	FieldOpened, FieldClicked, FieldBoughtBrand, FieldOrderCount, FieldOrderTotal, FieldLastOrder, FieldPurchasePattern,
}

// Segment condition operators.
const (
	OpIn            = "in"              // the member's value is one of the listed ones
	OpNotIn         = "not_in"          // none of them
	OpAll           = "all"             // all of them (FieldBrand, FieldAnswer)
	OpGranted       = "granted"         // consent currently granted
	OpNotGranted    = "not_granted"     // refused, withdrawn or never asked
	OpBefore        = "before"          // strictly before Date
	OpOnOrAfter     = "on_or_after"     // on Date or later
	OpWithinDays    = "within_days"     // in the last Days days
	OpNotWithinDays = "not_within_days" // not in the last Days days
	OpAtLeast       = "at_least"        // ≥ Number
	OpLessThan      = "less_than"       // < Number
)

// SegmentOps returns the operators field accepts, in the builder's order.
func SegmentOps(field string) []string {
	switch field {
	case FieldGender, FieldAgeBand, FieldRegion, FieldPostalCode, FieldSource, FieldShop, FieldStatus,
		FieldBrandGroup, FieldBoughtBrand, FieldPreferredGroup, FieldPurchasePattern:
		return []string{OpIn, OpNotIn}
	case FieldAnswer, FieldBrand:
		return []string{OpIn, OpAll, OpNotIn}
	case FieldConsent:
		return []string{OpGranted, OpNotGranted}
	case FieldRegistered:
		return []string{OpWithinDays, OpNotWithinDays, OpBefore, OpOnOrAfter}
	case FieldOpened, FieldClicked, FieldLastOrder:
		return []string{OpWithinDays, OpNotWithinDays}
	case FieldOrderCount, FieldOrderTotal:
		return []string{OpAtLeast, OpLessThan}
	}
	return nil
}

// GenderUnknown stands for members who gave no gender in segment rules.
const GenderUnknown = "unknown"

// SegmentGenders are the values of FieldGender.
var SegmentGenders = []string{GenderFemale, GenderMale, GenderOther, GenderUnknown}

// SegmentSources are the values of FieldSource.
var SegmentSources = []string{SourceWeb, SourceShop, SourceImport, SourceAPI, SourceAdmin}

// SegmentStatuses are the values of FieldStatus.
var SegmentStatuses = []string{MemberPending, MemberActive, MemberInactive}

// Region is a Korean province-level division; a member is in it when the
// address starts with one of Prefixes (the short and the official form).
type Region struct {
	Code     string // the short Korean name, e.g. 서울
	NameEn   string
	Prefixes []string
}

// SegmentRegions are the values of FieldRegion: the 17 divisions of Korea.
var SegmentRegions = []Region{
	{"서울", "Seoul", []string{"서울"}},
	{"부산", "Busan", []string{"부산"}},
	{"대구", "Daegu", []string{"대구"}},
	{"인천", "Incheon", []string{"인천"}},
	{"광주", "Gwangju", []string{"광주"}},
	{"대전", "Daejeon", []string{"대전"}},
	{"울산", "Ulsan", []string{"울산"}},
	{"세종", "Sejong", []string{"세종"}},
	{"경기", "Gyeonggi", []string{"경기"}},
	{"강원", "Gangwon", []string{"강원"}},
	{"충북", "North Chungcheong", []string{"충북", "충청북도"}},
	{"충남", "South Chungcheong", []string{"충남", "충청남도"}},
	{"전북", "North Jeolla", []string{"전북", "전라북도"}},
	{"전남", "South Jeolla", []string{"전남", "전라남도"}},
	{"경북", "North Gyeongsang", []string{"경북", "경상북도"}},
	{"경남", "South Gyeongsang", []string{"경남", "경상남도"}},
	{"제주", "Jeju", []string{"제주"}},
}

// RegionByCode returns the region with the code.
func RegionByCode(code string) (Region, bool) {
	for _, r := range SegmentRegions {
		if r.Code == code {
			return r, true
		}
	}
	return Region{}, false
}

// SegmentZone is the time zone in which segment dates (FieldRegistered) are
// read: a date means that day in Korea.
var SegmentZone = time.FixedZone("KST", 9*60*60)

// Limits of segment rules, so a saved segment stays a query a database answers fast.
const (
	MaxSegmentDepth      = 3   // the top group and two levels of nested groups
	MaxSegmentConditions = 50  // in all groups together
	MaxSegmentValues     = 200 // per condition
	MaxSegmentDays       = 36500
)

// Path names an item of segment rules in errors and forms: "g" is the top
// group, "g.c1" its second condition, "g.g0" its first nested group, "g.g0.c0"
// that group's first condition.
func SegmentPath(parent string, kind byte, i int) string {
	return parent + "." + string(kind) + strconv.Itoa(i)
}

// SegmentRoot is the path of the top-level group.
const SegmentRoot = "g"

// Validate returns an EINVALID error naming the path of the first group or
// condition at fault (see SegmentPath), or nil. It checks structure and values
// only; whether referenced brands, groups, shops and questions exist is the
// store's business.
func (r SegmentRules) Validate() error {
	n := 0
	return r.validate(SegmentRoot, 1, &n)
}

func (r SegmentRules) validate(path string, depth int, n *int) error {
	if r.Op != SegmentAnd && r.Op != SegmentOr {
		return FieldError(path, "A group must join its conditions with AND or OR.")
	}
	if depth > MaxSegmentDepth {
		return FieldError(path, "Groups are nested too deeply.")
	}
	if depth > 1 && len(r.Conditions) == 0 && len(r.Groups) == 0 {
		return FieldError(path, "A group needs at least one condition.")
	}
	for i, c := range r.Conditions {
		*n++
		if *n > MaxSegmentConditions {
			return FieldError(path, "A segment may have at most 50 conditions.")
		}
		if err := c.Validate(SegmentPath(path, 'c', i)); err != nil {
			return err
		}
	}
	for i, g := range r.Groups {
		if err := g.validate(SegmentPath(path, 'g', i), depth+1, n); err != nil {
			return err
		}
	}
	return nil
}

// IsEmpty reports whether the rules hold no condition at all (they then match
// every member).
func (r SegmentRules) IsEmpty() bool {
	for _, g := range r.Groups {
		if !g.IsEmpty() {
			return false
		}
	}
	return len(r.Conditions) == 0
}

// Validate returns an EINVALID error whose field is path when c is not a
// well-formed condition.
func (c SegmentCondition) Validate(path string) error {
	ops := SegmentOps(c.Field)
	if ops == nil {
		return FieldError(path, "Unknown segment field.")
	}
	if !contains(ops, c.Op) {
		return FieldError(path, "This operator does not fit the field.")
	}
	if len(c.Values) > MaxSegmentValues || len(c.IDs) > MaxSegmentValues {
		return FieldError(path, "Too many values in one condition.")
	}
	if c.Days < 0 || c.Days > MaxSegmentDays {
		return FieldError(path, "The number of days is not valid.")
	}
	switch c.Field {
	case FieldGender:
		return c.valuesFrom(path, SegmentGenders, "Unknown gender.")
	case FieldStatus:
		return c.valuesFrom(path, SegmentStatuses, "Unknown member status.")
	case FieldSource:
		return c.valuesFrom(path, SegmentSources, "Unknown registration source.")
	case FieldPurchasePattern:
		return c.valuesFrom(path, PurchasePatterns, "Unknown purchase pattern.")
	case FieldAgeBand:
		if len(c.Values) == 0 {
			return FieldError(path, "Pick at least one value.")
		}
		for _, v := range c.Values {
			if _, err := ParseAgeBand(v); err != nil {
				return FieldError(path, "Unknown age band.")
			}
		}
	case FieldRegion:
		if len(c.Values) == 0 {
			return FieldError(path, "Pick at least one value.")
		}
		for _, v := range c.Values {
			if _, ok := RegionByCode(v); !ok {
				return FieldError(path, "Unknown region.")
			}
		}
	case FieldPostalCode:
		if len(c.Values) == 0 {
			return FieldError(path, "Enter at least one postal code prefix.")
		}
		for _, v := range c.Values {
			if !isDigits(v) || len(v) > 5 {
				return FieldError(path, "A postal code prefix is one to five digits.")
			}
		}
	case FieldConsent:
		if len(c.Values) != 1 || !IsPurpose(c.Values[0]) {
			return FieldError(path, "Unknown consent purpose.")
		}
	case FieldAnswer:
		if c.Question <= 0 {
			return FieldError(path, "Pick a question.")
		}
		return c.needIDs(path)
	case FieldBrand, FieldBrandGroup, FieldShop, FieldBoughtBrand, FieldPreferredGroup:
		return c.needIDs(path)
	case FieldRegistered:
		if c.Op == OpBefore || c.Op == OpOnOrAfter {
			if _, err := time.ParseInLocation(time.DateOnly, c.Date, SegmentZone); err != nil {
				return FieldError(path, "Enter a date as YYYY-MM-DD.")
			}
			return nil
		}
		return c.needDays(path)
	case FieldOpened, FieldClicked, FieldLastOrder:
		return c.needDays(path)
	case FieldOrderCount, FieldOrderTotal:
		if c.Number < 1 {
			return FieldError(path, "Enter a number of at least 1.")
		}
	}
	return nil
}

// Tidy returns c without the parts its Field and Op do not use (a number of
// days left over on a gender condition, say), so stored rules say only what
// they mean.
func (c SegmentCondition) Tidy() SegmentCondition {
	t := SegmentCondition{Field: c.Field, Op: c.Op}
	switch c.Field {
	case FieldGender, FieldAgeBand, FieldRegion, FieldPostalCode, FieldConsent, FieldSource, FieldStatus,
		FieldPurchasePattern:
		t.Values = c.Values
	case FieldAnswer:
		t.Question, t.IDs = c.Question, c.IDs
	case FieldBrand, FieldBrandGroup, FieldShop, FieldPreferredGroup:
		t.IDs = c.IDs
	case FieldBoughtBrand:
		t.IDs, t.Days = c.IDs, c.Days
	case FieldOrderCount, FieldOrderTotal:
		t.Number, t.Days = c.Number, c.Days
	case FieldOpened, FieldClicked, FieldLastOrder:
		t.Days = c.Days
	case FieldRegistered:
		if c.Op == OpBefore || c.Op == OpOnOrAfter {
			t.Date = c.Date
		} else {
			t.Days = c.Days
		}
	}
	return t
}

func (c SegmentCondition) valuesFrom(path string, allowed []string, unknown string) error {
	if len(c.Values) == 0 {
		return FieldError(path, "Pick at least one value.")
	}
	for _, v := range c.Values {
		if !contains(allowed, v) {
			return FieldError(path, unknown)
		}
	}
	return nil
}

func (c SegmentCondition) needIDs(path string) error {
	if len(c.IDs) == 0 {
		return FieldError(path, "Pick at least one value.")
	}
	for _, id := range c.IDs {
		if id <= 0 {
			return FieldError(path, "Pick at least one value.")
		}
	}
	return nil
}

func (c SegmentCondition) needDays(path string) error {
	if c.Days < 1 {
		return FieldError(path, "Enter a number of days of at least 1.")
	}
	return nil
}

// ParseAgeBand parses one age band label, "21-23" or "40+".
func ParseAgeBand(label string) (AgeBand, error) {
	if strings.Contains(label, ",") || label == "" {
		return AgeBand{}, Errorf(EINVALID, "Unknown age band.")
	}
	bands, err := ParseAgeBands(label)
	if err != nil {
		return AgeBand{}, err
	}
	return bands[0], nil
}

// SegmentDate returns the start of day date (YYYY-MM-DD) in SegmentZone.
func SegmentDate(date string) (time.Time, error) {
	return time.ParseInLocation(time.DateOnly, date, SegmentZone)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
