package store_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// Segment benchmark settings. The figures in docs/PERFORMANCE.md seed a
// million members:
//
//	FANMAIL_BENCH_SEGMENT_MEMBERS=1000000 FANMAIL_TEST_POSTGRES_URL=… \
//	  go test ./internal/store -run '^$' -bench CountSegment -benchtime 5x -timeout 60m
//
// Seeding a million members takes minutes; to measure several times over the
// same data, name a SQLite file and a PostgreSQL schema to keep between runs
// (each is seeded when it holds no members yet):
//
//	FANMAIL_BENCH_SEGMENT_SQLITE=/tmp/seg.db FANMAIL_BENCH_SEGMENT_PG_SCHEMA=bench_segments
const (
	segBenchMembersEnv = "FANMAIL_BENCH_SEGMENT_MEMBERS"
	segBenchSQLiteEnv  = "FANMAIL_BENCH_SEGMENT_SQLITE"
	segBenchSchemaEnv  = "FANMAIL_BENCH_SEGMENT_PG_SCHEMA"
	segBenchExplainEnv = "FANMAIL_BENCH_SEGMENT_EXPLAIN" // "1": log each count's query plan (run with -v)
)

// segBenchNow is the clock of the seeded world and of every count.
var segBenchNow = time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)

// BenchmarkCountSegment counts typical segments over a seeded member base on
// SQLite and PostgreSQL. Without FANMAIL_BENCH_SEGMENT_MEMBERS it seeds
// 20,000 members, enough to check the benchmark still runs.
func BenchmarkCountSegment(b *testing.B) {
	n := 20_000
	if v := os.Getenv(segBenchMembersEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("%s=%q: want a number ≥ 1000", segBenchMembersEnv, v)
		}
	}
	b.Run("sqlite", func(b *testing.B) {
		path := os.Getenv(segBenchSQLiteEnv)
		if path == "" {
			path = filepath.Join(b.TempDir(), "segments.db")
		}
		db, err := store.OpenSQLite(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		if err := db.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		benchCountSegment(b, db, n)
	})
	b.Run("postgres", func(b *testing.B) {
		url := storetest.PostgresURL(b)
		schema := os.Getenv(segBenchSchemaEnv)
		if schema == "" {
			schema = storetest.NewSchema(b, url)
		} else {
			conn, err := pgx.Connect(context.Background(), url)
			if err != nil {
				b.Fatal(err)
			}
			_, err = conn.Exec(context.Background(), "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize())
			conn.Close(context.Background())
			if err != nil {
				b.Fatal(err)
			}
		}
		db, err := storetest.OpenPostgresSchema(url, schema)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		if err := db.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		benchCountSegment(b, db, n)
	})
}

func benchCountSegment(b *testing.B, db *store.DB, n int) {
	ctx := context.Background()
	var have int
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM members`).Scan(&have); err != nil {
		b.Fatal(err)
	}
	switch {
	case have == 0:
		start := time.Now()
		segBenchSeed(b, db, n)
		b.Logf("%s: seeded %d members in %s", db.Engine(), n, time.Since(start).Round(time.Second))
		if db.Engine() == store.Postgres {
			// Autovacuum would analyse the new rows within a minute; do it now.
			if _, err := db.SQL().ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
				b.Fatal(err)
			}
		}
	case have != n:
		b.Fatalf("kept database holds %d members, want %d", have, n)
	}
	w := segBenchWorldOf(b, db)
	for _, c := range segBenchCases(w) {
		b.Run(c.name, func(b *testing.B) {
			got, err := db.CountSegment(ctx, c.rules, segBenchNow)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(got), "members")
			if os.Getenv(segBenchExplainEnv) == "1" {
				segBenchExplain(b, db, c.rules)
			}
			cpu0 := processCPU()
			for b.Loop() {
				if _, err := db.CountSegment(ctx, c.rules, segBenchNow); err != nil {
					b.Fatal(err)
				}
			}
			if db.Engine() == store.SQLite {
				// SQLite runs in this process, so its CPU time is the
				// work of the count, whatever else the machine runs.
				b.ReportMetric(float64((processCPU()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
			}
		})
	}
}

// segBenchExplain logs the statement and plan of the count of rules.
func segBenchExplain(b *testing.B, db *store.DB, rules fanmail.SegmentRules) {
	lines, err := db.ExplainSegmentCount(context.Background(), rules, segBenchNow)
	if err != nil {
		b.Fatal(err)
	}
	b.Log(strings.Join(lines, "\n"))
}

// processCPU returns the user and system CPU time this process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type segBenchCase struct {
	name  string
	rules fanmail.SegmentRules
}

// segBenchCases are the segments a marketer typically builds.
func segBenchCases(w segBenchWorld) []segBenchCase {
	and := func(cs ...fanmail.SegmentCondition) fanmail.SegmentRules {
		return fanmail.SegmentRules{Op: fanmail.SegmentAnd, Conditions: cs}
	}
	consent := fanmail.SegmentCondition{Field: fanmail.FieldConsent, Op: fanmail.OpGranted, Values: []string{fanmail.PurposeMarketingEmail}}
	return []segBenchCase{
		{"everyone", and()},
		{"consent", and(consent)},
		{"women_21_26_ozsecond_opened_90d", and(
			fanmail.SegmentCondition{Field: fanmail.FieldGender, Op: fanmail.OpIn, Values: []string{fanmail.GenderFemale}},
			fanmail.SegmentCondition{Field: fanmail.FieldAgeBand, Op: fanmail.OpIn, Values: []string{"21-23", "24-26"}},
			fanmail.SegmentCondition{Field: fanmail.FieldBrand, Op: fanmail.OpIn, IDs: []int64{w.brands["ozsecond"]}},
			fanmail.SegmentCondition{Field: fanmail.FieldOpened, Op: fanmail.OpWithinDays, Days: 90},
		)},
		{"two_brands_or", fanmail.SegmentRules{Op: fanmail.SegmentOr, Conditions: []fanmail.SegmentCondition{
			{Field: fanmail.FieldBrand, Op: fanmail.OpIn, IDs: []int64{w.brands["mine"]}},
			{Field: fanmail.FieldBrand, Op: fanmail.OpIn, IDs: []int64{w.brands["runup"]}},
		}}},
		{"bought_brand_total_365d", and(
			fanmail.SegmentCondition{Field: fanmail.FieldBoughtBrand, Op: fanmail.OpIn, IDs: []int64{w.brands["ozsecond"]}, Days: 365},
			fanmail.SegmentCondition{Field: fanmail.FieldOrderTotal, Op: fanmail.OpAtLeast, Number: 300_000, Days: 365},
		)},
		{"lapsed_buyers", and(
			consent,
			fanmail.SegmentCondition{Field: fanmail.FieldLastOrder, Op: fanmail.OpNotWithinDays, Days: 180},
			fanmail.SegmentCondition{Field: fanmail.FieldOrderCount, Op: fanmail.OpAtLeast, Number: 2},
		)},
		{"capital_students_not_opened_180d", and(
			fanmail.SegmentCondition{Field: fanmail.FieldRegion, Op: fanmail.OpIn, Values: []string{"서울", "경기"}},
			fanmail.SegmentCondition{Field: fanmail.FieldAnswer, Op: fanmail.OpIn, Question: w.occupation, IDs: w.students},
			fanmail.SegmentCondition{Field: fanmail.FieldOpened, Op: fanmail.OpNotWithinDays, Days: 180},
		)},
		{"nested_casual_or_clicked", fanmail.SegmentRules{Op: fanmail.SegmentAnd,
			Conditions: []fanmail.SegmentCondition{
				consent,
				{Field: fanmail.FieldStatus, Op: fanmail.OpIn, Values: []string{fanmail.MemberActive}},
				{Field: fanmail.FieldRegistered, Op: fanmail.OpNotWithinDays, Days: 30},
			},
			Groups: []fanmail.SegmentRules{{Op: fanmail.SegmentOr, Conditions: []fanmail.SegmentCondition{
				{Field: fanmail.FieldBrandGroup, Op: fanmail.OpIn, IDs: []int64{w.groups["casual"]}},
				{Field: fanmail.FieldClicked, Op: fanmail.OpWithinDays, Days: 30},
			}}},
		}},
	}
}

// segBenchWorld is what the seeded catalogue holds, by slug.
type segBenchWorld struct {
	brands     map[string]int64
	groups     map[string]int64
	occupation int64   // question id
	students   []int64 // its options for students
}

func segBenchWorldOf(b *testing.B, db *store.DB) segBenchWorld {
	ctx := context.Background()
	w := segBenchWorld{brands: map[string]int64{}, groups: map[string]int64{}}
	for _, q := range []struct {
		sql string
		m   map[string]int64
	}{{`SELECT slug, id FROM brands`, w.brands}, {`SELECT slug, id FROM brand_groups`, w.groups}} {
		rows, err := db.SQL().QueryContext(ctx, q.sql)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var slug string
			var id int64
			if err := rows.Scan(&slug, &id); err != nil {
				b.Fatal(err)
			}
			q.m[slug] = id
		}
		rows.Close()
	}
	if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM questions WHERE key = 'occupation'`).Scan(&w.occupation); err != nil {
		b.Fatal(err)
	}
	rows, err := db.SQL().QueryContext(ctx, `SELECT id FROM question_options WHERE question_id = $1
		AND value IN ('high-school', 'university', 'graduate')`, w.occupation)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		w.students = append(w.students, id)
	}
	return w
}

