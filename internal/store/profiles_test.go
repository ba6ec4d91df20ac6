package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// profileWorld is a catalogue with a product on each shelf, a shop of each
// kind and a style question linked to brands, and members who buy in each
// way.
type profileWorld struct {
	db       *store.DB
	groups   map[string]int64 // casual (first in the catalogue), formal
	brands   map[string]int64 // mienc (casual), mine (formal)
	products map[string]fanmail.Product
	shops    map[string]int64 // by kind
	style    int64            // the style question
	options  map[string]int64 // style options: cute (mienc), modern (mine)
	members  map[string]int64
	names    map[int64]string
	orders   int
}

func newProfileWorld(t *testing.T, db *store.DB) *profileWorld {
	t.Helper()
	ctx := context.Background()
	w := &profileWorld{db: db, groups: map[string]int64{}, brands: map[string]int64{}, products: map[string]fanmail.Product{},
		shops: map[string]int64{}, options: map[string]int64{}, members: map[string]int64{}, names: map[int64]string{}}
	for i, g := range []struct{ slug, ko string }{{"casual", "캐주얼"}, {"formal", "정장"}} {
		bg, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: g.slug, NameKo: g.ko, NameEn: g.slug, Position: i, Published: true})
		if err != nil {
			t.Fatal(err)
		}
		w.groups[g.slug] = bg.ID
	}
	for _, b := range []struct{ slug, name, group string }{{"mienc", "미앤씨", "casual"}, {"mine", "마인", "formal"}} {
		br, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: w.groups[b.group], Slug: b.slug, Name: b.name, Published: true})
		if err != nil {
			t.Fatal(err)
		}
		w.brands[b.slug] = br.ID
	}
	for _, p := range []struct {
		code, brand, name, shelf string
		price                    int64
	}{
		{"MNC-01", "mienc", "플라워 쉬폰 원피스", fanmail.ShelfNew, 100_000},
		{"MNC-05", "mienc", "플라워 스트라이프 티셔츠", fanmail.ShelfSale, 50_000},
		{"MIN-01", "mine", "모던 테일러드 수트", fanmail.ShelfNew, 300_000},
	} {
		saved, err := db.CreateProduct(ctx, fanmail.Product{BrandID: w.brands[p.brand], Code: p.code, Name: p.name,
			Shelf: p.shelf, Price: p.price, Published: true})
		if err != nil {
			t.Fatal(err)
		}
		w.products[p.code] = saved
	}
	for _, s := range []fanmail.Shop{
		{Code: "GN01", Name: "강남점", Kind: fanmail.ShopStore},
		{Code: "DP01", Name: "판교 백화점 매장", Kind: fanmail.ShopDepartment},
		{Code: "OT01", Name: "여주 아울렛", Kind: fanmail.ShopOutlet},
	} {
		saved, err := db.UpsertShop(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if saved.Kind != s.Kind {
			t.Fatalf("shop kind %q stored as %q", s.Kind, saved.Kind)
		}
		w.shops[s.Kind] = saved.ID
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		w.style, err = tx.CreateQuestion(ctx, fanmail.Question{Survey: "profile", Key: "style", Kind: fanmail.QuestionMulti,
			LabelKo: "평소 스타일", LabelEn: "Usual style", Active: true, Options: []fanmail.QuestionOption{
				{Value: "cute", LabelKo: "여성스럽고 귀여운 스타일", LabelEn: "Feminine and cute", BrandID: w.brands["mienc"]},
				{Value: "modern", LabelKo: "모던 정장", LabelEn: "Modern tailoring", BrandID: w.brands["mine"]},
				{Value: "sporty", LabelKo: "스포츠", LabelEn: "Sporty"},
			}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	qs, err := db.Questions(ctx, "profile", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range qs[0].Options {
		w.options[o.Value] = o.ID
	}
	return w
}

// line is an order item: a product bought at a price, or (code "") an item
// outside the catalogue.
type line struct {
	code  string
	qty   int
	price int64
}

// add stores a member with favourite brands, style answers and orders (one
// per shop kind given, "" for none), recomputing the profile after each
// change as the services do.
func (w *profileWorld) add(t *testing.T, key string, brands, styles []string, orders map[string][]line) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := w.db.InTx(ctx, func(tx *store.Tx) error {
		m, err := tx.CreateMember(ctx, fanmail.Member{Email: key + "@example.com", Name: key, Lang: "ko",
			Status: fanmail.MemberActive, Source: fanmail.SourceWeb})
		if err != nil {
			return err
		}
		id = m.ID
		for _, b := range brands {
			if _, err := tx.AddBrandPreference(ctx, id, w.brands[b], "", ""); err != nil {
				return err
			}
		}
		if len(styles) > 0 {
			a := fanmail.Answer{QuestionID: w.style}
			for _, s := range styles {
				a.OptionIDs = append(a.OptionIDs, w.options[s])
			}
			if err := tx.ReplaceAnswers(ctx, id, []int64{w.style}, []fanmail.Answer{a}); err != nil {
				return err
			}
		}
		if len(brands)+len(styles) > 0 {
			_, err = tx.RecomputeProfile(ctx, id)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	w.members[key], w.names[id] = id, key
	for kind, lines := range orders {
		w.order(t, id, kind, lines...)
	}
	return id
}

// order stores an order as the order service does: items of a product carry
// its brand, price and shelf.
func (w *profileWorld) order(t *testing.T, memberID int64, shopKind string, lines ...line) {
	t.Helper()
	ctx := context.Background()
	w.orders++
	o := fanmail.Order{MemberID: memberID, ExternalID: fmt.Sprintf("ORD-%03d", w.orders), OrderedAt: time.Now().UTC(),
		Source: fanmail.OrderSourceAPI, ShopID: w.shops[shopKind]}
	for _, l := range lines {
		it := fanmail.OrderItem{Name: "기타 상품", Quantity: l.qty, UnitPrice: l.price}
		if p, ok := w.products[l.code]; ok {
			it.ProductID, it.BrandID, it.Name, it.ListPrice, it.Shelf = p.ID, p.BrandID, p.Name, p.Price, p.Shelf
		}
		o.Items = append(o.Items, it)
	}
	o.Amount = fanmail.OrderAmount(o.Items)
	err := w.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.CreateOrder(ctx, o); err != nil {
			return err
		}
		_, err := tx.RecomputeProfile(ctx, memberID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// profile returns the stored profile of the member, without its time.
func (w *profileWorld) profile(t *testing.T, key string) fanmail.MemberProfile {
	t.Helper()
	p, err := w.db.MemberProfile(context.Background(), w.members[key])
	if err != nil {
		t.Fatalf("profile of %s: %v", key, err)
	}
	if p.ComputedAt.IsZero() {
		t.Errorf("profile of %s has no time", key)
	}
	p.ComputedAt = time.Time{}
	return p
}

// addPeople stores the members the tests below expect.
func (w *profileWorld) addPeople(t *testing.T) {
	w.add(t, "jimin", []string{"mienc"}, []string{"cute"}, map[string][]line{fanmail.ShopStore: {{"MNC-01", 1, 100_000}}})
	w.add(t, "seoyeon", []string{"mienc"}, nil, map[string][]line{
		fanmail.ShopStore: {{"MNC-05", 2, 50_000}}, "": {{"MIN-01", 1, 300_000}}})
	w.add(t, "minjun", nil, nil, map[string][]line{fanmail.ShopOutlet: {{"MIN-01", 2, 200_000}}})
	w.add(t, "haeun", nil, []string{"modern", "sporty"}, map[string][]line{fanmail.ShopDepartment: {{"MIN-01", 1, 240_000}}})
	w.add(t, "doyoon", nil, nil, nil)
	w.add(t, "subin", nil, []string{"sporty"}, map[string][]line{fanmail.ShopStore: {{"", 3, 20_000}}})
}

func TestRecomputeProfile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newProfileWorld(t, db)
		w.addPeople(t)
		casual, formal := w.groups["casual"], w.groups["formal"]
		tests := []struct {
			key  string
			want fanmail.MemberProfile
		}{
			// A favourite (3) and a style (2) beat 100,000 won (1).
			{"jimin", fanmail.MemberProfile{PreferredGroupID: casual, Group: fanmail.GroupVotes{GroupID: casual, Favourites: 1, Styles: 1, Spent: 100_000},
				PurchasePattern: fanmail.PatternFullPrice, Units: fanmail.PatternUnits{FullPrice: 1}}},
			// 3 + 1.0 for casual against 3.0 for formal; two pieces from the
			// sale shelf against one at the list price.
			{"seoyeon", fanmail.MemberProfile{PreferredGroupID: casual, Group: fanmail.GroupVotes{GroupID: casual, Favourites: 1, Spent: 100_000},
				PurchasePattern: fanmail.PatternSale, Units: fanmail.PatternUnits{FullPrice: 1, Sale: 2}}},
			{"minjun", fanmail.MemberProfile{PreferredGroupID: formal, Group: fanmail.GroupVotes{GroupID: formal, Spent: 400_000},
				PurchasePattern: fanmail.PatternOutlet, Units: fanmail.PatternUnits{Outlet: 2}}},
			// 20 % off at a department store; the unlinked style gives nothing.
			{"haeun", fanmail.MemberProfile{PreferredGroupID: formal, Group: fanmail.GroupVotes{GroupID: formal, Styles: 1, Spent: 240_000},
				PurchasePattern: fanmail.PatternEvent, Units: fanmail.PatternUnits{Event: 1}}},
			{"subin", fanmail.MemberProfile{PurchasePattern: fanmail.PatternUnknown, Units: fanmail.PatternUnits{Unknown: 3}}},
		}
		for _, tt := range tests {
			t.Run(tt.key, func(t *testing.T) {
				tt.want.MemberID = w.members[tt.key]
				if diff := cmp.Diff(tt.want, w.profile(t, tt.key)); diff != "" {
					t.Errorf("profile (-want +got):\n%s", diff)
				}
			})
		}
		if _, err := db.MemberProfile(context.Background(), w.members["doyoon"]); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("profile of a member with nothing to analyse: %v, want ENOTFOUND", err)
		}
		err := db.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := tx.RecomputeProfile(context.Background(), 999_999)
			return err
		})
		if fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("profile of an unknown member: %v, want ENOTFOUND", err)
		}
	})
}

// A later markdown of a product does not change what an earlier purchase
// says: the item keeps the price and shelf it was bought at.
func TestRecomputeProfile_PriceAtPurchase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newProfileWorld(t, db)
		id := w.add(t, "jimin", nil, nil, map[string][]line{fanmail.ShopStore: {{"MNC-01", 1, 100_000}}})
		p := w.products["MNC-01"]
		p.Price, p.Shelf = 60_000, fanmail.ShelfSale
		if _, err := db.UpdateProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.RecomputeProfiles(ctx, 0, 10); err != nil {
			t.Fatal(err)
		}
		if got := w.profile(t, "jimin").PurchasePattern; got != fanmail.PatternFullPrice {
			t.Errorf("pattern after the markdown %q, want full_price", got)
		}
		o, err := db.Orders(ctx, store.OrderFilter{MemberID: id})
		if err != nil || len(o) != 1 || o[0].Items[0].ListPrice != 100_000 || o[0].Items[0].Shelf != fanmail.ShelfNew {
			t.Errorf("stored item: %+v, %v; want list price 100,000 on the new shelf", o, err)
		}
	})
}

