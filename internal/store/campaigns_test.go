package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// campMember creates an active member with or without marketing consent.
func campMember(t *testing.T, db *store.DB, email, name string, consent bool) fanmail.Member {
	t.Helper()
	ctx := context.Background()
	var m fanmail.Member
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		m, err = tx.CreateMember(ctx, fanmail.Member{Email: email, Name: name, Lang: "ko", Status: fanmail.MemberActive, Source: "admin"})
		if err != nil {
			return err
		}
		return tx.AddConsent(ctx, fanmail.Consent{MemberID: m.ID, Purpose: fanmail.PurposeMarketingEmail, Channel: "email",
			Granted: consent, Source: "admin", Version: fanmail.ConsentWordingVersion})
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func campSender(t *testing.T, db *store.DB) fanmail.Sender {
	t.Helper()
	s, err := db.CreateSender(context.Background(), fanmail.Sender{Name: "오즈세컨 강남점", FromName: "오즈세컨",
		FromEmail: "news@ozsecond.example", Kind: fanmail.SenderShop, Address: "서울특별시 강남구 테헤란로 123", Phone: "02-1234-5678"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// campAudience is every member who consents to marketing mail.
var campAudience = store.Audience{Marketing: true, Details: store.AllDetails}

// campStarted creates a campaign and starts it for every consenting member.
func campStarted(t *testing.T, db *store.DB, due time.Time) (fanmail.Campaign, int64) {
	t.Helper()
	ctx := context.Background()
	snd := campSender(t, db)
	c, err := db.CreateCampaign(ctx, fanmail.Campaign{Name: "봄 신상품", Kind: fanmail.CampaignMarketing, IsAd: true,
		SenderID: snd.ID, Subject: "봄 신상품", Body: "안녕하세요", Timezone: "Asia/Seoul", TrackPeople: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.MoveCampaign(ctx, c.ID, fanmail.CampaignScheduled, &due, fanmail.CampaignDraft); err != nil {
		t.Fatal(err)
	}
	c, n, err := db.StartCampaign(ctx, c.ID, campAudience, due)
	if err != nil {
		t.Fatal(err)
	}
	return c, n
}

func TestDB_Senders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := campSender(t, db)
		s.Phone = "02-9876-5432"
		got, err := db.UpdateSender(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if got.Phone != "02-9876-5432" || got.Name != "오즈세컨 강남점" {
			t.Errorf("updated sender = %+v", got)
		}
		all, err := db.Senders(ctx)
		if err != nil || len(all) != 1 {
			t.Fatalf("senders = %v, %v", all, err)
		}
		if _, err := db.CreateCampaign(ctx, fanmail.Campaign{Name: "x", Kind: "marketing", SenderID: s.ID, Timezone: "Asia/Seoul"}); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteSender(ctx, s.ID); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("deleting a used sender: %v, want ECONFLICT", err)
		}
		if err := db.DeleteSender(ctx, s.ID+100); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("deleting a missing sender: %v, want ENOTFOUND", err)
		}
	})
}

func TestDB_CampaignLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		snd := campSender(t, db)
		c, err := db.CreateCampaign(ctx, fanmail.Campaign{Name: "봄 신상품", Kind: "marketing", IsAd: true, SenderID: snd.ID,
			Subject: "{{.Member.Name}}님께", Body: "본문", Timezone: "Asia/Seoul", MemberTZ: true, TrackPeople: true})
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != fanmail.CampaignDraft || c.SenderID != snd.ID || !c.IsAd || !c.MemberTZ {
			t.Errorf("created = %+v", c)
		}
		c.Subject = "바뀐 제목"
		if c, err = db.UpdateCampaign(ctx, c); err != nil || c.Subject != "바뀐 제목" {
			t.Fatalf("update: %+v %v", c, err)
		}
		at := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
		c, err = db.MoveCampaign(ctx, c.ID, fanmail.CampaignScheduled, &at, fanmail.CampaignDraft)
		if err != nil || c.SendAt == nil || !c.SendAt.Equal(at) {
			t.Fatalf("schedule: %+v %v", c, err)
		}
		if _, err := db.UpdateCampaign(ctx, c); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("update of a scheduled campaign: %v, want ECONFLICT", err)
		}
		if _, err := db.MoveCampaign(ctx, c.ID, fanmail.CampaignPaused, nil, fanmail.CampaignSending); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("pausing a scheduled campaign: %v, want ECONFLICT", err)
		}
		due, err := db.DueCampaigns(ctx, at)
		if err != nil || len(due) != 1 {
			t.Fatalf("due at send time = %v, %v", due, err)
		}
		if due, _ := db.DueCampaigns(ctx, at.Add(-time.Second)); len(due) != 0 {
			t.Errorf("due before send time = %v", due)
		}
		c, err = db.CancelCampaign(ctx, c.ID)
		if err != nil || c.Status != fanmail.CampaignCancelled || c.FinishedAt == nil {
			t.Fatalf("cancel: %+v %v", c, err)
		}
		if _, err := db.MoveCampaign(ctx, 999, fanmail.CampaignPaused, nil, fanmail.CampaignSending); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("missing campaign: %v, want ENOTFOUND", err)
		}
	})
}

