package fanmail

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Ledger units: mania chips (seed 000: numbered tokens, exchangeable for a
// brand's products) and points (seed 001: usable on the next purchase).
const (
	UnitChip  = "chip"
	UnitPoint = "point"
)

// Ledger operations. The ledger is append-only: a correction is a new entry.
const (
	OpIssue   = "issue"   // amount > 0
	OpRedeem  = "redeem"  // amount < 0, spent on a reward
	OpExpire  = "expire"  // amount <= 0, what was left of an expired issue
	OpReverse = "reverse" // the negation of an issue or a redemption
)

// Reasons of ledger entries.
const (
	ReasonBrandWelcome   = "brand_welcome"   // a brand's welcome mail (seed 000 step 5)
	ReasonSurveyAnswered = "survey_answered" // a brand survey answered (step 7)
	ReasonFanReward      = "fan_reward"      // became a brand fan (step 9)
	ReasonRedemption     = "redemption"
	ReasonManual         = "manual" // entered by staff
	ReasonExpiry         = "expiry"
	ReasonReversal       = "reversal"
)

// Limits of the ledger and the catalogue.
const (
	// FirstChipNumber is the number of the first chip ever issued; the
	// following ones count up from it across all members and brands.
	FirstChipNumber = 10001
	// MaxChipsPerEntry bounds one chip issue, which takes a block of
	// consecutive chip numbers.
	MaxChipsPerEntry  = 100
	MaxPointsPerEntry = 10_000_000
	MaxRewardCost     = 1_000_000  // chips
	MaxCertValue      = 10_000_000 // won
	MaxRefChars       = 200
	MaxNoteChars      = 500
	MaxRewardNameLen  = 100
	MaxFanRulePoints  = 1000 // points of one option value of a score rule
	MaxFanRuleOptions = 200
)

// LedgerEntry is one movement of a member's chips or points. Chip issues
// carry numbers: an entry of n chips holds ChipNumber … ChipNumber+n-1.
type LedgerEntry struct {
	ID         int64
	MemberID   int64
	BrandID    int64 // 0: no brand
	Unit       string
	Op         string
	Amount     int64 // positive for issue, negative for redeem and expire
	ChipNumber int64 // first chip number of a chip issue; 0 otherwise
	Reason     string
	// Ref names the cause, e.g. "welcome:member:7:brand:3"; unique, so the
	// same cause never pays twice.
	Ref          string
	MessageID    int64 // outbox message that carried it; 0 if none
	RedemptionID int64 // redemption that spent it (op redeem); 0 otherwise
	// ReversesID is the entry this one negates: for op reverse the reversed
	// entry, for op expire the expired issue; 0 otherwise.
	ReversesID int64
	Note       string
	ExpiresAt  *time.Time // issues only; nil: never expires
	StaffID    int64      // the staff member who entered it (a reversal); 0 otherwise
	CreatedAt  time.Time
}

// ChipNumbers names the chips of a chip issue as the chip mail does:
// "No:10001", or "No:10001–10003" for several; "" for other entries.
func (e LedgerEntry) ChipNumbers() string {
	if e.ChipNumber == 0 {
		return ""
	}
	s := "No:" + strconv.FormatInt(e.ChipNumber, 10)
	if e.Amount > 1 {
		s += "–" + strconv.FormatInt(e.ChipNumber+e.Amount-1, 10)
	}
	return s
}

// IsUnit reports whether u is a ledger unit.
func IsUnit(u string) bool { return u == UnitChip || u == UnitPoint }

// ValidateIssue checks an entry about to be issued. EINVALID names the field
// at fault.
func (e LedgerEntry) ValidateIssue() error {
	switch {
	case e.MemberID == 0:
		return FieldError("member", "The entry needs a member.")
	case !IsUnit(e.Unit):
		return FieldError("unit", "The unit must be chip or point.")
	case e.Amount < 1:
		return FieldError("amount", "The amount must be positive.")
	case e.Unit == UnitChip && e.Amount > MaxChipsPerEntry:
		return FieldError("amount", "At most 100 chips can be issued at once.")
	case e.Amount > MaxPointsPerEntry:
		return FieldError("amount", "The amount is too large.")
	case !isIssueReason(e.Reason):
		return FieldError("reason", "Unknown reason.")
	case strings.TrimSpace(e.Ref) == "" || len(e.Ref) > MaxRefChars:
		return FieldError("ref", "The entry needs a reference of at most 200 characters.")
	case utf8.RuneCountInString(e.Note) > MaxNoteChars:
		return FieldError("note", "The note is too long.")
	case e.ExpiresAt != nil && !e.CreatedAt.IsZero() && !e.ExpiresAt.After(e.CreatedAt):
		return FieldError("expires_at", "The expiry must be in the future.")
	}
	return nil
}

func isIssueReason(r string) bool {
	switch r {
	case ReasonBrandWelcome, ReasonSurveyAnswered, ReasonFanReward, ReasonManual:
		return true
	}
	return false
}

// SameIssue reports whether o issues what e does: a repeated cause (the
// same Ref) must name the same member, brand, unit and amount.
func (e LedgerEntry) SameIssue(o LedgerEntry) bool {
	return e.MemberID == o.MemberID && e.BrandID == o.BrandID && e.Unit == o.Unit && e.Amount == o.Amount && e.Op == o.Op
}

// Balance is what a member holds of one unit, per brand (0: no brand).
type Balance struct {
	MemberID int64
	BrandID  int64
	Unit     string
	Amount   int64
}

// Reward kinds.
const (
	RewardProduct     = "product"     // a product handed over at a shop
	RewardCertificate = "certificate" // a gift certificate of Value won
)

// Reward is an item of the reward catalogue, bought with a brand's chips.
type Reward struct {
	ID        int64
	BrandID   int64 // whose chips pay for it; 0: chips without a brand
	Kind      string
	Name      string // Korean
	NameEn    string
	ProductID int64 // 0 or a catalogue product of the brand
	Cost      int64 // chips
	Value     int64 // won, for certificates
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RewardUpdate changes a reward; nil fields stay unchanged.
type RewardUpdate struct {
	Name      *string
	NameEn    *string
	ProductID *int64
	Cost      *int64
	Value     *int64
	Active    *bool
}

// Apply returns r changed by u.
func (u RewardUpdate) Apply(r Reward) Reward {
	set(&r.Name, u.Name)
	set(&r.NameEn, u.NameEn)
	set(&r.ProductID, u.ProductID)
	set(&r.Cost, u.Cost)
	set(&r.Value, u.Value)
	set(&r.Active, u.Active)
	return r
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// Validate checks a reward before it is stored. EINVALID names the field.
func (r Reward) Validate() error {
	switch {
	case r.Kind != RewardProduct && r.Kind != RewardCertificate:
		return FieldError("kind", "The kind must be product or certificate.")
	case strings.TrimSpace(r.Name) == "":
		return FieldError("name", "The name is required.")
	case utf8.RuneCountInString(r.Name) > MaxRewardNameLen:
		return FieldError("name", "The name is too long.")
	case utf8.RuneCountInString(r.NameEn) > MaxRewardNameLen:
		return FieldError("name_en", "The name is too long.")
	case r.Cost < 1 || r.Cost > MaxRewardCost:
		return FieldError("cost", "The cost must be between 1 and 1,000,000 chips.")
	case r.Kind == RewardCertificate && (r.Value < 1 || r.Value > MaxCertValue):
		return FieldError("value", "The value must be between 1 and 10,000,000 won.")
	case r.Kind == RewardCertificate && r.ProductID != 0:
		return FieldError("product", "A gift certificate is not a product.")
	case r.Kind == RewardProduct && r.Value != 0:
		return FieldError("value", "Only gift certificates have a value.")
	}
	return nil
}

// Certificate states. issued → redeemed | expired | void; the last three are final.
const (
	CertIssued   = "issued"
	CertRedeemed = "redeemed"
	CertExpired  = "expired"
	CertVoid     = "void"
)

// Certificate is a gift certificate worth Value won, exchangeable at a shop
// once. Its Code is what the member types or shows.
type Certificate struct {
	ID         int64
	Code       string
	MemberID   int64
	BrandID    int64 // 0: any brand
	Value      int64 // won
	State      string
	Reason     string
	Ref        string // unique cause, like a ledger entry's
	ExpiresAt  *time.Time
	RedeemedAt *time.Time
	ShopID     int64 // where it was redeemed; 0 before
	CreatedAt  time.Time
}

// ValidateIssue checks a certificate about to be issued.
func (c Certificate) ValidateIssue() error {
	switch {
	case c.MemberID == 0:
		return FieldError("member", "The gift certificate needs a member.")
	case c.Value < 1 || c.Value > MaxCertValue:
		return FieldError("value", "The value must be between 1 and 10,000,000 won.")
	case strings.TrimSpace(c.Ref) == "" || len(c.Ref) > MaxRefChars:
		return FieldError("ref", "The gift certificate needs a reference of at most 200 characters.")
	case c.Reason == "":
		return FieldError("reason", "Unknown reason.")
	}
	return nil
}

// CanRedeem returns nil if c can be redeemed at now, else why not:
// ECONFLICT (already redeemed), EEXPIRED, or EINVALID (void).
func (c Certificate) CanRedeem(now time.Time) error {
	switch {
	case c.State == CertRedeemed:
		return Errorf(ECONFLICT, "This gift certificate was already redeemed.")
	case c.State == CertExpired || c.State == CertIssued && c.ExpiresAt != nil && !now.Before(*c.ExpiresAt):
		return Errorf(EEXPIRED, "This gift certificate has expired.")
	case c.State == CertVoid:
		return Errorf(EINVALID, "This gift certificate is void.")
	}
	return nil
}

// Redemption states.
const (
	RedemptionDone     = "done"
	RedemptionReversed = "reversed"
)

// Redemption is an exchange at a shop: chips for a reward, or a gift
// certificate for goods. IdempotencyKey makes a repeated request (a
// terminal's retry) return the first result.
type Redemption struct {
	ID             int64
	IdempotencyKey string
	MemberID       int64
	BrandID        int64 // whose chips paid; 0: none or no brand
	RewardID       int64 // 0 for a certificate redemption
	// CertificateID is the certificate redeemed, or for a certificate
	// reward the certificate it issued.
	CertificateID int64
	Cost          int64 // chips spent
	ShopID        int64
	StaffID       int64
	State         string
	CreatedAt     time.Time
}

// SameRequest reports whether o asks for what r did: a request repeated with
// r's idempotency key must name the same member, reward or certificate, shop
// and staff.
func (r Redemption) SameRequest(o Redemption) bool {
	if r.MemberID != o.MemberID || r.RewardID != o.RewardID || r.ShopID != o.ShopID || r.StaffID != o.StaffID {
		return false
	}
	return r.RewardID != 0 || r.CertificateID == o.CertificateID
}

// FanMembership makes a member a fan ("mania member") of a brand, since the
// first decision that said so. It is never revoked by a later decision.
type FanMembership struct {
	MemberID int64
	BrandID  int64
	Since    time.Time
}

// FanDecision records one evaluation of a brand's fan rule after a survey
// response: the rule as it was, the values that decided, and the outcome.
type FanDecision struct {
	ID         int64
	MemberID   int64
	BrandID    int64
	IsFan      bool
	Rule       string // the rule, as FanRule.String
	Values     string // the values that led to the outcome, as Decide explains them
	ResponseID int64  // the survey response decided on; unique per brand
	DecidedAt  time.Time
}

// Fan rule kinds: how a brand decides who is its fan (seed 000 step 8).
const (
	// FanShareAtLeast: the answer to QuestionKey is an option at
	// MinPosition or later (options ordered low to high, e.g. share of
	// wardrobe "0–10 %" … "61 %+"), or a number of at least MinPosition.
	FanShareAtLeast = "share_at_least"
	// FanScoreAtLeast: the chosen option values of the response, scored by
	// Points, sum to at least Threshold.
	FanScoreAtLeast = "score_at_least"
	// FanSurveysAnswered: the member answered at least Threshold surveys
	// of the brand.
	FanSurveysAnswered = "surveys_answered"
)

// FanRule is a brand's rule for fan membership.
type FanRule struct {
	BrandID     int64
	Enabled     bool
	Kind        string
	QuestionKey string         // FanShareAtLeast
	MinPosition int            // FanShareAtLeast
	Points      map[string]int // FanScoreAtLeast: option value → points
	Threshold   int            // FanScoreAtLeast, FanSurveysAnswered
	UpdatedAt   time.Time
}

// FanInput is what a fan rule decides on: the survey response just given
// and how many of the brand's surveys the member has answered.
type FanInput struct {
	Answers map[string]FanAnswer // by question key
	// SurveysAnswered counts the brand's surveys the member answered,
	// this response included.
	SurveysAnswered int
}

// FanAnswer is the answer to one question: the chosen options, or a number
// (a scale or NPS question).
type FanAnswer struct {
	Options []FanOption
	Number  *float64
}

// FanOption is a chosen option: its value and its position in the question.
type FanOption struct {
	Value    string
	Position int
}

// DefaultFanRule is the fan rule of a brand whose staff set none: a share
// of wardrobe of 31 % or more (the third option of the seed's deep survey).
var DefaultFanRule = FanRule{Enabled: true, Kind: FanShareAtLeast, QuestionKey: "wardrobe_share", MinPosition: 2}

// FanRuleKinds lists the kinds of fan rules, for forms.
var FanRuleKinds = []string{FanShareAtLeast, FanScoreAtLeast, FanSurveysAnswered}

// Validate checks a rule before it is stored. EINVALID names the field.
func (r FanRule) Validate() error {
	switch r.Kind {
	case FanShareAtLeast:
		if strings.TrimSpace(r.QuestionKey) == "" || len(r.QuestionKey) > 100 {
			return FieldError("question_key", "The rule needs a question.")
		}
		if r.MinPosition < 0 {
			return FieldError("min_position", "The minimum position cannot be negative.")
		}
	case FanScoreAtLeast:
		if len(r.Points) == 0 || len(r.Points) > MaxFanRuleOptions {
			return FieldError("points", "Give points to between 1 and 200 answer options.")
		}
		for v, p := range r.Points {
			if v == "" || p < -MaxFanRulePoints || p > MaxFanRulePoints {
				return FieldError("points", "Points must be between -1000 and 1000 for a named option.")
			}
		}
		if r.Threshold < 1 {
			return FieldError("threshold", "The threshold must be positive.")
		}
	case FanSurveysAnswered:
		if r.Threshold < 1 || r.Threshold > 1000 {
			return FieldError("threshold", "The number of surveys must be between 1 and 1000.")
		}
	default:
		return FieldError("kind", "Unknown rule kind.")
	}
	return nil
}

// String describes the rule, e.g. "share_at_least share_of_wardrobe >= 4".
func (r FanRule) String() string {
	var s string
	switch r.Kind {
	case FanShareAtLeast:
		s = fmt.Sprintf("%s %s >= %d", r.Kind, r.QuestionKey, r.MinPosition)
	case FanScoreAtLeast:
		s = fmt.Sprintf("%s %s >= %d", r.Kind, formatPoints(r.Points), r.Threshold)
	case FanSurveysAnswered:
		s = fmt.Sprintf("%s >= %d", r.Kind, r.Threshold)
	default:
		s = "no rule"
	}
	if !r.Enabled {
		s += " (disabled)"
	}
	return s
}

func formatPoints(points map[string]int) string {
	keys := make([]string, 0, len(points))
	for k := range points {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, points[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Decide applies the rule to in. It reports whether the member is a fan and
// why, naming the values that decided. A disabled or unknown rule makes no
// fans.
func (r FanRule) Decide(in FanInput) (isFan bool, why string) {
	if !r.Enabled {
		return false, "rule disabled"
	}
	switch r.Kind {
	case FanShareAtLeast:
		return r.decideShare(in)
	case FanScoreAtLeast:
		return r.decideScore(in)
	case FanSurveysAnswered:
		n := in.SurveysAnswered
		return n >= r.Threshold, fmt.Sprintf("surveys_answered=%d", n)
	}
	return false, "no rule"
}

func (r FanRule) decideShare(in FanInput) (bool, string) {
	a, ok := in.Answers[r.QuestionKey]
	if !ok {
		return false, r.QuestionKey + " not answered"
	}
	if a.Number != nil {
		n := *a.Number
		return n >= float64(r.MinPosition), fmt.Sprintf("%s=%s", r.QuestionKey, strconv.FormatFloat(n, 'f', -1, 64))
	}
	best := FanOption{Position: -1}
	for _, o := range a.Options {
		if o.Position > best.Position {
			best = o
		}
	}
	if best.Position < 0 {
		return false, r.QuestionKey + " not answered"
	}
	return best.Position >= r.MinPosition, fmt.Sprintf("%s=%s (position %d)", r.QuestionKey, best.Value, best.Position)
}

func (r FanRule) decideScore(in FanInput) (bool, string) {
	keys := make([]string, 0, len(in.Answers))
	for k := range in.Answers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	score := 0
	var parts []string
	for _, k := range keys {
		for _, o := range in.Answers[k].Options {
			if p, ok := r.Points[o.Value]; ok {
				score += p
				parts = append(parts, fmt.Sprintf("%s=%s:%d", k, o.Value, p))
			}
		}
	}
	return score >= r.Threshold, fmt.Sprintf("score=%d [%s]", score, strings.Join(parts, " "))
}