// RecomputeProfiles rebuilds every profile in batches, e.g. after an
// upgrade, and drops what a deleted group explained.
func TestRecomputeProfiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newProfileWorld(t, db)
		w.addPeople(t)
		want := map[string]fanmail.MemberProfile{}
		for key := range w.members {
			if key != "doyoon" {
				want[key] = w.profile(t, key)
			}
		}
		if _, err := db.SQL().ExecContext(ctx, `DELETE FROM member_profiles`); err != nil {
			t.Fatal(err)
		}
		if has, err := db.HasMemberProfiles(ctx); err != nil || has {
			t.Fatalf("HasMemberProfiles = %v, %v on an empty table", has, err)
		}
		batches := 0
		for after := int64(0); ; batches++ {
			var err error
			if after, _, err = db.RecomputeProfiles(ctx, after, 2); err != nil {
				t.Fatal(err)
			}
			if after == 0 {
				break
			}
		}
		if batches != 3 { // five members with something to analyse
			t.Errorf("%d batches of 2, want 3", batches)
		}
		if has, err := db.HasMemberProfiles(ctx); err != nil || !has {
			t.Errorf("HasMemberProfiles = %v, %v after recomputing", has, err)
		}
		for key, p := range want {
			if diff := cmp.Diff(p, w.profile(t, key)); diff != "" {
				t.Errorf("%s recomputed (-before +after):\n%s", key, diff)
			}
		}
		if _, err := db.PurgeBrandGroups(ctx, []string{"formal"}); err != nil {
			t.Fatal(err)
		}
		if p := w.profile(t, "minjun"); p.PreferredGroupID != 0 || p.Group != (fanmail.GroupVotes{}) {
			t.Errorf("profile after its group was deleted: %+v", p)
		}
	})
}