// campClaimed starts a campaign at t0 to n new consenting members and claims
// all their sends, locked until lock.
func campClaimed(t *testing.T, db *store.DB, n int, t0, lock time.Time) (fanmail.Campaign, []store.Claim) {
	t.Helper()
	for i := range n {
		campMember(t, db, fmt.Sprintf("fan%d@example.com", i), "팬", true)
	}
	c, _ := campStarted(t, db, t0)
	claims, err := db.ClaimSends(context.Background(), c.ID, n, t0, lock, campAudience)
	if err != nil || len(claims) != n {
		t.Fatalf("claim = %d, %v; want %d", len(claims), err, n)
	}
	return c, claims
}

func TestDB_StartCampaign(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return t0 }
		yes := campMember(t, db, "minji@example.com", "김민지", true)
		campMember(t, db, "no@example.com", "동의안함", false)
		suppressed := campMember(t, db, "gone@example.com", "수신거부", true)
		if err := db.Suppress(ctx, suppressed.Email, "unsubscribed", "test"); err != nil {
			t.Fatal(err)
		}
		inactive := campMember(t, db, "old@example.com", "휴면", true)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			st := fanmail.MemberInactive
			_, err := tx.UpdateMember(ctx, inactive.ID, fanmail.MemberUpdate{Status: &st})
			return err
		}); err != nil {
			t.Fatal(err)
		}

		c, n := campStarted(t, db, t0)
		if n != 1 || c.Status != fanmail.CampaignSending || c.StartedAt == nil {
			t.Fatalf("started %+v with an audience of %d, want 1", c, n)
		}
		if counts, _ := db.CampaignSendCounts(ctx, c.ID); counts.Total != 1 || counts.Queued != 1 {
			t.Errorf("counts before the first claim = %+v", counts)
		}
		claims, err := db.ClaimSends(ctx, c.ID, 10, t0, t0.Add(time.Minute), campAudience)
		if err != nil {
			t.Fatal(err)
		}
		if len(claims) != 1 || claims[0].MemberID != yes.ID || claims[0].Name != "김민지" || !claims[0].Consent ||
			claims[0].Suppressed || claims[0].Attempts != 1 || len(claims[0].Token) < 26 {
			t.Fatalf("claims = %+v", claims)
		}
		// A second start does nothing.
		if _, _, err := db.StartCampaign(ctx, c.ID, campAudience, t0); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("second start: %v, want ECONFLICT", err)
		}
	})
}