// The seeded catalogue: brand groups with brands, most popular first.
var segBenchCatalog = []struct {
	slug, ko, en string
	brands       [][2]string // slug, name
}{
	{"casual", "캐주얼", "Casual", [][2]string{{"ozsecond", "오즈세컨"}, {"sj", "에스제이"}, {"ozoc", "오조크"},
		{"mienc", "미앤씨"}, {"thursday", "써스데이아일랜드"}, {"gcut", "지컷"}, {"onon", "온앤온"}}},
	{"formal", "정장", "Formal", [][2]string{{"mine", "마인"}, {"time", "타임"}, {"system", "시스템"},
		{"morris", "모리스커밍홈"}, {"lebeige", "르베이지"}, {"kuho", "구호"}}},
	{"sports", "스포츠", "Sports", [][2]string{{"runup", "런업"}, {"trail", "트레일러너"}, {"bluemt", "블루마운틴"},
		{"sprint", "스프린트"}, {"wave", "웨이브"}}},
}

// Regions with their share of the population (%), official name, and the
// first two digits of their postal codes.
var segBenchRegions = []struct {
	short, long string
	share       float64
	postal      [2]int
}{
	{"서울", "서울특별시", 18.6, [2]int{1, 8}}, {"부산", "부산광역시", 6.4, [2]int{46, 49}},
	{"대구", "대구광역시", 4.6, [2]int{41, 43}}, {"인천", "인천광역시", 5.8, [2]int{21, 23}},
	{"광주", "광주광역시", 2.8, [2]int{61, 62}}, {"대전", "대전광역시", 2.8, [2]int{34, 35}},
	{"울산", "울산광역시", 2.2, [2]int{44, 45}}, {"세종", "세종특별자치시", 0.7, [2]int{30, 30}},
	{"경기", "경기도", 26.5, [2]int{10, 18}}, {"강원", "강원특별자치도", 3.0, [2]int{24, 26}},
	{"충북", "충청북도", 3.1, [2]int{27, 29}}, {"충남", "충청남도", 4.1, [2]int{31, 33}},
	{"전북", "전북특별자치도", 3.4, [2]int{54, 56}}, {"전남", "전라남도", 3.5, [2]int{57, 59}},
	{"경북", "경상북도", 5.0, [2]int{36, 40}}, {"경남", "경상남도", 6.4, [2]int{50, 53}},
	{"제주", "제주특별자치도", 1.3, [2]int{63, 63}},
}

