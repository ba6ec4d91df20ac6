package order_test

import (
	"context"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/order"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// Each stored order, from the API or a CSV upload, analyses the member's
// profile again: the brand's group gets the amount, the items their pattern.
func TestService_CreateRecomputesProfile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		minji := e.member(t, "minji@example.com", "김민지", "ko", true)
		outlet, err := db.UpsertShop(ctx, fanmail.Shop{Code: "YJ01", Name: "여주 아울렛", Kind: fanmail.ShopOutlet})
		if err != nil {
			t.Fatal(err)
		}
		check := func(spent int64, pattern string, units fanmail.PatternUnits) {
			t.Helper()
			p, err := db.MemberProfile(ctx, minji.ID)
			if err != nil {
				t.Fatal(err)
			}
			if p.PreferredGroupID != e.oz.GroupID || p.Group.Spent != spent || p.PurchasePattern != pattern || p.Units != units {
				t.Errorf("profile %+v, want %d won for group %d, %s %+v", p, spent, e.oz.GroupID, pattern, units)
			}
		}

		// The coat at its list price in the shop (a store).
		if _, err := e.svc.Create(ctx, order.NewOrder{MemberID: minji.ID, ExternalID: "A-1", ShopID: e.shop.ID,
			Items: []order.NewItem{{ProductCode: "OZ-COAT-01", Quantity: 1}}}); err != nil {
			t.Fatal(err)
		}
		check(259_000, fanmail.PatternFullPrice, fanmail.PatternUnits{FullPrice: 1})

		// Two more at the outlet, uploaded in a CSV.
		file := "external_id,member_email,ordered_at,product_code,quantity,unit_price,shop_code\n" +
			"A-2,minji@example.com,2026-03-14 10:00,OZ-COAT-01,2,\"150,000\",YJ01\n"
		if res, err := e.svc.ImportCSV(ctx, strings.NewReader(file)); err != nil || res.Orders != 1 {
			t.Fatalf("import: %+v, %v", res, err)
		}
		check(559_000, fanmail.PatternOutlet, fanmail.PatternUnits{FullPrice: 1, Outlet: 2})
		if outlet.Kind != fanmail.ShopOutlet {
			t.Errorf("shop kind %q", outlet.Kind)
		}

		// A refused order changes nothing.
		if _, err := e.svc.Create(ctx, order.NewOrder{MemberID: minji.ID, ExternalID: "A-1",
			Items: []order.NewItem{{ProductCode: "OZ-COAT-01", Quantity: 5}}}); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Fatalf("duplicate order: %v, want ECONFLICT", err)
		}
		check(559_000, fanmail.PatternOutlet, fanmail.PatternUnits{FullPrice: 1, Outlet: 2})
	})
}