func TestDB_StartCampaign_ZoneDue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
		seoul := campMember(t, db, "seoul@example.com", "서울", true)
		la := campMember(t, db, "la@example.com", "엘에이", true)
		if _, err := db.SQL().ExecContext(ctx, `UPDATE members SET timezone = 'America/Los_Angeles' WHERE id = $1`, la.ID); err != nil {
			t.Fatal(err)
		}
		zones, err := db.MemberTimezones(ctx)
		if err != nil || !cmp.Equal(zones, []string{"America/Los_Angeles"}) {
			t.Fatalf("zones = %v, %v", zones, err)
		}
		laDue := t0.Add(16 * time.Hour)
		c := campStartedByZone(t, db, t0, laDue)
		claims, err := db.ClaimSends(ctx, c.ID, 10, t0, t0.Add(time.Minute), campAudience)
		if err != nil || len(claims) != 1 || claims[0].MemberID != seoul.ID {
			t.Fatalf("claims at t0 = %+v, %v", claims, err)
		}
		if err := db.RecordSends(ctx, store.SendOutcome{CampaignID: c.ID, Sent: []int64{claims[0].SendID}}); err != nil {
			t.Fatal(err)
		}
		if early, _ := db.ClaimSends(ctx, c.ID, 10, laDue.Add(-time.Second), laDue, campAudience); len(early) != 0 {
			t.Fatalf("claimed %+v before LA time", early)
		}
		claims, err = db.ClaimSends(ctx, c.ID, 10, laDue, laDue.Add(time.Minute), campAudience)
		if err != nil || len(claims) != 1 || claims[0].MemberID != la.ID {
			t.Fatalf("claims at LA time = %+v, %v", claims, err)
		}
	})
}

