package admin

import (
	"strconv"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/web"
)

// patternLabels name the purchase patterns (English message keys); the
// member page and the segment builder show them.
var patternLabels = map[string]string{
	fanmail.PatternFullPrice: "Full price",
	fanmail.PatternSale:      "Waits for sales",
	fanmail.PatternOutlet:    "Outlet",
	fanmail.PatternEvent:     "Department-store events",
	fanmail.PatternUnknown:   "Unknown",
}

// mbAnalysis is the profile analysis on the member page
// (_member_analysis.html), with the numbers that led to it.
type mbAnalysis struct {
	Analysed   bool
	ComputedAt time.Time

	HasGroup         bool
	GroupKo, GroupEn string
	Votes            string // "9.5"
	Group            fanmail.GroupVotes
	SpentWon         string // "150,000원"
	WonPerVote       string
	FavouriteVotes   int
	StyleVotes       int

	Pattern         string // label key
	Units           []mbPatternUnits
	Unclassified    int
	DiscountPercent int
}

// mbPatternUnits is how many pieces the member bought in one pattern.
type mbPatternUnits struct {
	Label  string
	Units  int
	Chosen bool
}

func mbAnalysisOf(rec member.MemberRecord) mbAnalysis {
	p := rec.Profile
	a := mbAnalysis{
		Analysed: !p.ComputedAt.IsZero(), ComputedAt: p.ComputedAt,
		HasGroup: p.PreferredGroupID != 0, GroupKo: rec.PreferredGroup.NameKo, GroupEn: rec.PreferredGroup.NameEn,
		Votes: strconv.FormatFloat(p.Group.Votes(), 'f', -1, 64), Group: p.Group, SpentWon: web.Won(p.Group.Spent),
		WonPerVote: web.Won(fanmail.ProfileWonPerVote), FavouriteVotes: fanmail.ProfileFavouriteVotes, StyleVotes: fanmail.ProfileStyleVotes,
		Pattern: patternLabels[p.PurchasePattern], Unclassified: p.Units.Unknown, DiscountPercent: fanmail.ProfileDiscountPercent,
	}
	for _, pattern := range fanmail.PurchasePatterns {
		if pattern != fanmail.PatternUnknown {
			a.Units = append(a.Units, mbPatternUnits{Label: patternLabels[pattern], Units: p.Units.Of(pattern), Chosen: pattern == p.PurchasePattern})
		}
	}
	return a
}
