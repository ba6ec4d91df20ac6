package fanmail_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
)

func TestPurchaseLine_Pattern(t *testing.T) {
	tests := []struct {
		name string
		line fanmail.PurchaseLine
		want string
	}{
		{"list price at a shop", fanmail.PurchaseLine{UnitPrice: 79000, ListPrice: 79000, Shelf: "new", ShopKind: "store"}, "full_price"},
		{"list price online", fanmail.PurchaseLine{UnitPrice: 79000, ListPrice: 79000, Shelf: "new"}, "full_price"},
		{"more than the list price", fanmail.PurchaseLine{UnitPrice: 89000, ListPrice: 79000}, "full_price"},
		{"9 % off is not a discount", fanmail.PurchaseLine{UnitPrice: 91000, ListPrice: 100000}, "full_price"},
		{"10 % off is a discount", fanmail.PurchaseLine{UnitPrice: 90000, ListPrice: 100000}, "sale"},
		{"sale shelf at its price", fanmail.PurchaseLine{UnitPrice: 29000, ListPrice: 29000, Shelf: "sale", ShopKind: "store"}, "sale"},
		{"discount at a department store", fanmail.PurchaseLine{UnitPrice: 70000, ListPrice: 100000, ShopKind: "department"}, "event"},
		{"sale shelf at a department store", fanmail.PurchaseLine{UnitPrice: 29000, ListPrice: 29000, Shelf: "sale", ShopKind: "department"}, "event"},
		{"list price at a department store", fanmail.PurchaseLine{UnitPrice: 100000, ListPrice: 100000, ShopKind: "department"}, "full_price"},
		{"outlet at list price", fanmail.PurchaseLine{UnitPrice: 100000, ListPrice: 100000, ShopKind: "outlet"}, "outlet"},
		{"outlet without a product", fanmail.PurchaseLine{UnitPrice: 50000, ShopKind: "outlet"}, "outlet"},
		{"no product, no list price", fanmail.PurchaseLine{UnitPrice: 50000, ShopKind: "store"}, "unknown"},
		{"a gift says nothing", fanmail.PurchaseLine{UnitPrice: 0, ListPrice: 30000, ShopKind: "outlet"}, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.line.Quantity = 1
			if got := tt.line.Pattern(); got != tt.want {
				t.Errorf("Pattern() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAnalyseProfile(t *testing.T) {
	casual := fanmail.GroupVotes{GroupID: 1}
	formal := fanmail.GroupVotes{GroupID: 2}
	sports := fanmail.GroupVotes{GroupID: 3}
	with := func(g fanmail.GroupVotes, favourites, styles int, spent int64) fanmail.GroupVotes {
		g.Favourites, g.Styles, g.Spent = favourites, styles, spent
		return g
	}
	full := fanmail.PurchaseLine{Quantity: 1, UnitPrice: 100000, ListPrice: 100000}
	sale := fanmail.PurchaseLine{Quantity: 1, UnitPrice: 50000, ListPrice: 100000}
	outlet := fanmail.PurchaseLine{Quantity: 1, UnitPrice: 50000, ShopKind: fanmail.ShopOutlet}
	event := fanmail.PurchaseLine{Quantity: 1, UnitPrice: 80000, ListPrice: 100000, ShopKind: fanmail.ShopDepartment}
	unknown := fanmail.PurchaseLine{Quantity: 1, UnitPrice: 50000}
	times := func(l fanmail.PurchaseLine, n int) fanmail.PurchaseLine { l.Quantity = n; return l }

	tests := []struct {
		name      string
		groups    []fanmail.GroupVotes
		lines     []fanmail.PurchaseLine
		wantGroup int64
		want      string
		units     fanmail.PatternUnits
	}{
		{name: "nothing known", want: "unknown"},
		{name: "groups without votes", groups: []fanmail.GroupVotes{casual, formal}, want: "unknown"},
		{name: "one favourite brand", groups: []fanmail.GroupVotes{with(casual, 1, 0, 0)}, wantGroup: 1, want: "unknown"},
		{name: "favourites outvote a style", groups: []fanmail.GroupVotes{with(casual, 0, 1, 0), with(formal, 1, 0, 0)}, wantGroup: 2, want: "unknown"},
		{name: "two styles outvote a favourite", groups: []fanmail.GroupVotes{with(casual, 0, 2, 0), with(formal, 1, 0, 0)}, wantGroup: 1, want: "unknown"},
		{name: "purchases outvote likes", groups: []fanmail.GroupVotes{with(casual, 1, 1, 0), with(formal, 0, 0, 550_000)},
			lines: []fanmail.PurchaseLine{full}, wantGroup: 2, want: "full_price", units: fanmail.PatternUnits{FullPrice: 1}},
		{name: "fractions of a vote count", groups: []fanmail.GroupVotes{with(casual, 1, 0, 0), with(formal, 0, 0, 310_000)}, wantGroup: 2, want: "unknown"},
		{name: "a tie goes to the group first in the catalogue", groups: []fanmail.GroupVotes{with(sports, 1, 0, 0), with(casual, 1, 0, 0), with(formal, 1, 0, 0)}, wantGroup: 3, want: "unknown"},
		{name: "most pieces decide", lines: []fanmail.PurchaseLine{full, sale, sale, outlet}, want: "sale", units: fanmail.PatternUnits{FullPrice: 1, Sale: 2, Outlet: 1}},
		{name: "quantity counts", lines: []fanmail.PurchaseLine{full, times(event, 3), sale, sale}, want: "event", units: fanmail.PatternUnits{FullPrice: 1, Sale: 2, Event: 3}},
		{name: "outlet", lines: []fanmail.PurchaseLine{outlet, outlet, full}, want: "outlet", units: fanmail.PatternUnits{FullPrice: 1, Outlet: 2}},
		{name: "a tie goes to the first pattern", lines: []fanmail.PurchaseLine{sale, full}, want: "full_price", units: fanmail.PatternUnits{FullPrice: 1, Sale: 1}},
		{name: "unclassified pieces do not vote", lines: []fanmail.PurchaseLine{times(unknown, 5), sale}, want: "sale", units: fanmail.PatternUnits{Sale: 1, Unknown: 5}},
		{name: "only unclassified pieces", lines: []fanmail.PurchaseLine{unknown}, want: "unknown", units: fanmail.PatternUnits{Unknown: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fanmail.AnalyseProfile(7, tt.groups, tt.lines)
			if p.MemberID != 7 || p.PreferredGroupID != tt.wantGroup || p.Group.GroupID != tt.wantGroup {
				t.Errorf("preferred group %d (votes of %d), want %d", p.PreferredGroupID, p.Group.GroupID, tt.wantGroup)
			}
			if p.PurchasePattern != tt.want {
				t.Errorf("pattern %q, want %q", p.PurchasePattern, tt.want)
			}
			if diff := cmp.Diff(tt.units, p.Units); diff != "" {
				t.Errorf("units (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGroupVotes_Votes(t *testing.T) {
	v := fanmail.GroupVotes{Favourites: 2, Styles: 1, Spent: 150_000}
	if got := v.Votes(); got != 9.5 { // 2×3 + 1×2 + 1.5
		t.Errorf("Votes() = %v, want 9.5", got)
	}
}