var (
	segBenchFamilies = []string{"김", "이", "박", "최", "정", "강", "조", "윤", "장", "임"}
	segBenchGiven    = []string{"민지", "서연", "지훈", "민준", "서준", "하은", "지우", "도윤", "수빈", "예린"}
	segBenchStreets  = []string{"테헤란로", "중앙로", "번영로", "시청로", "대학로", "해안로"}
)

// weighted picks an index with probability proportional to its weight.
type weighted []float64

func (w weighted) pick(rng *rand.Rand) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	r := rng.Float64() * sum
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return len(w) - 1
}

// segBenchSeed writes n members (ids 1…n) and their world in bulk, with
// distributions like a Korean fashion company's member base:
//   - 55% women, 40% men, 2% other, 3% not given; ages 15–70, most 20–40;
//   - 85% active, 10% pending, 5% inactive; registered over five years, from
//     the web (60%), a shop (28%, one of 30), an import (10%) or the API;
//   - addresses by regional population, half with the short region name;
//   - terms and privacy granted by all, e-mail marketing granted by 62% and
//     refused by 23%, SMS marketing granted by 40%;
//   - 0–4 favourite brands each, popular brands much more often;
//   - occupation answered by 90%, style (1–3 options) by 85%;
//   - 24 campaigns over the last year; 40% of members never open, the others
//     open each mail with their own probability and click some (3% of the
//     events are flagged as bots);
//   - 35% of members ordered, 1–8 times over three years, 1–3 items each,
//     mostly of their favourite brands.
func segBenchSeed(b *testing.B, db *store.DB, n int) {
	ctx := context.Background()
	now := segBenchNow
	rng := rand.New(rand.NewPCG(7, 11))

	var brands []int64
	var brandWeights weighted
	err := db.InTx(ctx, func(tx *store.Tx) error {
		rank := 0
		for gi, g := range segBenchCatalog {
			var gid int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO brand_groups (slug, name_ko, name_en, position, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, g.slug, g.ko, g.en, gi, now).Scan(&gid); err != nil {
				return err
			}
			for bi, br := range g.brands {
				var bid int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO brands (group_id, slug, name, position, created_at, updated_at)
					VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, gid, br[0], br[1], bi, now).Scan(&bid); err != nil {
					return err
				}
				brands = append(brands, bid)
				// Popularity falls with rank within a group; casual sells most.
				rank++
				brandWeights = append(brandWeights, []float64{3, 2, 1.2}[gi]/math.Pow(float64(bi+1), 0.8))
			}
		}
		for i := range 30 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO shops (code, name, region, created_at) VALUES ($1, $2, $3, $4)`,
				fmt.Sprintf("shop%02d", i+1), fmt.Sprintf("%s %d호점", segBenchRegions[i%17].short, i+1), segBenchRegions[i%17].short, now); err != nil {
				return err
			}
		}
		for i := range 24 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (name, status, created_at, updated_at) VALUES ($1, 'finished', $2, $2)`,
				fmt.Sprintf("뉴스레터 %d", i+1), now.AddDate(0, 0, -365+i*15)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	questions := map[string][]int64{} // key → option ids; [0] is the question id
	for qi, q := range []struct {
		key, kind string
		options   []string
	}{
		{"occupation", fanmail.QuestionSingle, []string{"office-manager", "office-professional", "freelancer", "high-school", "university", "graduate"}},
		{"style", fanmail.QuestionMulti, []string{"feminine-cute", "urban-casual", "simple-character", "lovely-daily", "modern-formal", "classic-formal", "sporty"}},
	} {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			fq := fanmail.Question{Survey: "profile", Key: q.key, Kind: q.kind, LabelKo: q.key, LabelEn: q.key, Position: qi, Active: true}
			for _, o := range q.options {
				fq.Options = append(fq.Options, fanmail.QuestionOption{Value: o, LabelKo: o, LabelEn: o})
			}
			id, err := tx.CreateQuestion(ctx, fq)
			if err != nil {
				return err
			}
			questions[q.key] = []int64{id}
			rows, err := tx.QueryContext(ctx, `SELECT id FROM question_options WHERE question_id = $1 ORDER BY position, id`, id)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var oid int64
				if err := rows.Scan(&oid); err != nil {
					return err
				}
				questions[q.key] = append(questions[q.key], oid)
			}
			return rows.Err()
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	var campaigns []int64
	rows, err := db.SQL().QueryContext(ctx, `SELECT id FROM campaigns ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		campaigns = append(campaigns, id)
	}
	rows.Close()

	regionWeights := make(weighted, len(segBenchRegions))
	for i, r := range segBenchRegions {
		regionWeights[i] = r.share
	}
	// Ages 15–70: a bulge from 20 to 40.
	ageWeights := make(weighted, 56)
	for i := range ageWeights {
		age := float64(15 + i)
		ageWeights[i] = 0.3 + math.Exp(-(age-29)*(age-29)/(2*8*8))
	}
	var orderID, itemID, eventID int64
	const batch = 20_000
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		var members, consents, prefs, answers, events, orders, items [][]any
		for i := lo; i < hi; i++ {
			id := int64(i + 1)
			created := now.Add(-time.Duration(rng.Float64() * rng.Float64() * 5 * 365 * 24 * float64(time.Hour))).Truncate(time.Second)
			gender := []string{fanmail.GenderFemale, fanmail.GenderMale, fanmail.GenderOther, ""}[weighted{55, 40, 2, 3}.pick(rng)]
			birth := now.Year() - (15 + ageWeights.pick(rng))
			status := []string{fanmail.MemberActive, fanmail.MemberPending, fanmail.MemberInactive}[weighted{85, 10, 5}.pick(rng)]
			source := []string{fanmail.SourceWeb, fanmail.SourceShop, fanmail.SourceImport, fanmail.SourceAPI}[weighted{60, 28, 10, 2}.pick(rng)]
			var shop any
			if source == fanmail.SourceShop {
				shop = int64(1 + rng.IntN(30))
			}
			var address, postal string
			if rng.IntN(10) > 0 {
				r := segBenchRegions[regionWeights.pick(rng)]
				name := r.long
				if rng.IntN(2) == 0 {
					name = r.short
				}
				address = fmt.Sprintf("%s %s %d, %d동 %d호", name, segBenchStreets[rng.IntN(len(segBenchStreets))], 1+rng.IntN(300), 101+rng.IntN(20), 101+rng.IntN(1500))
				postal = fmt.Sprintf("%02d%03d", r.postal[0]+rng.IntN(r.postal[1]-r.postal[0]+1), rng.IntN(1000))
			}
			email := fmt.Sprintf("member%d@example.com", id)
			members = append(members, []any{id, email, email, segBenchFamilies[rng.IntN(10)] + segBenchGiven[rng.IntN(10)],
				birth, gender, postal, address, status, source, shop, created, created})

			consents = append(consents, []any{id, fanmail.PurposeTerms, true, created}, []any{id, fanmail.PurposePrivacy, true, created})
			switch (weighted{62, 23, 15}).pick(rng) {
			case 0:
				consents = append(consents, []any{id, fanmail.PurposeMarketingEmail, true, created})
			case 1:
				consents = append(consents, []any{id, fanmail.PurposeMarketingEmail, false, created})
			}
			switch (weighted{40, 40, 20}).pick(rng) {
			case 0:
				consents = append(consents, []any{id, fanmail.PurposeMarketingSMS, true, created})
			case 1:
				consents = append(consents, []any{id, fanmail.PurposeMarketingSMS, false, created})
			}

			liked := map[int]bool{}
			for range (weighted{20, 30, 25, 15, 10}).pick(rng) {
				liked[brandWeights.pick(rng)] = true
			}
			var likedIdx []int
			for bi := range liked {
				likedIdx = append(likedIdx, bi)
				prefs = append(prefs, []any{id, brands[bi], created})
			}

			if rng.IntN(10) < 9 {
				occ := questions["occupation"]
				answers = append(answers, []any{id, occ[0], occ[1+weighted{25, 25, 12, 8, 20, 10}.pick(rng)], created})
			}
			if rng.IntN(100) < 85 {
				style := questions["style"]
				for _, oi := range rng.Perm(7)[:1+rng.IntN(3)] {
					answers = append(answers, []any{id, style[0], style[1+oi], created})
				}
			}

			// Engagement: campaigns went to members who had registered.
			if rng.IntN(10) >= 4 {
				pOpen := 0.05 + 0.55*rng.Float64()
				pClick := 0.1 + 0.3*rng.Float64()
				for ci, cid := range campaigns {
					sent := now.AddDate(0, 0, -365+ci*15)
					if sent.Before(created) || rng.Float64() >= pOpen {
						continue
					}
					at := sent.Add(time.Duration(rng.IntN(72*3600)) * time.Second)
					eventID++
					events = append(events, []any{eventID, cid, id, "open", rng.IntN(100) < 3, at})
					if rng.Float64() < pClick {
						eventID++
						events = append(events, []any{eventID, cid, id, "click", rng.IntN(100) < 3, at.Add(time.Minute)})
					}
				}
			}

			if rng.IntN(100) < 35 {
				for range 1 + (weighted{40, 25, 15, 8, 5, 3, 2, 2}).pick(rng) {
					orderID++
					at := now.Add(-time.Duration(rng.Float64() * 3 * 365 * 24 * float64(time.Hour))).Truncate(time.Second)
					var amount int64
					for range 1 + rng.IntN(3) {
						itemID++
						bi := brandWeights.pick(rng)
						if len(likedIdx) > 0 && rng.IntN(10) < 7 {
							bi = likedIdx[rng.IntN(len(likedIdx))]
						}
						price := int64(29_000 + 1000*rng.IntN(300))
						amount += price
						items = append(items, []any{itemID, orderID, brands[bi], "상품", 1, price})
					}
					orders = append(orders, []any{orderID, id, fmt.Sprintf("ORD-%d", orderID), at, amount, at})
				}
			}
		}
		for _, t := range []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"members", []string{"id", "email", "email_normalized", "name", "birth_year", "gender", "postal_code", "address",
				"status", "source", "shop_id", "created_at", "updated_at"}, members},
			{"member_consents", []string{"member_id", "purpose", "granted", "updated_at"}, consents},
			{"brand_preferences", []string{"member_id", "brand_id", "created_at"}, prefs},
			{"answers", []string{"member_id", "question_id", "option_id", "answered_at"}, answers},
			{"events", []string{"id", "campaign_id", "member_id", "kind", "is_bot", "created_at"}, events},
			{"orders", []string{"id", "member_id", "external_id", "ordered_at", "amount", "created_at"}, orders},
			{"order_items", []string{"id", "order_id", "brand_id", "name", "quantity", "unit_price"}, items},
		} {
			if err := segBenchInsert(ctx, db, t.table, t.cols, t.rows); err != nil {
				b.Fatal(err)
			}
		}
	}
	if db.Engine() == store.Postgres {
		// Identity columns were given explicit values; move them past.
		for _, t := range []string{"members", "events", "orders", "order_items"} {
			if _, err := db.SQL().ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), (SELECT MAX(id) FROM `+t+`))`); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// segBenchInsert writes rows into table: COPY on PostgreSQL, multi-row
// INSERTs in one transaction on SQLite.
func segBenchInsert(ctx context.Context, db *store.DB, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if db.Engine() == store.Postgres {
		_, err := db.Pool().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		if err != nil {
			return fmt.Errorf("copy %s: %w", table, err)
		}
		return nil
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		per := 8000 / len(cols)
		head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
		for lo := 0; lo < len(rows); lo += per {
			chunk := rows[lo:min(lo+per, len(rows))]
			var sb strings.Builder
			sb.WriteString(head)
			args := make([]any, 0, len(chunk)*len(cols))
			for r, row := range chunk {
				if r > 0 {
					sb.WriteByte(',')
				}
				sb.WriteByte('(')
				// Plain "?" placeholders: SQLite looks "$N" names up one by
				// one, which is quadratic in a statement with thousands.
				for c := range row {
					if c > 0 {
						sb.WriteByte(',')
					}
					sb.WriteByte('?')
				}
				sb.WriteByte(')')
				args = append(args, row...)
			}
			if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
				return fmt.Errorf("insert %s: %w", table, err)
			}
		}
		return nil
	})
}
