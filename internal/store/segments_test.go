package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// segNow is the clock of the crafted population.
var segNow = time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)

// segWorld is a small crafted population: six members with known profiles,
// consents, favourite brands, answers, mail events and orders.
type segWorld struct {
	db      *store.DB
	members map[string]int64 // by romanised given name
	names   map[int64]string
	brands  map[string]int64 // ozsecond, ozoc (casual); mine (formal)
	groups  map[string]int64 // casual, formal
	shops   map[string]int64 // gangnam, haeundae
	q       map[string]int64 // questions: occupation, style
	opt     map[string]int64 // options: university, office, freelancer, cute, modern
	all     []string
}

func daysAgo(n int) time.Time { return segNow.AddDate(0, 0, -n) }

func newSegWorld(t *testing.T, db *store.DB) *segWorld {
	t.Helper()
	ctx := context.Background()
	w := &segWorld{db: db, members: map[string]int64{}, names: map[int64]string{}, brands: map[string]int64{},
		groups: map[string]int64{}, shops: map[string]int64{}, q: map[string]int64{}, opt: map[string]int64{}}
	clock := segNow
	db.Now = func() time.Time { return clock }

	for _, g := range []struct{ slug, ko string }{{"casual", "캐주얼"}, {"formal", "정장"}} {
		bg, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: g.slug, NameKo: g.ko, NameEn: g.slug, Published: true})
		if err != nil {
			t.Fatal(err)
		}
		w.groups[g.slug] = bg.ID
	}
	for _, b := range []struct{ slug, name, group string }{{"ozsecond", "오즈세컨", "casual"}, {"ozoc", "오조크", "casual"}, {"mine", "마인", "formal"}} {
		br, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: w.groups[b.group], Slug: b.slug, Name: b.name, Published: true})
		if err != nil {
			t.Fatal(err)
		}
		w.brands[b.slug] = br.ID
	}
	for _, s := range []struct{ code, name string }{{"gangnam", "강남점"}, {"haeundae", "해운대점"}} {
		shop, err := db.UpsertShop(ctx, fanmail.Shop{Code: s.code, Name: s.name})
		if err != nil {
			t.Fatal(err)
		}
		w.shops[s.code] = shop.ID
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, q := range []struct {
			key, kind string
			options   []string
		}{{"occupation", fanmail.QuestionSingle, []string{"office", "university", "freelancer"}},
			{"style", fanmail.QuestionMulti, []string{"cute", "modern"}}} {
			fq := fanmail.Question{Survey: "profile", Key: q.key, Kind: q.kind, LabelKo: q.key, LabelEn: q.key, Active: true}
			for _, o := range q.options {
				fq.Options = append(fq.Options, fanmail.QuestionOption{Value: o, LabelKo: o, LabelEn: o})
			}
			id, err := tx.CreateQuestion(ctx, fq)
			if err != nil {
				return err
			}
			w.q[q.key] = id
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.SQL().QueryContext(ctx, `SELECT id, value FROM question_options`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		w.opt[v] = id
	}
	rows.Close()
	var campaign int64
	if err := db.SQL().QueryRowContext(ctx, `INSERT INTO campaigns (name, status, created_at, updated_at)
		VALUES ('11월 뉴스레터', 'finished', $1, $1) RETURNING id`, daysAgo(200)).Scan(&campaign); err != nil {
		t.Fatal(err)
	}

	type order struct {
		days   int
		amount int64
		brand  string
	}
	type event struct {
		kind  string
		days  int
		isBot bool
	}
	people := []struct {
		key, name, gender string
		birth             int
		address, postal   string
		status, source    string
		shop              string
		created           time.Time
		consents          map[string]bool
		brands            []string
		answers           map[string][]string
		events            []event
		orders            []order
	}{
		{key: "minji", name: "김민지", gender: fanmail.GenderFemale, birth: 2003, address: "서울특별시 강남구 테헤란로 1", postal: "06236",
			status: fanmail.MemberActive, source: fanmail.SourceWeb, created: daysAgo(13),
			consents: map[string]bool{fanmail.PurposeMarketingEmail: true}, brands: []string{"ozsecond"},
			answers: map[string][]string{"occupation": {"university"}, "style": {"cute", "modern"}},
			events:  []event{{"open", 10, false}}, orders: []order{{20, 150_000, "ozsecond"}}},
		{key: "seoyeon", name: "이서연", gender: fanmail.GenderFemale, birth: 2001, address: "부산광역시 해운대구 해운대로 2", postal: "48094",
			status: fanmail.MemberActive, source: fanmail.SourceShop, shop: "haeundae", created: time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC),
			consents: map[string]bool{fanmail.PurposeMarketingEmail: false}, brands: []string{"ozsecond", "mine"},
			answers: map[string][]string{"occupation": {"office"}, "style": {"modern"}},
			events:  []event{{"open", 100, false}, {"click", 100, false}, {"open", 5, true}, {"click", 5, true}},
			orders:  []order{{400, 500_000, "mine"}, {200, 100_000, "ozsecond"}, {190, 50_000, "mine"}}},
		{key: "jihoon", name: "박지훈", gender: fanmail.GenderMale, birth: 1990, address: "경기도 성남시 분당구 3", postal: "13494",
			status: fanmail.MemberActive, source: fanmail.SourceImport, created: time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC),
			consents: map[string]bool{fanmail.PurposeMarketingEmail: true, fanmail.PurposeMarketingSMS: true}, brands: []string{"mine"},
			answers: map[string][]string{"occupation": {"freelancer"}},
			events:  []event{{"click", 3, false}}},
		{key: "haeun", name: "최하은", gender: fanmail.GenderFemale, birth: 2008, address: "충북 청주시 상당구 4", postal: "28500",
			status: fanmail.MemberPending, source: fanmail.SourceWeb, created: daysAgo(1)},
		{key: "doyoon", name: "정도윤", status: fanmail.MemberInactive, source: fanmail.SourceAPI,
			created:  time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC),
			consents: map[string]bool{fanmail.PurposeMarketingEmail: true}, brands: []string{"ozoc"},
			answers: map[string][]string{"style": {"cute"}},
			events:  []event{{"open", 40, false}}, orders: []order{{10, 300_000, "ozoc"}}},
		// Registered at 00:30 on 1 February in Korea, still 31 January in UTC.
		{key: "subin", name: "강수빈", gender: fanmail.GenderOther, birth: 1985, address: "충청북도 충주시 5", postal: "27400",
			status: fanmail.MemberActive, source: fanmail.SourceShop, shop: "gangnam", created: time.Date(2026, 1, 31, 15, 30, 0, 0, time.UTC),
			consents: map[string]bool{fanmail.PurposeMarketingEmail: false}, brands: []string{"ozsecond", "ozoc"},
			orders: []order{{50, 100_000, "ozoc"}, {60, 100_000, "ozoc"}}},
	}
	for _, p := range people {
		clock = p.created
		err := db.InTx(ctx, func(tx *store.Tx) error {
			m, err := tx.CreateMember(ctx, fanmail.Member{Email: p.key + "@example.com", Name: p.name, Gender: p.gender,
				BirthYear: p.birth, Address: p.address, PostalCode: p.postal, Lang: "ko", Status: p.status,
				Source: p.source, ShopID: w.shops[p.shop]})
			if err != nil {
				return err
			}
			w.members[p.key], w.names[m.ID] = m.ID, p.key
			w.all = append(w.all, p.key)
			for purpose, granted := range p.consents {
				if granted == false {
					// A withdrawal: granted first, then refused.
					if err := tx.AddConsent(ctx, fanmail.Consent{MemberID: m.ID, Purpose: purpose, Granted: true, Source: "web", Version: "1"}); err != nil {
						return err
					}
				}
				if err := tx.AddConsent(ctx, fanmail.Consent{MemberID: m.ID, Purpose: purpose, Granted: granted, Source: "web", Version: "1"}); err != nil {
					return err
				}
			}
			for _, b := range p.brands {
				if _, err := tx.AddBrandPreference(ctx, m.ID, w.brands[b], p.gender, ""); err != nil {
					return err
				}
			}
			var answers []fanmail.Answer
			var qids []int64
			for key, opts := range p.answers {
				a := fanmail.Answer{QuestionID: w.q[key]}
				for _, o := range opts {
					a.OptionIDs = append(a.OptionIDs, w.opt[o])
				}
				answers = append(answers, a)
				qids = append(qids, w.q[key])
			}
			if err := tx.ReplaceAnswers(ctx, m.ID, qids, answers); err != nil {
				return err
			}
			for _, e := range p.events {
				if _, err := tx.ExecContext(ctx, `INSERT INTO events (campaign_id, member_id, kind, is_bot, created_at)
					VALUES ($1, $2, $3, $4, $5)`, campaign, m.ID, e.kind, e.isBot, daysAgo(e.days)); err != nil {
					return err
				}
			}
			for i, o := range p.orders {
				var oid int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO orders (member_id, external_id, ordered_at, amount, created_at)
					VALUES ($1, $2, $3, $4, $3) RETURNING id`, m.ID, p.key+"-"+string(rune('a'+i)), daysAgo(o.days), o.amount).Scan(&oid); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO order_items (order_id, brand_id, name, quantity, unit_price)
					VALUES ($1, $2, '원피스', 1, $3)`, oid, w.brands[o.brand], o.amount); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	clock = segNow
	// The profile analysis of everybody, as after an upgrade: items
	// without products have no pattern, so every pattern is unknown.
	for after := int64(0); ; {
		var err error
		if after, _, err = db.RecomputeProfiles(ctx, after, 4); err != nil {
			t.Fatal(err)
		}
		if after == 0 {
			break
		}
	}
	return w
}

// match returns the keys of the members rules match at segNow, checked
// three ways: count, keyset pages, and the condition inside an outer statement.
func (w *segWorld) match(t *testing.T, rules fanmail.SegmentRules) []string {
	t.Helper()
	ctx := context.Background()
	var got []string
	var after int64
	for {
		page, err := w.db.SegmentMembers(ctx, rules, segNow, after, 2)
		if err != nil {
			t.Fatalf("segment members: %v", err)
		}
		for _, m := range page {
			got = append(got, w.names[m.ID])
			after = m.ID
		}
		if len(page) < 2 {
			break
		}
	}
	n, err := w.db.CountSegment(ctx, rules, segNow)
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	if int(n) != len(got) {
		t.Errorf("count %d, but pages list %d members", n, len(got))
	}
	slices.Sort(got)
	return got
}

func cond(field, op string) fanmail.SegmentCondition {
	return fanmail.SegmentCondition{Field: field, Op: op}
}

// only returns rules holding the one condition c.
func only(c fanmail.SegmentCondition) fanmail.SegmentRules {
	return fanmail.SegmentRules{Op: fanmail.SegmentAnd, Conditions: []fanmail.SegmentCondition{c}}
}

func sorted(keys ...string) []string {
	out := slices.Clone(keys)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func TestSegmentConditions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newSegWorld(t, db)
		vals := func(field, op string, vs ...string) fanmail.SegmentCondition {
			c := cond(field, op)
			c.Values = vs
			return c
		}
		ids := func(field, op string, ids ...int64) fanmail.SegmentCondition {
			c := cond(field, op)
			c.IDs = ids
			return c
		}
		days := func(field, op string, n int) fanmail.SegmentCondition {
			c := cond(field, op)
			c.Days = n
			return c
		}
		date := func(op, d string) fanmail.SegmentCondition {
			c := cond(fanmail.FieldRegistered, op)
			c.Date = d
			return c
		}
		answer := func(op, q string, opts ...string) fanmail.SegmentCondition {
			c := cond(fanmail.FieldAnswer, op)
			c.Question = w.q[q]
			for _, o := range opts {
				c.IDs = append(c.IDs, w.opt[o])
			}
			return c
		}
		number := func(field, op string, n int64, d int) fanmail.SegmentCondition {
			c := cond(field, op)
			c.Number, c.Days = n, d
			return c
		}
		withDays := func(c fanmail.SegmentCondition, d int) fanmail.SegmentCondition { c.Days = d; return c }
		b, g, s := w.brands, w.groups, w.shops

		tests := []struct {
			name string
			c    fanmail.SegmentCondition
			want []string
		}{
			{"GenderFemale", vals("gender", "in", "female"), sorted("minji", "seoyeon", "haeun")},
			{"GenderNotFemale", vals("gender", "not_in", "female"), sorted("jihoon", "doyoon", "subin")},
			{"GenderUnknown", vals("gender", "in", "unknown"), sorted("doyoon")},
			{"GenderMaleOrOther", vals("gender", "in", "male", "other"), sorted("jihoon", "subin")},
			{"AgeBands21To26", vals("age_band", "in", "21-23", "24-26"), sorted("minji", "seoyeon")},
			{"AgeBandCustom21To26", vals("age_band", "in", "21-26"), sorted("minji", "seoyeon")},
			{"AgeBandNot21To23", vals("age_band", "not_in", "21-23"), sorted("seoyeon", "jihoon", "haeun", "doyoon", "subin")},
			{"AgeBand40Plus", vals("age_band", "in", "40+"), sorted("subin")},
			{"AgeBand15To18", vals("age_band", "in", "15-18"), sorted("haeun")},
			{"RegionSeoul", vals("region", "in", "서울"), sorted("minji")},
			{"RegionChungbukBothSpellings", vals("region", "in", "충북"), sorted("haeun", "subin")},
			{"RegionNotCapital", vals("region", "not_in", "서울", "경기"), sorted("seoyeon", "haeun", "doyoon", "subin")},
			{"PostalPrefixes", vals("postal_code", "in", "06", "48"), sorted("minji", "seoyeon")},
			{"PostalPrefixShort", vals("postal_code", "in", "2"), sorted("haeun", "subin")},
			{"OccupationStudentOrOffice", answer("in", "occupation", "university", "office"), sorted("minji", "seoyeon")},
			{"OccupationNotStudent", answer("not_in", "occupation", "university"), sorted("seoyeon", "jihoon", "haeun", "doyoon", "subin")},
			{"StyleAll", answer("all", "style", "cute", "modern"), sorted("minji")},
			{"StyleCute", answer("in", "style", "cute"), sorted("minji", "doyoon")},
			{"BrandOzsecond", ids("brand", "in", b["ozsecond"]), sorted("minji", "seoyeon", "subin")},
			{"BrandAll", ids("brand", "all", b["ozsecond"], b["mine"]), sorted("seoyeon")},
			{"BrandAny", ids("brand", "in", b["ozsecond"], b["mine"]), sorted("minji", "seoyeon", "jihoon", "subin")},
			{"StyleAnyCountsOnce", answer("in", "style", "cute", "modern"), sorted("minji", "seoyeon", "doyoon")},
			{"BrandNone", ids("brand", "not_in", b["ozsecond"]), sorted("jihoon", "haeun", "doyoon")},
			{"GroupCasual", ids("brand_group", "in", g["casual"]), sorted("minji", "seoyeon", "doyoon", "subin")},
			{"GroupNotCasual", ids("brand_group", "not_in", g["casual"]), sorted("jihoon", "haeun")},
			{"GroupFormal", ids("brand_group", "in", g["formal"]), sorted("seoyeon", "jihoon")},
			{"ConsentEmail", vals("consent", "granted", "marketing_email"), sorted("minji", "jihoon", "doyoon")},
			{"ConsentEmailNot", vals("consent", "not_granted", "marketing_email"), sorted("seoyeon", "haeun", "subin")},
			{"ConsentSMS", vals("consent", "granted", "marketing_sms"), sorted("jihoon")},
			{"RegisteredWithin30", days("registered", "within_days", 30), sorted("minji", "haeun")},
			{"RegisteredNotWithin30", days("registered", "not_within_days", 30), sorted("seoyeon", "jihoon", "doyoon", "subin")},
			{"RegisteredBeforeKST", date("before", "2026-02-01"), sorted("seoyeon", "jihoon", "doyoon")},
			{"RegisteredOnOrAfterKST", date("on_or_after", "2026-02-01"), sorted("minji", "haeun", "subin")},
			{"SourceShop", vals("source", "in", "shop"), sorted("seoyeon", "subin")},
			{"SourceNotWeb", vals("source", "not_in", "web"), sorted("seoyeon", "jihoon", "doyoon", "subin")},
			{"ShopHaeundae", ids("shop", "in", s["haeundae"]), sorted("seoyeon")},
			{"ShopNotHaeundae", ids("shop", "not_in", s["haeundae"]), sorted("minji", "jihoon", "haeun", "doyoon", "subin")},
			{"StatusActive", vals("status", "in", "active"), sorted("minji", "seoyeon", "jihoon", "subin")},
			{"StatusNotActiveOrPending", vals("status", "not_in", "active", "pending"), sorted("doyoon")},
			{"Opened90", days("opened", "within_days", 90), sorted("minji", "jihoon", "doyoon")},
			{"Opened120", days("opened", "within_days", 120), sorted("minji", "seoyeon", "jihoon", "doyoon")},
			{"NotOpened90", days("opened", "not_within_days", 90), sorted("seoyeon", "haeun", "subin")},
			{"Clicked30", days("clicked", "within_days", 30), sorted("jihoon")},
			{"Clicked120", days("clicked", "within_days", 120), sorted("seoyeon", "jihoon")},
			{"NotClicked30", days("clicked", "not_within_days", 30), sorted("minji", "seoyeon", "haeun", "doyoon", "subin")},
			{"BoughtOzsecondEver", ids("bought_brand", "in", b["ozsecond"]), sorted("minji", "seoyeon")},
			{"BoughtOzsecond30", withDays(ids("bought_brand", "in", b["ozsecond"]), 30), sorted("minji")},
			{"BoughtMine365", withDays(ids("bought_brand", "in", b["mine"]), 365), sorted("seoyeon")},
			{"NeverBoughtOzsecond", ids("bought_brand", "not_in", b["ozsecond"]), sorted("jihoon", "haeun", "doyoon", "subin")},
			{"OrdersAtLeast2", number("order_count", "at_least", 2, 0), sorted("seoyeon", "subin")},
			{"OrdersAtLeast2In365", number("order_count", "at_least", 2, 365), sorted("seoyeon", "subin")},
			{"OrdersAtLeast3In365Nobody", number("order_count", "at_least", 3, 365), sorted()},
			{"NeverOrdered", number("order_count", "less_than", 1, 0), sorted("jihoon", "haeun")},
			{"TotalAtLeast300k", number("order_total", "at_least", 300_000, 0), sorted("seoyeon", "doyoon")},
			{"TotalAtLeast300kIn365", number("order_total", "at_least", 300_000, 365), sorted("doyoon")},
			{"TotalBelow150k", number("order_total", "less_than", 150_000, 0), sorted("jihoon", "haeun")},
			{"LastOrderWithin30", days("last_order", "within_days", 30), sorted("minji", "doyoon")},
			{"LastOrderNotWithin30", days("last_order", "not_within_days", 30), sorted("seoyeon", "subin")},
			// Favourites 3 votes each, 1 per 100,000 won: seoyeon likes
			// both groups but spent 550,000 won on formal.
			{"PreferredCasual", ids("preferred_group", "in", g["casual"]), sorted("minji", "doyoon", "subin")},
			{"PreferredFormal", ids("preferred_group", "in", g["formal"]), sorted("seoyeon", "jihoon")},
			{"PreferredNotCasual", ids("preferred_group", "not_in", g["casual"]), sorted("seoyeon", "jihoon", "haeun")},
			{"PatternUnknown", vals("purchase_pattern", "in", "unknown"), sorted(w.all...)},
			{"PatternSaleNobody", vals("purchase_pattern", "in", "sale"), sorted()},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := sorted(w.match(t, only(tt.c))...)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("members (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestSegmentGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newSegWorld(t, db)
		c := func(field, op string, vs ...string) fanmail.SegmentCondition {
			x := cond(field, op)
			x.Values = vs
			return x
		}
		brand := func(slug string) fanmail.SegmentCondition {
			x := cond("brand", "in")
			x.IDs = []int64{w.brands[slug]}
			return x
		}
		days := func(field, op string, n int) fanmail.SegmentCondition {
			x := cond(field, op)
			x.Days = n
			return x
		}
		formal := cond("brand_group", "in")
		formal.IDs = []int64{w.groups["formal"]}
		and := func(cs ...fanmail.SegmentCondition) fanmail.SegmentRules {
			return fanmail.SegmentRules{Op: "and", Conditions: cs}
		}
		or := func(cs ...fanmail.SegmentCondition) fanmail.SegmentRules {
			return fanmail.SegmentRules{Op: "or", Conditions: cs}
		}
		tests := []struct {
			name  string
			rules fanmail.SegmentRules
			want  []string
		}{
			{"EmptyIsEveryone", and(), sorted(w.all...)},
			{"EmptyOrIsEveryone", or(), sorted(w.all...)},
			{"WomenOfAgeLikingOzsecondOpened120", and(c("gender", "in", "female"), c("age_band", "in", "21-23", "24-26"),
				brand("ozsecond"), days("opened", "within_days", 120)), sorted("minji", "seoyeon")},
			{"WomenOfAgeLikingOzsecondOpened90", and(c("gender", "in", "female"), c("age_band", "in", "21-23", "24-26"),
				brand("ozsecond"), days("opened", "within_days", 90)), sorted("minji")},
			{"TwoBrandsOr", or(brand("mine"), brand("ozoc")), sorted("seoyeon", "jihoon", "doyoon", "subin")},
			{"BrandOrRegion", or(brand("mine"), c("region", "in", "충북")), sorted("seoyeon", "jihoon", "haeun", "subin")},
			{"ConsentAndOrGroup", fanmail.SegmentRules{Op: "and",
				Conditions: []fanmail.SegmentCondition{c("consent", "granted", "marketing_email")},
				Groups:     []fanmail.SegmentRules{or(formal, days("last_order", "within_days", 30))}},
				sorted("minji", "jihoon", "doyoon")},
			{"ThreeLevels", fanmail.SegmentRules{Op: "and",
				Conditions: []fanmail.SegmentCondition{c("status", "in", "active")},
				Groups: []fanmail.SegmentRules{{Op: "or",
					Conditions: []fanmail.SegmentCondition{c("gender", "in", "male")},
					Groups:     []fanmail.SegmentRules{and(c("gender", "in", "female"), c("region", "in", "부산"))},
				}}},
				sorted("jihoon", "seoyeon")},
			{"OrOfAndGroups", fanmail.SegmentRules{Op: "or", Groups: []fanmail.SegmentRules{
				and(c("gender", "in", "female"), c("status", "in", "pending")),
				and(c("gender", "in", "unknown"), days("opened", "within_days", 90)),
			}}, sorted("haeun", "doyoon")},
			{"MatchesNobody", and(c("gender", "in", "male"), c("gender", "in", "female")), sorted()},
			// Order conditions on one window are grouped together.
			{"LapsedWithTwoOrders", and(days("last_order", "not_within_days", 30),
				fanmail.SegmentCondition{Field: "order_count", Op: "at_least", Number: 2},
				fanmail.SegmentCondition{Field: "order_total", Op: "at_least", Number: 200_000}), sorted("seoyeon", "subin")},
			{"RecentBigSpenders", and(days("last_order", "within_days", 30),
				fanmail.SegmentCondition{Field: "order_total", Op: "at_least", Number: 200_000, Days: 30}), sorted("doyoon")},
			{"OrderWindowsApart", and(fanmail.SegmentCondition{Field: "order_count", Op: "at_least", Number: 2, Days: 365},
				fanmail.SegmentCondition{Field: "order_total", Op: "at_least", Number: 600_000}), sorted("seoyeon")},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := sorted(w.match(t, tt.rules)...)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("members (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// The compiled condition numbers its placeholders after the outer
// statement's, as the campaign engine embeds it.
func TestSegmentMemberSQL_ArgOffset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newSegWorld(t, db)
		ctx := context.Background()
		rules := fanmail.SegmentRules{Op: "or", Conditions: []fanmail.SegmentCondition{
			{Field: "opened", Op: "within_days", Days: 90},
			{Field: "brand", Op: "in", IDs: []int64{w.brands["mine"]}},
			{Field: "region", Op: "in", Values: []string{"충북"}},
		}}
		where, args, err := db.SegmentMemberSQL(rules, segNow, 2)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		err = db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM members m WHERE m.status = $1 AND m.gender <> $2 AND (`+where+`)`,
			append([]any{fanmail.MemberActive, fanmail.GenderMale}, args...)...).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		// Active, not male, and (opened, likes 마인 or lives in 충북): 민지, 서연, 수빈.
		if n != 3 {
			t.Errorf("count = %d, want 3", n)
		}

		// Inside INSERT … SELECT, the way sends are materialised.
		if _, err := db.SQL().ExecContext(ctx, `CREATE TABLE seg_probe (member_id BIGINT NOT NULL, tag TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		where, args, err = db.SegmentMemberSQL(rules, segNow, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO seg_probe (member_id, tag) SELECT m.id, $1 FROM members m WHERE `+where,
			append([]any{"가을"}, args...)...); err != nil {
			t.Fatal(err)
		}
		var got []string
		rows, err := db.SQL().QueryContext(ctx, `SELECT member_id FROM seg_probe WHERE tag = '가을' ORDER BY member_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			got = append(got, w.names[id])
		}
		if diff := cmp.Diff(sorted("minji", "seoyeon", "jihoon", "doyoon", "haeun", "subin"), sorted(got...)); diff != "" {
			t.Errorf("inserted (-want +got):\n%s", diff)
		}
	})
}

func TestSegmentRules_Invalid(t *testing.T) {
	c := func(field, op string) fanmail.SegmentCondition { return cond(field, op) }
	with := func(x fanmail.SegmentCondition, f func(*fanmail.SegmentCondition)) fanmail.SegmentCondition {
		f(&x)
		return x
	}
	one := func(x fanmail.SegmentCondition) fanmail.SegmentRules {
		return fanmail.SegmentRules{Op: "and", Conditions: []fanmail.SegmentCondition{{Field: "gender", Op: "in", Values: []string{"female"}}, x}}
	}
	tests := []struct {
		name       string
		rules      fanmail.SegmentRules
		field, msg string
	}{
		{"BadGroupOperator", fanmail.SegmentRules{Op: "xor"}, "g", "A group must join its conditions with AND or OR."},
		{"UnknownField", one(c("shoe_size", "in")), "g.c1", "Unknown segment field."},
		{"BadOperator", one(c("gender", "at_least")), "g.c1", "This operator does not fit the field."},
		{"NoValues", one(c("gender", "in")), "g.c1", "Pick at least one value."},
		{"UnknownGender", one(with(c("gender", "in"), func(x *fanmail.SegmentCondition) { x.Values = []string{"woman"} })), "g.c1", "Unknown gender."},
		{"UnknownAgeBand", one(with(c("age_band", "in"), func(x *fanmail.SegmentCondition) { x.Values = []string{"young"} })), "g.c1", "Unknown age band."},
		{"UnknownRegion", one(with(c("region", "in"), func(x *fanmail.SegmentCondition) { x.Values = []string{"도쿄"} })), "g.c1", "Unknown region."},
		{"BadPostal", one(with(c("postal_code", "in"), func(x *fanmail.SegmentCondition) { x.Values = []string{"06a"} })), "g.c1", "A postal code prefix is one to five digits."},
		{"UnknownPurpose", one(with(c("consent", "granted"), func(x *fanmail.SegmentCondition) { x.Values = []string{"spam"} })), "g.c1", "Unknown consent purpose."},
		{"UnknownStatus", one(with(c("status", "in"), func(x *fanmail.SegmentCondition) { x.Values = []string{"gone"} })), "g.c1", "Unknown member status."},
		{"UnknownSource", one(with(c("source", "in"), func(x *fanmail.SegmentCondition) { x.Values = []string{"fax"} })), "g.c1", "Unknown registration source."},
		{"AnswerWithoutQuestion", one(with(c("answer", "in"), func(x *fanmail.SegmentCondition) { x.IDs = []int64{1} })), "g.c1", "Pick a question."},
		{"BrandWithoutIDs", one(c("brand", "in")), "g.c1", "Pick at least one value."},
		{"BadDate", one(with(c("registered", "before"), func(x *fanmail.SegmentCondition) { x.Date = "2026/01/01" })), "g.c1", "Enter a date as YYYY-MM-DD."},
		{"NoDays", one(c("opened", "within_days")), "g.c1", "Enter a number of days of at least 1."},
		{"NegativeDays", one(with(c("bought_brand", "in"), func(x *fanmail.SegmentCondition) { x.IDs, x.Days = []int64{1}, -1 })), "g.c1", "The number of days is not valid."},
		{"NoNumber", one(c("order_count", "at_least")), "g.c1", "Enter a number of at least 1."},
		{"EmptyNestedGroup", fanmail.SegmentRules{Op: "and", Groups: []fanmail.SegmentRules{{Op: "or"}}}, "g.g0", "A group needs at least one condition."},
		{"NestedConditionPath", fanmail.SegmentRules{Op: "and", Groups: []fanmail.SegmentRules{{Op: "or",
			Conditions: []fanmail.SegmentCondition{{Field: "status", Op: "in", Values: []string{"active"}}, c("nope", "in")}}}},
			"g.g0.c1", "Unknown segment field."},
		{"TooDeep", fanmail.SegmentRules{Op: "and", Groups: []fanmail.SegmentRules{{Op: "or", Groups: []fanmail.SegmentRules{{Op: "and",
			Groups: []fanmail.SegmentRules{{Op: "or", Conditions: []fanmail.SegmentCondition{{Field: "status", Op: "in", Values: []string{"active"}}}}}}}}}},
			"g.g0.g0.g0", "Groups are nested too deeply."},
	}
	db := storetest.OpenSQLite(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := db.SegmentMemberSQL(tt.rules, segNow, 0)
			if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorField(err) != tt.field || fanmail.ErrorMessage(err) != tt.msg {
				t.Errorf("err = %v; want EINVALID on %s: %s", err, tt.field, tt.msg)
			}
			if _, err := db.CountSegment(context.Background(), tt.rules, segNow); fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Errorf("count: err = %v, want EINVALID", err)
			}
		})
	}
}

func TestCheckSegmentRefs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newSegWorld(t, db)
		ctx := context.Background()
		in := func(field string, ids ...int64) fanmail.SegmentRules {
			return fanmail.SegmentRules{Op: "or", Groups: []fanmail.SegmentRules{{Op: "and", Conditions: []fanmail.SegmentCondition{
				{Field: "status", Op: "in", Values: []string{"active"}},
				{Field: field, Op: "in", IDs: ids},
			}}}}
		}
		answer := in("answer", w.opt["university"])
		answer.Groups[0].Conditions[1].Question = w.q["occupation"]
		wrongQuestion := in("answer", w.opt["cute"])
		wrongQuestion.Groups[0].Conditions[1].Question = w.q["occupation"]
		noQuestion := in("answer", w.opt["cute"])
		noQuestion.Groups[0].Conditions[1].Question = 9999
		tests := []struct {
			name  string
			rules fanmail.SegmentRules
			msg   string // "" = fine
		}{
			{"Brands", in("brand", w.brands["ozsecond"], w.brands["mine"], w.brands["mine"]), ""},
			{"UnknownBrand", in("brand", w.brands["ozsecond"], 9999), "Unknown brand."},
			{"UnknownBoughtBrand", in("bought_brand", 9999), "Unknown brand."},
			{"UnknownGroup", in("brand_group", 9999), "Unknown brand group."},
			{"UnknownShop", in("shop", 9999), "Unknown shop."},
			{"Answer", answer, ""},
			{"OptionOfAnotherQuestion", wrongQuestion, "Unknown answer option."},
			{"UnknownQuestion", noQuestion, "Unknown question."},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := db.CheckSegmentRefs(ctx, tt.rules)
				if tt.msg == "" {
					if err != nil {
						t.Fatalf("err = %v", err)
					}
					return
				}
				if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorField(err) != "g.g0.c1" || fanmail.ErrorMessage(err) != tt.msg {
					t.Errorf("err = %v; want EINVALID on g.g0.c1: %s", err, tt.msg)
				}
			})
		}
	})
}

func TestSegmentCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return t0 }
		rules := fanmail.SegmentRules{Op: "and", Conditions: []fanmail.SegmentCondition{
			{Field: "gender", Op: "in", Values: []string{"female"}},
			{Field: "age_band", Op: "in", Values: []string{"21-23", "24-26"}},
		}, Groups: []fanmail.SegmentRules{{Op: "or", Conditions: []fanmail.SegmentCondition{
			{Field: "opened", Op: "within_days", Days: 90},
			{Field: "order_total", Op: "at_least", Number: 300000, Days: 365},
		}}}}
		s, err := db.CreateSegment(ctx, fanmail.Segment{Name: "20대 여성 활성 고객", Rules: rules})
		if err != nil {
			t.Fatal(err)
		}
		want := fanmail.Segment{ID: s.ID, Name: "20대 여성 활성 고객", Rules: rules, CreatedAt: t0, UpdatedAt: t0}
		if diff := cmp.Diff(want, s); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		got, err := db.SegmentByID(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("read back (-want +got):\n%s", diff)
		}

		t1 := t0.Add(time.Hour)
		db.Now = func() time.Time { return t1 }
		other := fanmail.SegmentRules{Op: "or"}
		upd, err := db.UpdateSegment(ctx, s.ID, "전체 회원", other)
		if err != nil {
			t.Fatal(err)
		}
		if upd.Name != "전체 회원" || !upd.UpdatedAt.Equal(t1) || !upd.CreatedAt.Equal(t0) || upd.Rules.Op != "or" {
			t.Errorf("updated = %+v", upd)
		}
		if _, err := db.UpdateSegment(ctx, 9999, "x", other); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("update missing: err = %v, want ENOTFOUND", err)
		}
		s2, err := db.CreateSegment(ctx, fanmail.Segment{Name: "가을 세일", Rules: rules})
		if err != nil {
			t.Fatal(err)
		}
		list, err := db.Segments(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, x := range list {
			names = append(names, x.Name)
		}
		if diff := cmp.Diff([]string{"가을 세일", "전체 회원"}, names); diff != "" {
			t.Errorf("list (-want +got):\n%s", diff)
		}

		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO campaigns (name, segment_id, created_at, updated_at) VALUES ('가을', $1, $2, $2)`, s2.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteSegment(ctx, s2.ID); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("delete used segment: err = %v, want ECONFLICT", err)
		}
		if err := db.DeleteSegment(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SegmentByID(ctx, s.ID); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("deleted segment: err = %v, want ENOTFOUND", err)
		}
		if err := db.DeleteSegment(ctx, s.ID); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("delete twice: err = %v, want ENOTFOUND", err)
		}
	})
}

// The events trigger keeps each member's latest non-bot open (or click) and
// click in member_engagement, whatever order a batch stores them in, and
// the row goes with the member.
func TestEngagementTrigger(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var m1, m2 fanmail.Member
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if m1, err = tx.CreateMember(ctx, fanmail.Member{Email: "minji@example.com", Name: "김민지", Status: fanmail.MemberActive}); err != nil {
				return err
			}
			m2, err = tx.CreateMember(ctx, fanmail.Member{Email: "jihoon@example.com", Name: "박지훈", Status: fanmail.MemberActive})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var campaign int64
		if err := db.SQL().QueryRowContext(ctx, `INSERT INTO campaigns (name, created_at, updated_at) VALUES ('가을', $1, $1) RETURNING id`,
			segNow).Scan(&campaign); err != nil {
			t.Fatal(err)
		}
		at := func(days int) time.Time { return daysAgo(days).Truncate(time.Second) }
		insert := func(rows ...[]any) {
			t.Helper()
			err := db.InTx(ctx, func(tx *store.Tx) error {
				// One statement for all rows, as the tracking writer does.
				q := `INSERT INTO events (campaign_id, member_id, kind, is_bot, created_at) VALUES `
				var args []any
				for i, r := range rows {
					if i > 0 {
						q += ", "
					}
					n := len(args)
					q += fmt.Sprintf("($%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5)
					args = append(args, campaign, r[0], r[1], r[2], r[3])
				}
				_, err := tx.ExecContext(ctx, q, args...)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		read := func(id int64) (open, click *time.Time) {
			t.Helper()
			var o, c sql.NullTime
			err := db.SQL().QueryRowContext(ctx, `SELECT last_open_at, last_click_at FROM member_engagement WHERE member_id = $1`, id).Scan(&o, &c)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				t.Fatal(err)
			}
			return timeOf(o), timeOf(c)
		}
		insert(
			[]any{m1.ID, "open", false, at(20)},
			[]any{m1.ID, "open", false, at(10)},
			[]any{m1.ID, "open", false, at(15)},
			[]any{m1.ID, "click", true, at(1)}, // a link scanner
			[]any{m2.ID, "delivered", false, at(2)},
			[]any{m2.ID, "click", false, at(30)},
		)
		o, c := read(m1.ID)
		if o == nil || !o.Equal(at(10)) || c != nil {
			t.Errorf("민지: last open %v, last click %v; want %v and none", o, c, at(10))
		}
		o, c = read(m2.ID)
		if o == nil || !o.Equal(at(30)) || c == nil || !c.Equal(at(30)) {
			t.Errorf("지훈: last open %v, last click %v; want both %v (a click proves an open)", o, c, at(30))
		}
		// An older event later changes nothing; a newer one moves it.
		insert([]any{m2.ID, "open", false, at(40)})
		if o, _ := read(m2.ID); !o.Equal(at(30)) {
			t.Errorf("지훈 after an older open: last open %v, want %v", o, at(30))
		}
		insert([]any{m2.ID, "open", false, at(5)})
		if o, c := read(m2.ID); !o.Equal(at(5)) || !c.Equal(at(30)) {
			t.Errorf("지훈 after a newer open: last open %v, last click %v", o, c)
		}
		if _, err := db.SQL().ExecContext(ctx, `DELETE FROM members WHERE id = $1`, m2.ID); err != nil {
			t.Fatal(err)
		}
		if o, c := read(m2.ID); o != nil || c != nil {
			t.Errorf("deleted member still has engagement %v, %v", o, c)
		}
	})
}

func timeOf(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}