func TestDB_ClaimAndRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return t0 }
		for i := range 6 {
			campMember(t, db, fmt.Sprintf("fan%d@example.com", i), fmt.Sprintf("팬%d", i), true)
		}
		c, _ := campStarted(t, db, t0)
		lock := t0.Add(time.Minute)
		first, err := db.ClaimSends(ctx, c.ID, 4, t0, lock, campAudience)
		if err != nil || len(first) != 4 {
			t.Fatalf("first claim = %d, %v", len(first), err)
		}
		second, err := db.ClaimSends(ctx, c.ID, 4, t0, lock, campAudience)
		if err != nil || len(second) != 2 {
			t.Fatalf("second claim = %d, %v", len(second), err)
		}
		if more, _ := db.ClaimSends(ctx, c.ID, 4, t0, lock, campAudience); len(more) != 0 {
			t.Fatalf("claimed %d while all are locked", len(more))
		}
		err = db.RecordSends(ctx, store.SendOutcome{
			CampaignID: c.ID,
			Sent:       []int64{first[0].SendID},
			Skipped:    map[string][]int64{fanmail.SkipNoConsent: {first[1].SendID}},
			Retry:      []store.SendRetry{{SendID: first[2].SendID, At: t0.Add(time.Hour), Error: "smtp: 451 try later"}},
			Failed:     []store.SendFailure{{SendID: first[3].SendID, MemberID: first[3].MemberID, Error: "smtp: 550 no such user", Bounce: true}},
			Released:   []int64{second[0].SendID},
		})
		if err != nil {
			t.Fatal(err)
		}
		counts, err := db.CampaignSendCounts(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := fanmail.SendCounts{Total: 6, Queued: 2, Sending: 1, Sent: 1, Failed: 1, Skipped: 1}
		if diff := cmp.Diff(want, counts); diff != "" {
			t.Errorf("counts (-want +got):\n%s", diff)
		}
		var state string
		var sentAt sql.NullTime
		db.SQL().QueryRowContext(ctx, `SELECT state, sent_at FROM sends WHERE id = $1`, first[0].SendID).Scan(&state, &sentAt)
		if state != "sent" || !sentAt.Valid {
			t.Errorf("sent row: state %q, sent_at %v", state, sentAt)
		}
		var bounces int
		db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE kind = 'bounce_hard' AND send_id = $1`, first[3].SendID).Scan(&bounces)
		if bounces != 1 {
			t.Errorf("bounce events = %d, want 1", bounces)
		}
		// The released send is due again at once, the retried one at its time,
		// and the stuck one (second[1]) once its lock has expired.
		again, _ := db.ClaimSends(ctx, c.ID, 10, t0, lock, campAudience)
		if len(again) != 1 || again[0].SendID != second[0].SendID || again[0].Attempts != 1 {
			t.Fatalf("claim after release = %+v", again)
		}
		later, _ := db.ClaimSends(ctx, c.ID, 10, t0.Add(2*time.Hour), t0.Add(3*time.Hour), campAudience)
		var ids []int64
		for _, cl := range later {
			ids = append(ids, cl.SendID)
		}
		if diff := cmp.Diff([]int64{first[2].SendID, second[0].SendID, second[1].SendID}, ids, cmpSorted); diff != "" {
			t.Errorf("claims after the locks expired (-want +got):\n%s", diff)
		}
		if done, _ := db.FinishCampaign(ctx, c.ID); done {
			t.Error("finished with sends in flight")
		}
		db.RecordSends(ctx, store.SendOutcome{CampaignID: c.ID, Sent: ids})
		if done, err := db.FinishCampaign(ctx, c.ID); !done || err != nil {
			t.Errorf("finish = %v, %v", done, err)
		}
	})
}

// A worker that dies after claiming leaves its sends in flight until the
// lock expires; then they are claimed again, counted once however late the
// first worker records them. A batch recorded long after its claim gets the
// time it went out.
func TestDB_ClaimExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
		now := t0
		db.Now = func() time.Time { return now }
		for i := range 5 {
			campMember(t, db, fmt.Sprintf("fan%d@example.com", i), "팬", true)
		}
		c, _ := campStarted(t, db, t0)
		lock := t0.Add(time.Minute)
		dead, err := db.ClaimSends(ctx, c.ID, 3, t0, lock, campAudience)
		if err != nil || len(dead) != 3 {
			t.Fatalf("claim = %d, %v", len(dead), err)
		}
		slow, err := db.ClaimSends(ctx, c.ID, 3, t0, lock, campAudience)
		if err != nil || len(slow) != 2 {
			t.Fatalf("claim = %d, %v", len(slow), err)
		}
		counts, _ := db.CampaignSendCounts(ctx, c.ID)
		if want := (fanmail.SendCounts{Total: 5, Sending: 5}); counts != want {
			t.Errorf("counts in flight = %+v, want %+v", counts, want)
		}
		if more, _ := db.ClaimSends(ctx, c.ID, 10, lock.Add(-time.Second), lock, campAudience); len(more) != 0 {
			t.Fatalf("claimed %d before the locks expired", len(more))
		}
		if done, _ := db.FinishCampaign(ctx, c.ID); done {
			t.Fatal("finished with sends in flight")
		}

		// Both locks expire: every send is claimed again, a second attempt.
		later := lock.Add(time.Second)
		again, err := db.ClaimSends(ctx, c.ID, 10, later, later.Add(time.Minute), campAudience)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, cl := range again {
			ids = append(ids, cl.SendID)
			if cl.Attempts != 2 {
				t.Errorf("send %d claimed again at attempt %d, want 2", cl.SendID, cl.Attempts)
			}
		}
		all := []int64{dead[0].SendID, dead[1].SendID, dead[2].SendID, slow[0].SendID, slow[1].SendID}
		if diff := cmp.Diff(all, ids, cmpSorted); diff != "" {
			t.Fatalf("claimed again (-want +got):\n%s", diff)
		}
		// The slow worker records after all: its mail counts once, and the
		// second claim's outcome for the same sends changes nothing.
		now = later.Add(time.Second)
		if err := db.RecordSends(ctx, store.SendOutcome{CampaignID: c.ID, Sent: []int64{slow[0].SendID, slow[1].SendID}}); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordSends(ctx, store.SendOutcome{CampaignID: c.ID, Sent: ids}); err != nil {
			t.Fatal(err)
		}
		counts, _ = db.CampaignSendCounts(ctx, c.ID)
		if want := (fanmail.SendCounts{Total: 5, Sent: 5}); counts != want {
			t.Errorf("counts = %+v, want %+v", counts, want)
		}
		var sentAt time.Time
		if err := db.SQL().QueryRowContext(ctx, `SELECT sent_at FROM sends WHERE id = $1`, slow[0].SendID).Scan(&sentAt); err != nil || !sentAt.Equal(now) {
			t.Errorf("sent_at = %v, %v; want %v", sentAt, err, now)
		}
		if done, err := db.FinishCampaign(ctx, c.ID); !done || err != nil {
			t.Errorf("finish = %v, %v", done, err)
		}
	})
}

// A batch recorded well after its claim says when its mail went out, not
// when it was claimed; skipped and released sends of it say they were not sent.
func TestDB_RecordSlowBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
		now := t0
		db.Now = func() time.Time { return now }
		c, claims := campClaimed(t, db, 3, t0, t0.Add(time.Hour))
		now = t0.Add(30 * time.Second)
		if err := db.RecordSends(ctx, store.SendOutcome{CampaignID: c.ID, Sent: []int64{claims[0].SendID},
			Skipped: map[string][]int64{fanmail.SkipNoConsent: {claims[1].SendID}}, Released: []int64{claims[2].SendID}}); err != nil {
			t.Fatal(err)
		}
		want := map[int64]string{claims[0].SendID: "sent " + now.Format(time.RFC3339), claims[1].SendID: "skipped never",
			claims[2].SendID: "queued never"}
		for id, w := range want {
			var state string
			var sentAt sql.NullTime
			db.SQL().QueryRowContext(ctx, `SELECT state, sent_at FROM sends WHERE id = $1`, id).Scan(&state, &sentAt)
			got := state + " never"
			if sentAt.Valid {
				got = state + " " + sentAt.Time.UTC().Format(time.RFC3339)
			}
			if got != w {
				t.Errorf("send %d: %s, want %s", id, got, w)
			}
		}
		counts, _ := db.CampaignSendCounts(ctx, c.ID)
		if want := (fanmail.SendCounts{Total: 3, Sent: 1, Skipped: 1, Queued: 1}); counts != want {
			t.Errorf("counts = %+v, want %+v", counts, want)
		}
	})
}

var cmpSorted = cmp.Transformer("sort", func(in []int64) []int64 {
	out := append([]int64(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

// Two handles on one PostgreSQL claiming at once never get the same send.
func TestDB_ClaimSends_Concurrent(t *testing.T) {
	url := storetest.PostgresURL(t)
	schema := storetest.NewSchema(t, url)
	var dbs []*store.DB
	for range 2 {
		db, err := storetest.OpenPostgresSchema(url, schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	ctx := context.Background()
	if err := dbs[0].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().UTC()
	for i := range 300 {
		campMember(t, dbs[0], fmt.Sprintf("fan%d@example.com", i), "팬", true)
	}
	c, _ := campStarted(t, dbs[0], t0)
	seen := claimAll(t, dbs, c.ID, t0, 6)
	if len(seen) != 300 {
		t.Errorf("claimed %d distinct sends, want 300", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("send %d claimed %d times", id, n)
		}
	}
}

func TestDB_CampaignLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, err := db.CreateCampaign(ctx, fanmail.Campaign{Name: "l", Kind: "marketing", Timezone: "Asia/Seoul"})
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.CampaignLinks(ctx, c.ID, []string{"https://a.example/", "https://b.example/?x=1&y=2", "https://a.example/"})
		if err != nil || len(a) != 2 {
			t.Fatalf("links = %v, %v", a, err)
		}
		b, err := db.CampaignLinks(ctx, c.ID, []string{"https://b.example/?x=1&y=2"})
		if err != nil || b["https://b.example/?x=1&y=2"] != a["https://b.example/?x=1&y=2"] {
			t.Errorf("second call = %v, %v; want the same id", b, err)
		}
	})
}
