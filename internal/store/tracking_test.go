package store_test

import (
	"context"
	"strings"
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

// Sends store no token since migration 0020: their tokens are derived from
// their ids. Tokens stored before still find their sends, through every
// look-up; an altered token, or a derived token for a send that has a
// stored one, finds nothing.
func TestDB_SendTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		derived := trackingtest.Seed(t, db, trackingtest.Options{SentAgo: time.Minute, TrackPeople: true, Links: []string{"https://shop.example.com/new"}})
		stored := trackingtest.Seed(t, db, trackingtest.Options{SentAgo: time.Minute, TrackPeople: true, Links: []string{"https://shop.example.com/old"}, StoredTokens: true})
		var column string
		db.SQL().QueryRowContext(ctx, `SELECT token FROM sends WHERE id = $1`, derived.Sends[0].ID).Scan(&column)
		if tok := derived.Sends[0].Token; column != "" || len(tok) != 32 {
			t.Errorf("derived send: token column %q, token %q", column, tok)
		}
		for _, c := range []trackingtest.Campaign{derived, stored} {
			s := c.Sends[0]
			if got, err := db.TrackedSendByToken(ctx, s.Token); err != nil || got.ID != s.ID {
				t.Errorf("TrackedSendByToken(%s) = %+v, %v; want send %d", s.Token, got, err, s.ID)
			}
			// Twice: the statement is prepared by the first look-up.
			for range 2 {
				if got, url, err := db.ClickTarget(ctx, s.Token, c.Links[0]); err != nil || got.ID != s.ID || !strings.HasPrefix(url, "https://shop.example.com/") {
					t.Errorf("click target of %s = %+v, %q, %v", s.Token, got, url, err)
				}
			}
			if r, err := db.RecipientByToken(ctx, s.Token); err != nil || r.SendID != s.ID || r.MemberID != s.MemberID {
				t.Errorf("RecipientByToken(%s) = %+v, %v", s.Token, r, err)
			}
		}
		tok := derived.Sends[0].Token
		forged := tok[:10] + "0" + tok[11:]
		if tok[10] == '0' {
			forged = tok[:10] + "1" + tok[11:]
		}
		ofStored, err := db.SendToken(ctx, stored.Sends[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{forged, ofStored, strings.ToUpper(tok)} {
			if _, err := db.TrackedSendByToken(ctx, bad); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("TrackedSendByToken(%s): %v, want not found", bad, err)
			}
			if _, _, err := db.ClickTarget(ctx, bad, derived.Links[0]); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("click target of %s: %v, want not found", bad, err)
			}
			if _, err := db.RecipientByToken(ctx, bad); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("RecipientByToken(%s): %v, want not found", bad, err)
			}
		}
		// One batch of events mixing both kinds of token and a forgery.
		now := time.Now().UTC()
		n, err := db.InsertTokenEvents(ctx, []store.TokenEvent{
			{Token: tok, Kind: "open", CreatedAt: now},
			{Token: stored.Sends[0].Token, Kind: "click", LinkID: stored.Links[0], CreatedAt: now},
			{Token: forged, Kind: "open", CreatedAt: now},
			{Token: ofStored, Kind: "open", CreatedAt: now},
		})
		if err != nil || n != 2 {
			t.Fatalf("InsertTokenEvents = %d, %v; want 2", n, err)
		}
		for _, c := range []trackingtest.Campaign{derived, stored} {
			es := trackingtest.Events(t, db, c.ID)
			if len(es) != 1 || es[0].SendID != c.Sends[0].ID {
				t.Errorf("events of campaign %d = %+v; want one of send %d", c.ID, es, c.Sends[0].ID)
			}
		}
	})
}
