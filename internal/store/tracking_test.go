package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/tracking/trackingtest"
)

func TestDB_InsertEventsAndCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 7, 1, 9, 30, 0, 0, time.UTC)
		memFixedClock(db, t0)
		c := trackingtest.Seed(t, db, trackingtest.Options{Members: 3, TrackPeople: true, SentAgo: time.Hour,
			Links: []string{"https://shop.example.com/a", "https://shop.example.com/b"}})
		var es []store.Event
		// 1201 events: more than two INSERT chunks of 500.
		for i := range 1201 {
			s := c.Sends[i%3]
			e := store.Event{CampaignID: c.ID, SendID: s.ID, MemberID: s.MemberID, Kind: "open",
				CreatedAt: t0.Add(time.Duration(i) * time.Minute / 10)} // 09:30 … 11:30
			if i%100 == 0 {
				e.Kind, e.LinkID = "click", c.Links[1]
			}
			if i%7 == 0 {
				e.IsBot = true
			}
			es = append(es, e)
		}
		if err := db.InsertEvents(ctx, es); err != nil {
			t.Fatal(err)
		}
		if n, err := db.CountEvents(ctx, c.ID, ""); err != nil || n != 1201 {
			t.Fatalf("count = %d, %v", n, err)
		}
		ce, err := db.CampaignEvents(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Clicks at i = 0, 100, …, 1200 (13); bots where i%7 == 0: 0, 700 are both.
		if k := ce.Kinds["click"]; k.Total != 11 || k.Bots != 2 || k.Unique != 3 {
			t.Errorf("clicks = %+v", k)
		}
		opensBots := int64(1201/7 + 1 - 2)
		if k := ce.Kinds["open"]; k.Total != 1201-13-opensBots || k.Bots != opensBots || k.Unique != 3 {
			t.Errorf("opens = %+v (bots want %d)", k, opensBots)
		}
		if ce.Sent != 3 || len(ce.Links) != 2 || ce.Links[0].LinkID != c.Links[1] || ce.Links[0].Clicks != 11 {
			t.Errorf("sent %d, links %+v", ce.Sent, ce.Links)
		}
		var hours []time.Time
		var sum int64
		for _, h := range ce.Hours {
			hours = append(hours, h.Hour)
			sum += h.Opens + h.Clicks
		}
		if len(hours) != 3 || !hours[0].Equal(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)) || sum != 1201-opensBots-2 {
			t.Errorf("hours %v, events %d", hours, sum)
		}
	})
}

func TestDB_ClickTarget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := trackingtest.Seed(t, db, trackingtest.Options{SentAgo: time.Minute, Links: []string{"https://shop.example.com/a"}})
		d := trackingtest.Seed(t, db, trackingtest.Options{Links: []string{"https://shop.example.com/d"}})
		s, url, err := db.ClickTarget(ctx, c.Sends[0].Token, c.Links[0])
		if err != nil || url != "https://shop.example.com/a" || s.ID != c.Sends[0].ID || s.SentAt.IsZero() {
			t.Errorf("ClickTarget = %+v, %q, %v", s, url, err)
		}
		if _, _, err := db.ClickTarget(ctx, c.Sends[0].Token, d.Links[0]); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("link of another campaign: %v", err)
		}
		if s, err := db.TrackedSendByToken(ctx, d.Sends[0].Token); err != nil || !s.SentAt.IsZero() || s.TrackPeople {
			t.Errorf("queued send = %+v, %v", s, err)
		}
		if _, err := db.TrackedSendByToken(ctx, "nosuchtoken"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("unknown token: %v", err)
		}
	})
}