func TestProfileSegments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newProfileWorld(t, db)
		w.addPeople(t)
		sw := &segWorld{db: db, names: w.names}
		everybody := sorted("jimin", "seoyeon", "minjun", "haeun", "doyoon", "subin")
		group := func(op string, slugs ...string) fanmail.SegmentCondition {
			c := cond(fanmail.FieldPreferredGroup, op)
			for _, s := range slugs {
				c.IDs = append(c.IDs, w.groups[s])
			}
			return c
		}
		pattern := func(op string, ps ...string) fanmail.SegmentCondition {
			c := cond(fanmail.FieldPurchasePattern, op)
			c.Values = ps
			return c
		}
		tests := []struct {
			name  string
			rules fanmail.SegmentRules
			want  []string
		}{
			{"GroupCasual", only(group("in", "casual")), sorted("jimin", "seoyeon")},
			{"GroupEither", only(group("in", "casual", "formal")), sorted("jimin", "seoyeon", "minjun", "haeun")},
			{"GroupNotCasual", only(group("not_in", "casual")), sorted("minjun", "haeun", "doyoon", "subin")},
			{"PatternSale", only(pattern("in", "sale")), sorted("seoyeon")},
			{"PatternSaleOrEvent", only(pattern("in", "sale", "event")), sorted("seoyeon", "haeun")},
			{"PatternNotFullPrice", only(pattern("not_in", "full_price")), sorted("seoyeon", "minjun", "haeun", "doyoon", "subin")},
			// doyoon was never analysed, subin's purchases could not be.
			{"PatternUnknown", only(pattern("in", "unknown")), sorted("doyoon", "subin")},
			{"PatternFullPriceOrUnknown", only(pattern("in", "full_price", "unknown")), sorted("jimin", "doyoon", "subin")},
			{"PatternNotUnknown", only(pattern("not_in", "unknown", "outlet")), sorted("jimin", "seoyeon", "haeun")},
			{"PatternAny", only(pattern("in", fanmail.PurchasePatterns...)), everybody},
			{"PatternNone", only(pattern("not_in", fanmail.PurchasePatterns...)), sorted()},
			{"FormalAtTheOutlet", fanmail.SegmentRules{Op: "and", Conditions: []fanmail.SegmentCondition{
				group("in", "formal"), pattern("in", "outlet")}}, sorted("minjun")},
			{"CasualOrEvent", fanmail.SegmentRules{Op: "or", Conditions: []fanmail.SegmentCondition{
				group("in", "casual"), pattern("in", "event")}}, sorted("jimin", "seoyeon", "haeun")},
			{"NotCasualAndUnknown", fanmail.SegmentRules{Op: "and", Conditions: []fanmail.SegmentCondition{
				group("not_in", "casual"), pattern("in", "unknown")}}, sorted("doyoon", "subin")},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := db.CheckSegmentRefs(context.Background(), tt.rules); err != nil {
					t.Fatalf("CheckSegmentRefs: %v", err)
				}
				if diff := cmp.Diff(tt.want, sorted(sw.match(t, tt.rules)...), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("members (-want +got):\n%s", diff)
				}
			})
		}
		err := db.CheckSegmentRefs(context.Background(), only(fanmail.SegmentCondition{Field: fanmail.FieldPreferredGroup, Op: "in", IDs: []int64{999}}))
		if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorField(err) != "g.c0" {
			t.Errorf("unknown group: %v, want EINVALID at g.c0", err)
		}
	})
}

