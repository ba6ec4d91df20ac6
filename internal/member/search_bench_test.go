package member_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// searchBenchEnv sets how many members BenchmarkFindMembers seeds; the figures
// in docs/PERFORMANCE.md use FANMAIL_BENCH_MEMBERS=1000000:
//
//	FANMAIL_BENCH_MEMBERS=1000000 FANMAIL_TEST_POSTGRES_URL=… \
//	  go test ./internal/member -run '^$' -bench FindMembers -benchtime 200x -timeout 60m
const searchBenchEnv = "FANMAIL_BENCH_MEMBERS"

// searchBenchFileEnv names an SQLite file to seed once and reuse across runs
// (seeding 1M members into SQLite takes minutes); unset, a temporary file.
const searchBenchFileEnv = "FANMAIL_BENCH_SQLITE_FILE"

// searchBenchSchemaEnv names a PostgreSQL schema to seed once and reuse
// (drop it yourself afterwards); unset, a temporary schema.
const searchBenchSchemaEnv = "FANMAIL_BENCH_POSTGRES_SCHEMA"

// BenchmarkFindMembers measures staff member searches over a large seeded
// member table on SQLite and PostgreSQL.
func BenchmarkFindMembers(b *testing.B) {
	n := 20_000
	if v := os.Getenv(searchBenchEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("%s=%q: want a number ≥ 1000", searchBenchEnv, v)
		}
	}
	b.Run("sqlite", func(b *testing.B) {
		path := os.Getenv(searchBenchFileEnv)
		if path == "" {
			path = filepath.Join(b.TempDir(), "fanmail.db")
		}
		seedDB := searchBenchOpenSQLite(b, path)
		var brands []int64
		if got := searchBenchCount(b, seedDB); got == n {
			brands = searchBenchBrands(b, seedDB)
			b.Logf("sqlite: reusing %d members in %s", n, path)
		} else if got == 0 {
			brands = searchBenchSeed(b, seedDB, n)
		} else {
			b.Fatalf("%s holds %d members, not %d: delete it", path, got, n)
		}
		seedDB.Close()
		// Search through fresh connections with SQLite's default page cache,
		// as the app would after a restart; the OS may still cache the file.
		benchFindMembers(b, searchBenchOpenSQLite(b, path), n, brands)
	})
	b.Run("postgres", func(b *testing.B) {
		db := searchBenchOpenPostgres(b)
		var brands []int64
		if got := searchBenchCount(b, db); got == n {
			brands = searchBenchBrands(b, db)
			b.Logf("postgres: reusing %d members", n)
		} else if got == 0 {
			brands = searchBenchSeed(b, db, n)
		} else {
			b.Fatalf("schema holds %d members, not %d: drop it", got, n)
		}
		// Autovacuum would vacuum and analyse the new rows within a minute;
		// do it now so every run measures the settled state.
		if _, err := db.SQL().ExecContext(context.Background(), `VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
		benchFindMembers(b, db, n, brands)
	})
}

// searchBenchOpenPostgres opens a fresh schema, or the schema named by
// searchBenchSchemaEnv, created if missing and kept for the next run.
func searchBenchOpenPostgres(b *testing.B) *store.DB {
	url := storetest.PostgresURL(b)
	schema := os.Getenv(searchBenchSchemaEnv)
	if schema == "" {
		return storetest.OpenPostgres(b, url)
	}
	db, err := storetest.OpenPostgresSchema(url, schema)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.SQL().ExecContext(context.Background(), `CREATE SCHEMA IF NOT EXISTS `+schema); err != nil {
		b.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return db
}

func searchBenchOpenSQLite(b *testing.B, path string) *store.DB {
	db, err := store.OpenSQLite(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return db
}

func searchBenchCount(b *testing.B, db *store.DB) int {
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM members`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

func searchBenchBrands(b *testing.B, db *store.DB) []int64 {
	rows, err := db.SQL().QueryContext(context.Background(), `SELECT id FROM brands ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func benchFindMembers(b *testing.B, db *store.DB, n int, brands []int64) {
	ctx := context.Background()
	svc := member.New(db, nil, member.Options{AgeBands: fanmail.DefaultAgeBands}, slog.New(slog.DiscardHandler))
	cases := []struct {
		name string
		f    member.MemberFilter
	}{
		{"first_page", member.MemberFilter{}},
		{"email_prefix", member.MemberFilter{Query: "minji.kim12"}},
		{"name_prefix", member.MemberFilter{Query: "김민지"}},
		{"name_prefix_filtered", member.MemberFilter{Query: "김민지", Gender: fanmail.GenderMale, Status: fanmail.MemberActive}},
		{"family_name", member.MemberFilter{Query: "김"}},
		{"phone_prefix", member.MemberFilter{Query: "010-1234"}},
		{"ageband", member.MemberFilter{AgeBand: "24-26"}},
		{"gender_ageband", member.MemberFilter{Gender: fanmail.GenderFemale, AgeBand: "24-26"}},
		{"brand", member.MemberFilter{BrandID: brands[len(brands)-1]}},
		{"consent_status", member.MemberFilter{Consent: fanmail.PurposeMarketingEmail, Status: fanmail.MemberActive}},
		{"deep_page", member.MemberFilter{Before: int64(n / 100)}},
		{"deep_page_filtered", member.MemberFilter{Gender: fanmail.GenderMale, AgeBand: "30-34", Before: int64(n / 10)}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			page, err := svc.FindMembers(ctx, c.f)
			if err != nil {
				b.Fatal(err)
			}
			if len(page.Members) == 0 {
				b.Fatalf("%+v found nobody", c.f)
			}
			for b.Loop() {
				if _, err := svc.FindMembers(ctx, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var (
	benchFamilies      = []string{"김", "이", "박", "최", "정", "강", "조", "윤", "장", "임"}
	benchFamiliesRoman = []string{"kim", "lee", "park", "choi", "jung", "kang", "cho", "yoon", "jang", "lim"}
	benchGiven         = []string{"민지", "서연", "지훈", "민준", "서준", "하은", "지우", "도윤", "수빈", "예린",
		"현우", "지민", "유진", "승현", "다은", "준호", "채원", "시우", "하준", "윤서"}
	benchGivenRoman = []string{"minji", "seoyeon", "jihoon", "minjun", "seojun", "haeun", "jiwoo", "doyoon", "subin", "yerin",
		"hyunwoo", "jimin", "yujin", "seunghyun", "daeun", "junho", "chaewon", "siwoo", "hajun", "yunseo"}
	benchDomains = []string{"naver.com", "gmail.com", "daum.net", "kakao.com", "example.com"}
)

// searchBenchSeed bulk-inserts n members with Korean names, phone numbers,
// genders, birth years and statuses, up to three favourite brands each and an
// e-mail marketing decision each; it returns the brand ids. Member i has id
// i+1. It writes SQL directly: the services insert one member at a time.
func searchBenchSeed(b *testing.B, db *store.DB, n int) []int64 {
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var brands []int64
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for g, slug := range []string{"casual", "formal", "sports"} {
			var gid int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO brand_groups (slug, name_ko, name_en, position, created_at, updated_at)
				VALUES ($1, $1, $1, $2, $3, $3) RETURNING id`, slug, g, now).Scan(&gid); err != nil {
				return err
			}
			for i := range 7 {
				var bid int64
				bslug := fmt.Sprintf("%s-%d", slug, i)
				if err := tx.QueryRowContext(ctx, `INSERT INTO brands (group_id, slug, name, position, created_at, updated_at)
					VALUES ($1, $2, $2, $3, $4, $4) RETURNING id`, gid, bslug, i, now).Scan(&bid); err != nil {
					return err
				}
				brands = append(brands, bid)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}

	start := time.Now()
	defer func() {
		b.Logf("%s: seeded %d members in %s", db.Engine(), n, time.Since(start).Round(time.Millisecond))
	}()
	rng := rand.New(rand.NewPCG(1, 2))
	const batch = 20_000 // rows per transaction
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		var members, prefs, consents [][]any
		for i := lo; i < hi; i++ {
			id := int64(i + 1)
			fam, given := rng.IntN(len(benchFamilies)), rng.IntN(len(benchGiven))
			email := fmt.Sprintf("%s.%s%d@%s", benchGivenRoman[given], benchFamiliesRoman[fam], i, benchDomains[rng.IntN(len(benchDomains))])
			phone := fmt.Sprintf("010%08d", rng.IntN(100_000_000))
			var code any
			if rng.IntN(2) == 0 {
				code = fmt.Sprintf("%s_%d", benchGivenRoman[given], i)
			}
			gender := []string{fanmail.GenderFemale, fanmail.GenderMale, fanmail.GenderFemale, fanmail.GenderMale, ""}[rng.IntN(5)]
			status := fanmail.MemberActive
			switch r := rng.IntN(20); {
			case r < 2:
				status = fanmail.MemberPending
			case r < 3:
				status = fanmail.MemberInactive
			}
			created := now.Add(-time.Duration(n-i) * time.Minute)
			members = append(members, []any{id, code, email, strings.ToLower(email), benchFamilies[fam] + benchGiven[given],
				phone[:3] + "-" + phone[3:7] + "-" + phone[7:], phone, 1955 + rng.IntN(56), gender, status, created})
			for _, bi := range rng.Perm(len(brands))[:rng.IntN(4)] {
				prefs = append(prefs, []any{id, brands[bi], created})
			}
			consents = append(consents, []any{id, fanmail.PurposeMarketingEmail, rng.IntN(5) < 3, created})
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if db.Engine() == store.SQLite {
				// With the default 2 MB page cache, seven indexes growing in
				// random order make seeding crawl; searches do not use this.
				if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -1048576`); err != nil {
					return err
				}
			}
			if err := benchInsert(ctx, tx, `INSERT INTO members (id, code, email, email_normalized, name, phone, phone_normalized,
				birth_year, gender, status, created_at, updated_at) VALUES `, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11}, members); err != nil {
				return err
			}
			if err := benchInsert(ctx, tx, `INSERT INTO brand_preferences (member_id, brand_id, created_at) VALUES `, []int{1, 2, 3}, prefs); err != nil {
				return err
			}
			return benchInsert(ctx, tx, `INSERT INTO member_consents (member_id, purpose, granted, updated_at) VALUES `, []int{1, 2, 3, 4}, consents)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return brands
}

// benchInsert inserts rows with multi-row VALUES statements; tuple lists,
// for each value of one row's VALUES tuple, the 1-based index of the column
// of rows it takes (a column may be used twice).
func benchInsert(ctx context.Context, tx *store.Tx, head string, tuple []int, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	cols := len(rows[0])
	per := 8000 / cols
	for lo := 0; lo < len(rows); lo += per {
		chunk := rows[lo:min(lo+per, len(rows))]
		var sb strings.Builder
		sb.WriteString(head)
		args := make([]any, 0, len(chunk)*cols)
		for r, row := range chunk {
			if r > 0 {
				sb.WriteByte(',')
			}
			sb.WriteByte('(')
			for i, c := range tuple {
				if i > 0 {
					sb.WriteByte(',')
				}
				sb.WriteString("$" + strconv.Itoa(r*cols+c))
			}
			sb.WriteByte(')')
			args = append(args, row...)
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("bench insert: %w", err)
		}
	}
	return nil
}
