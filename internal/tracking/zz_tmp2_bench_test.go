package tracking_test

import (
	"context"
	"testing"
	"time"

	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/tracking/trackingtest"
)

func BenchmarkSingleRowPrepared(b *testing.B) {
	db := storetest.OpenSQLite(b)
	c := trackingtest.Seed(b, db, trackingtest.Options{Members: 10000, TrackPeople: true, SentAgo: time.Hour, Links: []string{"https://x.example.com/"}})
	ctx := context.Background()
	stmt, err := db.SQL().PrepareContext(ctx, `INSERT INTO events (campaign_id, send_id, member_id, kind, link_id, is_bot, detail, created_at)
	SELECT s.campaign_id,
		CASE WHEN c.track_people THEN s.id END,
		CASE WHEN c.track_people THEN s.member_id END,
		?, NULLIF(?, 0), ?, '', ?
		FROM sends s JOIN campaigns c ON c.id = s.campaign_id WHERE s.token = ?`)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	cpu0 := cpuNow()
	for b.Loop() {
		tx, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		st := tx.StmtContext(ctx, stmt)
		for range 1000 {
			s := c.Sends[i%len(c.Sends)]
			i += 7
			if _, err := st.ExecContext(ctx, "open", 0, false, time.Now().UTC(), s.Token); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuNow()-cpu0).Microseconds())/float64(b.N*1000), "cpuµs/event")
}

func BenchmarkClickTarget(b *testing.B) {
	db := storetest.OpenSQLite(b)
	db.SQL().SetMaxIdleConns(8)
	c := trackingtest.Seed(b, db, trackingtest.Options{Members: 10000, TrackPeople: true, SentAgo: time.Hour, Links: []string{"https://x.example.com/"}})
	ctx := context.Background()
	b.Run("plain", func(b *testing.B) {
		i := 0
		cpu0 := cpuNow()
		for b.Loop() {
			if _, _, err := db.ClickTarget(ctx, c.Sends[i%10000].Token, c.Links[0]); err != nil {
				b.Fatal(err)
			}
			i += 7
		}
		b.ReportMetric(float64((cpuNow()-cpu0).Microseconds())/float64(b.N), "cpuµs/op")
	})
	b.Run("prepared", func(b *testing.B) {
		stmt, err := db.SQL().PrepareContext(ctx, `
		SELECT s.id, s.campaign_id, s.member_id, s.sent_at, c.track_people, l.url
		FROM sends s
		JOIN campaigns c ON c.id = s.campaign_id
		JOIN links l ON l.campaign_id = s.campaign_id AND l.id = $2
		WHERE s.token = $1`)
		if err != nil {
			b.Fatal(err)
		}
		i := 0
		cpu0 := cpuNow()
		for b.Loop() {
			var a, bb, cc int64
			var t any
			var tp bool
			var u string
			if err := stmt.QueryRowContext(ctx, c.Sends[i%10000].Token, c.Links[0]).Scan(&a, &bb, &cc, &t, &tp, &u); err != nil {
				b.Fatal(err)
			}
			i += 7
		}
		b.ReportMetric(float64((cpuNow()-cpu0).Microseconds())/float64(b.N), "cpuµs/op")
	})
}
