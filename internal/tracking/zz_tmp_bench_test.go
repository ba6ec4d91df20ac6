package tracking_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/tracking/trackingtest"
)

func dbs(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.OpenSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.OpenPostgres(b, os.Getenv("FANMAIL_TEST_POSTGRES_URL"))) })
}

func BenchmarkInsertEvents(b *testing.B) {
	dbs(b, func(b *testing.B, db *store.DB) {
		c := trackingtest.Seed(b, db, trackingtest.Options{Members: 10000, TrackPeople: true, SentAgo: time.Hour, Links: []string{"https://x.example.com/"}})
		es := make([]store.TokenEvent, 1000)
		i := 0
		b.ResetTimer()
		cpu0, pg0 := cpuNow(), pgCPU()
		for b.Loop() {
			for j := range es {
				s := c.Sends[i%len(c.Sends)]
				i += 7
				es[j] = store.TokenEvent{Token: s.Token, Kind: "open", CreatedAt: time.Now()}
			}
			if _, err := db.InsertTokenEvents(context.Background(), es); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*1000), "µs/event")
		cpu := cpuNow() - cpu0
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*1000), "cpuµs/event")
		pg := pgCPU() - pg0
		b.ReportMetric(float64(pg.Microseconds())/float64(b.N*1000), "pgcpuµs/event")
	})
}

func BenchmarkLookup(b *testing.B) {
	dbs(b, func(b *testing.B, db *store.DB) {
		c := trackingtest.Seed(b, db, trackingtest.Options{Members: 1000, TrackPeople: true, SentAgo: time.Hour, Links: []string{"https://x.example.com/"}})
		i := 0
		for b.Loop() {
			if _, err := db.TrackedSendByToken(context.Background(), c.Sends[i%1000].Token); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pgCPU sums utime+stime of every postgres process.
func pgCPU() time.Duration {
	var total int64
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || !strings.Contains(s[:i], "(postgres") {
			continue
		}
		f := strings.Fields(s[i+2:])
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += u + st
	}
	return time.Duration(total) * 10 * time.Millisecond
}

func TestExplainPG(t *testing.T) {
	db := storetest.OpenPostgres(t, os.Getenv("FANMAIL_TEST_POSTGRES_URL"))
	c := trackingtest.Seed(t, db, trackingtest.Options{Members: 10000, TrackPeople: true, SentAgo: time.Hour, Links: []string{"https://x.example.com/"}})
	for round := range 3 {
		tokens := make([]string, 1000)
		kinds := make([]string, 1000)
		links := make([]int64, 1000)
		bots := make([]bool, 1000)
		ats := make([]time.Time, 1000)
		for i := range tokens {
			tokens[i], kinds[i], ats[i] = c.Sends[(i*7+round)%10000].Token, "open", time.Now()
		}
		rows, err := db.SQL().Query(`EXPLAIN (ANALYZE, BUFFERS) INSERT INTO events (campaign_id, send_id, member_id, kind, link_id, is_bot, detail, created_at)
	SELECT s.campaign_id,
		CASE WHEN c.track_people THEN s.id END,
		CASE WHEN c.track_people THEN s.member_id END,
		v.kind, NULLIF(v.link_id, 0), v.is_bot, '', v.created_at
		FROM unnest($1::text[], $2::text[], $3::bigint[], $4::boolean[], $5::timestamptz[])
			WITH ORDINALITY AS v(token, kind, link_id, is_bot, created_at, ord)
		JOIN sends s ON s.token = v.token
		JOIN campaigns c ON c.id = s.campaign_id
		ORDER BY v.ord`, tokens, kinds, links, bots, ats)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var l string
			rows.Scan(&l)
			if round == 2 {
				t.Log(l)
			}
		}
		rows.Close()
	}
}