// Two transactions changing inputs of one member at once: the one that
// recomputes second waits for the first and reads its inputs too, so the
// stored profile counts both (PostgreSQL; SQLite has one writer at a time).
func TestRecomputeProfile_Concurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if db.Engine() != store.Postgres {
			t.Skip("SQLite runs one write transaction at a time")
		}
		ctx := context.Background()
		w := newProfileWorld(t, db)
		id := w.add(t, "jimin", []string{"mienc"}, nil, nil)
		inside, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 2)
		go func() {
			done <- db.InTx(ctx, func(tx *store.Tx) error {
				o := fanmail.Order{MemberID: id, ExternalID: "ORD-A", OrderedAt: time.Now().UTC(), Source: fanmail.OrderSourceAPI,
					Items: []fanmail.OrderItem{{ProductID: w.products["MIN-01"].ID, BrandID: w.brands["mine"], Name: "수트",
						Quantity: 1, UnitPrice: 300_000, ListPrice: 300_000, Shelf: fanmail.ShelfNew}}}
				if _, err := tx.CreateOrder(ctx, o); err != nil {
					return err
				}
				if _, err := tx.RecomputeProfile(ctx, id); err != nil {
					return err
				}
				close(inside)
				<-release
				return nil
			})
		}()
		<-inside
		go func() {
			done <- db.InTx(ctx, func(tx *store.Tx) error {
				if _, err := tx.AddBrandPreference(ctx, id, w.brands["mine"], "", ""); err != nil {
					return err
				}
				_, err := tx.RecomputeProfile(ctx, id)
				return err
			})
		}()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			var waiting int
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity
				WHERE wait_event_type = 'Lock' AND query LIKE '%member_profiles%'`).Scan(&waiting); err != nil {
				t.Fatal(err)
			}
			if waiting > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the second transaction never waited for the first")
			}
		}
		close(release)
		for range 2 {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		p := w.profile(t, "jimin")
		want := fanmail.GroupVotes{GroupID: w.groups["formal"], Favourites: 1, Spent: 300_000}
		if p.Group != want || p.Units.FullPrice != 1 {
			t.Errorf("profile %+v, want formal with a favourite and 300,000 won, one piece at full price", p)
		}
	})
}
