package fanmail

import (
	"slices"
	"time"
)

// Profile analysis (seed 000 step 5): from a member's profile answers,
// favourite brands and purchases, fanmail derives the brand group they
// prefer and how they buy, to choose the deep survey and to target
// campaigns. The rules are below, their numbers in one block.

// Purchase patterns: the answers of the seed's "when do you buy this brand"
// (any time at full price, waiting for the sale, at the outlet, at
// department-store events), read from what the member actually bought.
const (
	PatternFullPrice = "full_price" // pays the list price
	PatternSale      = "sale"       // waits for sales: buys discounted at the brand's own shops or online
	PatternOutlet    = "outlet"     // buys at outlet shops (상설 할인매장)
	PatternEvent     = "event"      // buys discounted at department-store counters: their events and season sales
	PatternUnknown   = "unknown"    // no purchase that can be classified
)

// PurchasePatterns lists the patterns in the order the UI offers them; ties
// between patterns go to the earlier one.
var PurchasePatterns = []string{PatternFullPrice, PatternSale, PatternOutlet, PatternEvent, PatternUnknown}

// IsPurchasePattern reports whether s is a known purchase pattern.
func IsPurchasePattern(s string) bool { return slices.Contains(PurchasePatterns, s) }

// The numbers of the profile analysis.
const (
	// ProfileFavouriteVotes is what each favourite brand gives its group.
	ProfileFavouriteVotes = 3
	// ProfileStyleVotes is what each chosen profile answer linked to a
	// brand (the usual style options) gives that brand's group.
	ProfileStyleVotes = 2
	// ProfileWonPerVote: purchases give a group one vote per this many won
	// spent on its brands (fractions count).
	ProfileWonPerVote = 100_000
	// ProfileDiscountPercent: an item bought at least this many percent
	// below the product's list price at the time was bought at a discount.
	ProfileDiscountPercent = 10
)

// GroupVotes is what one brand group has in a member's profile analysis.
type GroupVotes struct {
	GroupID    int64
	Favourites int   // favourite brands of the group
	Styles     int   // chosen profile answer options linked to its brands
	Spent      int64 // won spent on its brands, all orders
}

// score is the group's votes times ProfileWonPerVote, an integer so that
// ties are exact.
func (v GroupVotes) score() int64 {
	return int64(v.Favourites*ProfileFavouriteVotes+v.Styles*ProfileStyleVotes)*ProfileWonPerVote + v.Spent
}

// Votes returns the group's votes: ProfileFavouriteVotes per favourite
// brand, ProfileStyleVotes per style answer, and one per ProfileWonPerVote
// won spent.
func (v GroupVotes) Votes() float64 { return float64(v.score()) / ProfileWonPerVote }

// PurchaseLine is one order item as the analysis sees it.
type PurchaseLine struct {
	Quantity  int
	UnitPrice int64  // paid per piece
	ListPrice int64  // the product's price when ordered; 0 when unknown
	Shelf     string // the product's shelf when ordered; "" when unknown
	ShopKind  string // the kind of the shop it was bought at; "" when none
}

// Pattern classifies the line: a gift (paid 0) is PatternUnknown; bought
// at an outlet shop is PatternOutlet; else discounted (from the sale shelf,
// or paid ProfileDiscountPercent or more below the list price) is
// PatternEvent at a department store and PatternSale elsewhere; else, with
// a list price to compare with, PatternFullPrice; else PatternUnknown (an
// item outside the catalogue).
func (l PurchaseLine) Pattern() string {
	discounted := l.Shelf == ShelfSale ||
		l.ListPrice > 0 && l.UnitPrice*100 <= l.ListPrice*(100-ProfileDiscountPercent)
	switch {
	case l.UnitPrice <= 0:
		return PatternUnknown
	case l.ShopKind == ShopOutlet:
		return PatternOutlet
	case discounted && l.ShopKind == ShopDepartment:
		return PatternEvent
	case discounted:
		return PatternSale
	case l.ListPrice > 0:
		return PatternFullPrice
	}
	return PatternUnknown
}

// PatternUnits counts the pieces a member bought by pattern; Unknown are
// those that could not be classified.
type PatternUnits struct {
	FullPrice, Sale, Outlet, Event, Unknown int
}

// Of returns the pieces counted under pattern.
func (u PatternUnits) Of(pattern string) int {
	switch pattern {
	case PatternFullPrice:
		return u.FullPrice
	case PatternSale:
		return u.Sale
	case PatternOutlet:
		return u.Outlet
	case PatternEvent:
		return u.Event
	}
	return u.Unknown
}

func (u *PatternUnits) add(pattern string, n int) {
	switch pattern {
	case PatternFullPrice:
		u.FullPrice += n
	case PatternSale:
		u.Sale += n
	case PatternOutlet:
		u.Outlet += n
	case PatternEvent:
		u.Event += n
	default:
		u.Unknown += n
	}
}

// Classified returns the pieces with a known pattern.
func (u PatternUnits) Classified() int { return u.FullPrice + u.Sale + u.Outlet + u.Event }

// MemberProfile is the stored result of a member's profile analysis.
type MemberProfile struct {
	MemberID         int64
	PreferredGroupID int64      // 0: no group has a vote
	Group            GroupVotes // the preferred group's votes: why it won
	PurchasePattern  string
	Units            PatternUnits // why the pattern was chosen
	ComputedAt       time.Time    // zero: never analysed (nothing to analyse)
}

// AnalyseProfile derives a member's profile from the votes of brand groups,
// in catalogue order, and the member's order items.
//
// The preferred group is the one with the most votes (see GroupVotes.Votes);
// ties go to the group first in the catalogue; no group without a vote.
//
// The purchase pattern is the pattern of the most pieces bought (see
// PurchaseLine.Pattern), over all orders; ties go to the pattern first in
// PurchasePatterns; PatternUnknown when no piece can be classified.
func AnalyseProfile(memberID int64, groups []GroupVotes, lines []PurchaseLine) MemberProfile {
	p := MemberProfile{MemberID: memberID, PurchasePattern: PatternUnknown}
	for _, g := range groups {
		if g.score() > p.Group.score() {
			p.Group, p.PreferredGroupID = g, g.GroupID
		}
	}
	for _, l := range lines {
		p.Units.add(l.Pattern(), l.Quantity)
	}
	best := 0
	for _, pattern := range []string{PatternFullPrice, PatternSale, PatternOutlet, PatternEvent} {
		if n := p.Units.Of(pattern); n > best {
			p.PurchasePattern, best = pattern, n
		}
	}
	return p
}
