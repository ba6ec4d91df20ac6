package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// claimAll has claimers claim sends of campaign id at now side by side, a
// batch at a time, until none is left, and returns how often each send was
// claimed. The claimers take turns at dbs (one per node).
func claimAll(t *testing.T, dbs []*store.DB, id int64, now time.Time, claimers int) map[int64]int {
	t.Helper()
	var mu sync.Mutex
	seen := map[int64]int{}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range claimers {
		db := dbs[w%len(dbs)]
		wg.Go(func() {
			<-start
			for {
				claims, err := db.ClaimSends(context.Background(), id, 7, now, now.Add(time.Hour), campAudience)
				if err != nil {
					t.Error(err)
					return
				}
				if len(claims) == 0 {
					return
				}
				mu.Lock()
				for _, c := range claims {
					seen[c.SendID]++
				}
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	return seen
}

// campStartedByZone creates a campaign sent in each member's time zone and
// starts it at t0 for every consenting member, queueing each send: due at
// t0, for members in Los Angeles at laDue.
func campStartedByZone(t *testing.T, db *store.DB, t0, laDue time.Time) fanmail.Campaign {
	t.Helper()
	ctx := context.Background()
	snd := campSender(t, db)
	c, err := db.CreateCampaign(ctx, fanmail.Campaign{Name: "시간대별 발송", Kind: fanmail.CampaignMarketing, SenderID: snd.ID,
		Subject: "s", Body: "b", Timezone: "Asia/Seoul", MemberTZ: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.MoveCampaign(ctx, c.ID, fanmail.CampaignScheduled, &t0, fanmail.CampaignDraft); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.StartCampaign(ctx, c.ID, store.Audience{Marketing: true, Upfront: true, Due: t0, Details: store.AllDetails,
		ZoneDue: map[string]time.Time{"America/Los_Angeles": laDue}}, t0); err != nil {
		t.Fatal(err)
	}
	return c
}

// Two claimers never get the same queued send: those queued at the start
// for their members' time zones, nor those queued again for a retry. On
// PostgreSQL the claim of queued sends relies on FOR UPDATE SKIP LOCKED.
func TestDB_ClaimSends_QueuedTwoClaimers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
		const n = 240
		for i := range n {
			m := campMember(t, db, fmt.Sprintf("fan%03d@example.com", i), "팬", true)
			if i%2 == 0 {
				if _, err := db.SQL().ExecContext(ctx, `UPDATE members SET timezone = 'America/Los_Angeles' WHERE id = $1`, m.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		laDue := t0.Add(16 * time.Hour)
		c := campStartedByZone(t, db, t0, laDue)
		check := func(what string, seen map[int64]int, want int) {
			t.Helper()
			twice := 0
			for _, k := range seen {
				if k > 1 {
					twice++
				}
			}
			if len(seen) != want || twice > 0 {
				t.Errorf("%s: %d sends claimed, %d of them more than once; want %d, each once", what, len(seen), twice, want)
			}
		}
		seen := claimAll(t, []*store.DB{db}, c.ID, t0, 4)
		check("queued for Seoul", seen, n/2)
		sent := store.SendOutcome{CampaignID: c.ID}
		for id := range seen {
			sent.Sent = append(sent.Sent, id)
		}
		if err := db.RecordSends(ctx, sent); err != nil {
			t.Fatal(err)
		}
		seen = claimAll(t, []*store.DB{db}, c.ID, laDue, 4)
		check("queued for Los Angeles", seen, n/2)

		retryAt := laDue.Add(time.Minute)
		out := store.SendOutcome{CampaignID: c.ID}
		for id := range seen {
			out.Retry = append(out.Retry, store.SendRetry{SendID: id, At: retryAt, Error: "451 try again later"})
		}
		if err := db.RecordSends(ctx, out); err != nil {
			t.Fatal(err)
		}
		check("queued for a retry", claimAll(t, []*store.DB{db}, c.ID, retryAt, 4), n/2)
	})
}
