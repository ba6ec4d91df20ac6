// Package trackingtest seeds what the tracking tests need: members with
// e-mail marketing consent, a campaign, its links and sent sends, written with
// plain SQL so the tests do not depend on the campaign engine.
package trackingtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// Options describe the campaign to seed.
type Options struct {
	Name        string        // default "봄 신상품 안내"
	Members     int           // recipients; default 1
	TrackPeople bool          // the campaign's privacy switch (false counts only)
	SentAgo     time.Duration // sends.sent_at = now - SentAgo; 0 leaves the sends queued
	Links       []string      // link URLs of the campaign
	Lang        string        // members' language; default "ko"
	// StoredTokens gives the sends random stored tokens, as sends created
	// before migration 0020 have; by default their tokens are derived
	// from their ids, as the engine's are.
	StoredTokens bool
}

// Campaign is a seeded campaign.
type Campaign struct {
	ID    int64
	Sends []Send
	Links []int64 // ids, in the order of Options.Links
}

// Send is one seeded send and its member.
type Send struct {
	ID       int64
	MemberID int64
	Token    string
	Email    string
}

var names = []string{"김지은", "이서준", "박민지", "Jin Park", "최유나", "Alex Kim"}

// Seed creates opts.Members members (active, e-mail marketing granted), a
// marketing campaign with opts.Links and one send per member.
func Seed(t testing.TB, db *store.DB, opts Options) Campaign {
	t.Helper()
	c, err := SeedErr(context.Background(), db, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// SeedErr is Seed for programs (the load generator).
func SeedErr(ctx context.Context, db *store.DB, opts Options) (Campaign, error) {
	if opts.Name == "" {
		opts.Name = "봄 신상품 안내"
	}
	if opts.Members == 0 {
		opts.Members = 1
	}
	if opts.Lang == "" {
		opts.Lang = fanmail.LangKorean
	}
	var c Campaign
	err := db.InTx(ctx, func(tx *store.Tx) error {
		now := tx.Now
		if err := tx.QueryRowContext(ctx, `
			INSERT INTO campaigns (name, kind, is_ad, status, subject, track_people, created_at, updated_at)
			VALUES ($1, 'marketing', $2, 'sending', $3, $4, $5, $5) RETURNING id`,
			opts.Name, true, "(광고) "+opts.Name, opts.TrackPeople, now).Scan(&c.ID); err != nil {
			return fmt.Errorf("seed campaign: %w", err)
		}
		for _, u := range opts.Links {
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO links (campaign_id, url) VALUES ($1, $2) RETURNING id`,
				c.ID, u).Scan(&id); err != nil {
				return fmt.Errorf("seed link: %w", err)
			}
			c.Links = append(c.Links, id)
		}
		var sentAt any
		state := "queued"
		if opts.SentAgo > 0 {
			sentAt, state = now.Add(-opts.SentAgo), "sent"
		}
		suffix := strings.ToLower(rand.Text()[:8])
		for i := range opts.Members {
			s := Send{Email: fmt.Sprintf("fan%d.%s@example.com", i, suffix)}
			stored := ""
			if opts.StoredTokens {
				stored = strings.ToLower(rand.Text())
			}
			if err := tx.QueryRowContext(ctx, `
				INSERT INTO members (email, email_normalized, name, lang, status, created_at, updated_at)
				VALUES ($1, $1, $2, $3, 'active', $4, $4) RETURNING id`,
				s.Email, names[i%len(names)], opts.Lang, now).Scan(&s.MemberID); err != nil {
				return fmt.Errorf("seed member: %w", err)
			}
			if err := tx.AddConsent(ctx, fanmail.Consent{MemberID: s.MemberID, Purpose: fanmail.PurposeMarketingEmail,
				Channel: "email", Granted: true, Source: fanmail.SourceWeb, Version: fanmail.ConsentWordingVersion}); err != nil {
				return err
			}
			// The id is the pair's, as the engine gives it (PostgreSQL's
			// check sends_pair_id requires it).
			if err := tx.QueryRowContext(ctx, `
				INSERT INTO sends (id, campaign_id, member_id, state, token, sent_at) VALUES ($1 * 4294967296 + $2, $1, $2, $3, $4, $5) RETURNING id`,
				c.ID, s.MemberID, state, stored, sentAt).Scan(&s.ID); err != nil {
				return fmt.Errorf("seed send: %w", err)
			}
			s.Token = stored
			if stored == "" {
				tok, err := tx.SendToken(ctx, s.ID)
				if err != nil {
					return err
				}
				s.Token = tok
			}
			c.Sends = append(c.Sends, s)
		}
		// The counters the engine keeps as it sends.
		sent := 0
		if state == "sent" {
			sent = opts.Members
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_progress (campaign_id, audience, total, sent) VALUES ($1, $2, $2, $3)`,
			c.ID, opts.Members, sent); err != nil {
			return fmt.Errorf("seed campaign progress: %w", err)
		}
		return nil
	})
	return c, err
}

// Events returns the campaign's events, oldest first.
func Events(t testing.TB, db *store.DB, campaignID int64) []store.Event {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), `
		SELECT COALESCE(campaign_id, 0), COALESCE(send_id, 0), COALESCE(member_id, 0), kind, COALESCE(link_id, 0), is_bot, detail
		FROM events WHERE campaign_id = $1 ORDER BY id`, campaignID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var es []store.Event
	for rows.Next() {
		var e store.Event
		if err := rows.Scan(&e.CampaignID, &e.SendID, &e.MemberID, &e.Kind, &e.LinkID, &e.IsBot, &e.Detail); err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return es
}

// Count runs a COUNT(*) query and returns the number.
func Count(t testing.TB, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// FixedClock makes db's clock read t0 and returns a function that moves it
// on. Safe for the event writer's goroutine to read meanwhile.
func FixedClock(db *store.DB, t0 time.Time) func(time.Duration) {
	var mu sync.Mutex
	now := t0.UTC()
	db.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	return func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
	}
}
