package tracking_test

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/tracking"
	"github.com/fanmail/fanmail/internal/tracking/trackingtest"
)

var testURLs = tracking.URLs{Base: "https://fan.example.com", Secret: []byte("test-tracking-key")}

func newService(t *testing.T, db *store.DB, opts tracking.Options) *tracking.Service {
	t.Helper()
	opts.URLs = testURLs
	s := tracking.New(db, slog.New(slog.NewTextHandler(t.Output(), nil)), opts)
	t.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return s
}

// sigOf returns the last path segment of a signed URL.
func sigOf(u string) string { return u[strings.LastIndex(u, "/")+1:] }

func openSig(tok string) string { return strings.TrimSuffix(sigOf(testURLs.Open(tok)), ".gif") }

func clickSig(tok string, link int64) string { return sigOf(testURLs.Click(tok, link)) }

func flush(t *testing.T, s *tracking.Service) {
	t.Helper()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestService_OpenClick(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db, tracking.Options{})
		c := trackingtest.Seed(t, db, trackingtest.Options{Members: 2, TrackPeople: true, SentAgo: time.Hour,
			Links: []string{"https://shop.example.com/ozsecond/spring", "https://shop.example.com/brands"}})
		other := trackingtest.Seed(t, db, trackingtest.Options{TrackPeople: true, SentAgo: time.Hour,
			Links: []string{"https://elsewhere.example.com/"}})
		a, b := c.Sends[0], c.Sends[1]

		for range 2 {
			if err := s.Open(ctx, a.Token, openSig(a.Token), false); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Open(ctx, b.Token, openSig(b.Token), false); err != nil {
			t.Fatal(err)
		}
		url, err := s.Click(ctx, a.Token, strconv.FormatInt(c.Links[0], 10), clickSig(a.Token, c.Links[0]), false)
		if err != nil {
			t.Fatal(err)
		}
		if url != "https://shop.example.com/ozsecond/spring" {
			t.Errorf("click URL = %q", url)
		}
		if _, err := s.Click(ctx, a.Token, strconv.FormatInt(c.Links[0], 10), clickSig(a.Token, c.Links[0]), false); err != nil {
			t.Fatal(err)
		}
		flush(t, s)

		want := []store.Event{
			{CampaignID: c.ID, SendID: a.ID, MemberID: a.MemberID, Kind: "open"},
			{CampaignID: c.ID, SendID: a.ID, MemberID: a.MemberID, Kind: "open"},
			{CampaignID: c.ID, SendID: b.ID, MemberID: b.MemberID, Kind: "open"},
			{CampaignID: c.ID, SendID: a.ID, MemberID: a.MemberID, Kind: "click", LinkID: c.Links[0]},
			{CampaignID: c.ID, SendID: a.ID, MemberID: a.MemberID, Kind: "click", LinkID: c.Links[0]},
		}
		if diff := cmp.Diff(want, trackingtest.Events(t, db, c.ID)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}

		st, err := s.Stats(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Sent != 2 || st.Delivered != 2 || st.Opened != 2 || st.Opens != 3 || st.Clicked != 1 || st.Clicks != 2 {
			t.Errorf("stats = %+v", st)
		}
		wantLinks := []store.LinkCount{
			{LinkID: c.Links[0], URL: "https://shop.example.com/ozsecond/spring", Clicks: 2, Unique: 1},
			{LinkID: c.Links[1], URL: "https://shop.example.com/brands"},
		}
		if diff := cmp.Diff(wantLinks, st.Links); diff != "" {
			t.Errorf("links (-want +got):\n%s", diff)
		}
		if len(st.Hours) != 1 || st.Hours[0].Opens != 3 || st.Hours[0].Clicks != 2 ||
			!st.Hours[0].Hour.Equal(db.Now().Truncate(time.Hour)) {
			t.Errorf("hours = %+v (now %v)", st.Hours, db.Now())
		}

		t.Run("ErrForged", func(t *testing.T) {
			cases := []struct {
				name string
				fn   func() error
			}{
				{"open, altered signature", func() error { return s.Open(ctx, a.Token, openSig(b.Token), false) }},
				{"open, signature of a click", func() error { return s.Open(ctx, a.Token, clickSig(a.Token, c.Links[0]), false) }},
				{"click, signature of another link", func() error {
					_, err := s.Click(ctx, a.Token, strconv.FormatInt(c.Links[1], 10), clickSig(a.Token, c.Links[0]), false)
					return err
				}},
				{"click, link of another campaign", func() error {
					_, err := s.Click(ctx, a.Token, strconv.FormatInt(other.Links[0], 10), clickSig(a.Token, other.Links[0]), false)
					return err
				}},
				{"click, link id not a number", func() error {
					_, err := s.Click(ctx, a.Token, "x", sigOf(testURLs.Click(a.Token, 0)), false)
					return err
				}},
			}
			for _, tc := range cases {
				if err := tc.fn(); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
					t.Errorf("%s: err = %v, want ENOTFOUND", tc.name, err)
				}
			}
			flush(t, s)
			if n := len(trackingtest.Events(t, db, c.ID)); n != 5 {
				t.Errorf("%d events after forged requests, want 5", n)
			}
		})
	})
}

// A forged signature is refused before the database is asked: with the
// database closed the answer is still ENOTFOUND, not a database error.
func TestService_ForgedWithoutDatabase(t *testing.T) {
	db := storetest.OpenSQLite(t)
	s := tracking.New(db, slog.New(slog.NewTextHandler(t.Output(), nil)), tracking.Options{URLs: testURLs})
	db.Close()
	ctx := context.Background()
	tok := tracking.NewSendToken()
	if err := s.Open(ctx, tok, "AAAAAAAAAAAAAAAA", false); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
		t.Errorf("open: %v", err)
	}
	if _, err := s.Click(ctx, tok, "1", "AAAAAAAAAAAAAAAA", false); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
		t.Errorf("click: %v", err)
	}
	if _, err := s.Unsubscribe(ctx, tok, "AAAAAAAAAAAAAAAA", ""); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
		t.Errorf("unsubscribe: %v", err)
	}
	// A valid signature does reach the (closed) database.
	if _, err := s.Click(ctx, tok, "1", clickSig(tok, 1), false); err == nil || fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		t.Errorf("click with a valid signature on a closed database: %v", err)
	}
}

func TestService_Bots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		advance := trackingtest.FixedClock(db, time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
		s := newService(t, db, tracking.Options{BotWindow: 10 * time.Second})
		c := trackingtest.Seed(t, db, trackingtest.Options{TrackPeople: true, SentAgo: 2 * time.Second,
			Links: []string{"https://shop.example.com/"}})
		a := c.Sends[0]
		link := strconv.FormatInt(c.Links[0], 10)
		sig := clickSig(a.Token, c.Links[0])

		// A scanner follows the link 2 s after sending, then HEADs the pixel and the link.
		if _, err := s.Click(ctx, a.Token, link, sig, false); err != nil {
			t.Fatal(err)
		}
		if err := s.Open(ctx, a.Token, openSig(a.Token), true); err != nil {
			t.Fatal(err)
		}
		advance(time.Minute)
		if _, err := s.Click(ctx, a.Token, link, sig, true); err != nil {
			t.Fatal(err)
		}
		// The member, a minute later.
		if err := s.Open(ctx, a.Token, openSig(a.Token), false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Click(ctx, a.Token, link, sig, false); err != nil {
			t.Fatal(err)
		}
		flush(t, s)
		var bots []bool
		for _, e := range trackingtest.Events(t, db, c.ID) {
			bots = append(bots, e.IsBot)
		}
		if diff := cmp.Diff([]bool{true, true, true, false, false}, bots); diff != "" {
			t.Errorf("is_bot (-want +got):\n%s", diff)
		}
		st, err := s.Stats(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Opens != 1 || st.Clicks != 1 || st.BotOpens != 1 || st.BotClicks != 2 || st.Links[0].Clicks != 1 || st.Links[0].Flagged != 2 {
			t.Errorf("stats = %+v", st)
		}
	})
}

func TestService_PrivacySwitch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db, tracking.Options{})
		c := trackingtest.Seed(t, db, trackingtest.Options{Members: 2, TrackPeople: false, SentAgo: time.Hour,
			Links: []string{"https://shop.example.com/"}})
		for _, snd := range c.Sends {
			if err := s.Open(ctx, snd.Token, openSig(snd.Token), false); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Click(ctx, c.Sends[0].Token, strconv.FormatInt(c.Links[0], 10), clickSig(c.Sends[0].Token, c.Links[0]), false); err != nil {
			t.Fatal(err)
		}
		flush(t, s)
		want := []store.Event{
			{CampaignID: c.ID, Kind: "open"},
			{CampaignID: c.ID, Kind: "open"},
			{CampaignID: c.ID, Kind: "click", LinkID: c.Links[0]},
		}
		if diff := cmp.Diff(want, trackingtest.Events(t, db, c.ID)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		st, err := s.Stats(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Opened != 2 || st.Opens != 2 || st.Clicked != 1 {
			t.Errorf("stats = %+v", st)
		}
	})
}

func TestService_Unsubscribe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db, tracking.Options{})
		c := trackingtest.Seed(t, db, trackingtest.Options{Name: "오즈세컨 봄 세일", SentAgo: time.Hour, Lang: "en"})
		a := c.Sends[0]
		sig := sigOf(testURLs.Unsubscribe(a.Token))

		u, err := s.UnsubscribeStatus(ctx, a.Token, sig)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tracking.Unsubscription{Lang: "en"}, u); diff != "" {
			t.Errorf("status (-want +got):\n%s", diff)
		}
		if n := trackingtest.Count(t, db, `SELECT COUNT(*) FROM consents WHERE member_id = $1`, a.MemberID); n != 1 {
			t.Errorf("%d consent rows after the status look-up, want 1", n)
		}

		if _, err := s.Unsubscribe(ctx, a.Token, sigOf(testURLs.Unsubscribe(tracking.NewSendToken())), "198.51.100.4"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("forged unsubscribe: %v", err)
		}
		for range 2 { // the second time changes nothing
			u, err = s.Unsubscribe(ctx, a.Token, sig, "198.51.100.4")
			if err != nil {
				t.Fatal(err)
			}
			if !u.Done {
				t.Error("not done")
			}
		}
		hist, err := db.ConsentHistory(ctx, a.MemberID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 {
			t.Fatalf("consent history = %+v, want 2 rows", hist)
		}
		last := hist[1]
		if last.Purpose != fanmail.PurposeMarketingEmail || last.Granted || last.Source != "unsubscribe" || last.IP != "198.51.100.4" || last.Channel != "email" {
			t.Errorf("withdrawal = %+v", last)
		}
		if cur, _ := db.CurrentConsents(ctx, a.MemberID); cur[fanmail.PurposeMarketingEmail] {
			t.Error("marketing consent still granted")
		}
		sup, err := db.SuppressionOf(ctx, a.Email)
		if err != nil {
			t.Fatal(err)
		}
		if sup.Reason != store.SuppressUnsubscribed || sup.Source != "unsubscribe" {
			t.Errorf("suppression = %+v", sup)
		}
		want := []store.Event{{CampaignID: c.ID, SendID: a.ID, MemberID: a.MemberID, Kind: "unsubscribe"}}
		if diff := cmp.Diff(want, trackingtest.Events(t, db, c.ID)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		if u, _ := s.UnsubscribeStatus(ctx, a.Token, sig); !u.Done {
			t.Error("status after unsubscribing is not done")
		}
		st, _ := s.Stats(ctx, c.ID)
		if st.Unsubscribed != 1 {
			t.Errorf("unsubscribed = %d", st.Unsubscribed)
		}
	})
}

func TestService_Bounces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		advance := trackingtest.FixedClock(db, time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
		s := newService(t, db, tracking.Options{})
		c := trackingtest.Seed(t, db, trackingtest.Options{Members: 3, SentAgo: time.Minute})

		t.Run("Hard", func(t *testing.T) {
			a := c.Sends[0]
			res, err := s.ApplyBounce(ctx, tracking.Bounce{Kind: tracking.KindBounceHard, Token: a.Token, Source: "dsn",
				Detail: "5.1.1 failed smtp; 550 5.1.1 <" + a.Email + ">: Recipient address rejected"})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Suppressed || res.CampaignID != c.ID || res.MemberID != a.MemberID {
				t.Errorf("result = %+v", res)
			}
			sup, err := db.SuppressionOf(ctx, a.Email)
			if err != nil || sup.Reason != store.SuppressHardBounce {
				t.Errorf("suppression = %+v, %v", sup, err)
			}
			es := trackingtest.Events(t, db, c.ID)
			if len(es) != 1 || es[0].Kind != "bounce_hard" || es[0].SendID != a.ID {
				t.Fatalf("events = %+v", es)
			}
			if strings.Contains(es[0].Detail, "@") || !strings.Contains(es[0].Detail, "5.1.1") {
				t.Errorf("detail %q keeps the address or loses the status", es[0].Detail)
			}
			res, err = s.ApplyBounce(ctx, tracking.Bounce{Kind: tracking.KindBounceHard, Token: a.Token, Source: "dsn"})
			if err != nil || !res.Duplicate {
				t.Errorf("second bounce: %+v, %v", res, err)
			}
			if h, _ := db.AddressHealthOf(ctx, a.Email); h.HardBounces != 1 {
				t.Errorf("health = %+v", h)
			}
		})

		t.Run("SoftThreshold", func(t *testing.T) {
			// Three campaigns to one member: soft bounces at day 0, 10 and 20.
			email := c.Sends[1].Email
			tokens := []string{c.Sends[1].Token}
			for range 2 {
				tokens = append(tokens, sendTo(t, db, c.Sends[1].MemberID))
			}
			for i, tok := range tokens {
				res, err := s.ApplyBounce(ctx, tracking.Bounce{Kind: tracking.KindBounceSoft, Token: tok, Source: "dsn", Detail: "4.2.2 mailbox full"})
				if err != nil {
					t.Fatal(err)
				}
				if res.Suppressed != (i == 2) {
					t.Errorf("after soft bounce %d suppressed = %v", i+1, res.Suppressed)
				}
				// The same send bouncing again (delayed, then failed) counts once.
				if _, err := s.ApplyBounce(ctx, tracking.Bounce{Kind: tracking.KindBounceSoft, Token: tok, Source: "dsn"}); err != nil {
					t.Fatal(err)
				}
				advance(10 * 24 * time.Hour)
			}
			if sup, err := db.SuppressionOf(ctx, email); err != nil || sup.Reason != store.SuppressSoftBounces {
				t.Errorf("suppression = %+v, %v", sup, err)
			}
		})

		t.Run("SoftSpreadOut", func(t *testing.T) {
			// Soft bounces 20 days apart never reach 3 within 30 days.
			m := c.Sends[2]
			tokens := []string{m.Token, sendTo(t, db, m.MemberID), sendTo(t, db, m.MemberID), sendTo(t, db, m.MemberID)}
			for _, tok := range tokens {
				res, err := s.ApplyBounce(ctx, tracking.Bounce{Kind: tracking.KindBounceSoft, Token: tok, Source: "dsn"})
				if err != nil {
					t.Fatal(err)
				}
				if res.Suppressed {
					t.Fatal("suppressed after soft bounces spread over months")
				}
				advance(20 * 24 * time.Hour)
			}
			if h, _ := db.AddressHealthOf(ctx, m.Email); h.SoftBounces != 4 {
				t.Errorf("health = %+v", h)
			}
		})

		t.Run("Complaint", func(t *testing.T) {
			d := trackingtest.Seed(t, db, trackingtest.Options{SentAgo: time.Hour})
			res, err := s.ApplyBounce(ctx, tracking.Bounce{Kind: tracking.KindComplaint, Token: d.Sends[0].Token, Source: "arf"})
			if err != nil || !res.Suppressed {
				t.Fatalf("%+v, %v", res, err)
			}
			if sup, _ := db.SuppressionOf(ctx, d.Sends[0].Email); sup.Reason != store.SuppressComplaint {
				t.Errorf("suppression = %+v", sup)
			}
			st, _ := s.Stats(ctx, d.ID)
			if st.Complained != 1 || st.Delivered != 1 {
				t.Errorf("stats = %+v", st)
			}
		})

		t.Run("AfterRefusalWhileSending", func(t *testing.T) {
			// The sender noted a 5xx as bounce_hard; a DSN for the same send
			// is a duplicate but the address still ends up suppressed.
			d := trackingtest.Seed(t, db, trackingtest.Options{SentAgo: time.Hour})
			snd := d.Sends[0]
			if _, err := db.SQL().ExecContext(ctx, `INSERT INTO events (campaign_id, send_id, member_id, kind, detail, created_at)
				VALUES ($1, $2, $3, 'bounce_hard', '550 5.1.1', $4)`, d.ID, snd.ID, snd.MemberID, db.Now()); err != nil {
				t.Fatal(err)
			}
			res, err := s.ApplyBounce(ctx, tracking.Bounce{Kind: tracking.KindBounceHard, Token: snd.Token, Source: "dsn"})
			if err != nil || !res.Duplicate || !res.Suppressed {
				t.Fatalf("%+v, %v", res, err)
			}
			if ok, _ := db.IsSuppressed(ctx, snd.Email); !ok {
				t.Error("not suppressed")
			}
		})

		t.Run("ErrUnknownSend", func(t *testing.T) {
			_, err := s.ApplyBounce(ctx, tracking.Bounce{Kind: tracking.KindBounceHard, Token: tracking.NewSendToken(), Source: "dsn"})
			if fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("err = %v", err)
			}
			_, err = s.ApplyBounce(ctx, tracking.Bounce{Kind: "bounce_weird", Token: c.Sends[0].Token})
			if fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Errorf("err = %v", err)
			}
		})

		st, err := s.Stats(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.BouncedHard != 1 || st.BouncedSoft != 2 || st.Delivered != 0 || st.Sent != 3 {
			t.Errorf("stats = %+v", st)
		}
	})
}

// sendTo adds another sent campaign to the member and returns its token.
func sendTo(t *testing.T, db *store.DB, memberID int64) string {
	t.Helper()
	ctx := context.Background()
	var cid int64
	if err := db.SQL().QueryRowContext(ctx, `INSERT INTO campaigns (name, created_at, updated_at) VALUES ('후속 안내', $1, $1) RETURNING id`,
		db.Now()).Scan(&cid); err != nil {
		t.Fatal(err)
	}
	tok := tracking.NewSendToken()
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO sends (id, campaign_id, member_id, state, token, sent_at) VALUES ($1 * 4294967296 + $2, $1, $2, 'sent', $3, $4)`,
		cid, memberID, tok, db.Now()); err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestService_Webhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db, tracking.Options{})
		c := trackingtest.Seed(t, db, trackingtest.Options{Members: 3, SentAgo: time.Hour})
		body := `{"events":[
			{"type":"bounce","bounce_type":"hard","token":"` + c.Sends[0].Token + `","detail":"5.1.1 user unknown"},
			{"type":"complaint","email":"` + strings.ToUpper(c.Sends[1].Email) + `"},
			{"type":"bounce","bounce_type":"soft","token":"` + c.Sends[2].Token + `"},
			{"type":"bounce","token":"` + tracking.NewSendToken() + `"},
			{"type":"bounce","bounce_type":"soft","token":"` + tracking.NewSendToken() + `","email":"` + c.Sends[2].Email + `"},
			{"type":"delivery","token":"` + c.Sends[2].Token + `"},
			{"type":"bounce","bounce_type":"hard","token":"` + c.Sends[0].Token + `"}
		]}`
		res, err := s.ApplyWebhook(ctx, "ses", []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tracking.WebhookResult{Applied: 4, Duplicate: 1, Unknown: 1, Invalid: 1}, res); diff != "" {
			t.Errorf("result (-want +got):\n%s", diff)
		}
		for i, want := range []bool{true, true, false} {
			if got, _ := db.IsSuppressed(ctx, c.Sends[i].Email); got != want {
				t.Errorf("send %d suppressed = %v, want %v", i, got, want)
			}
		}
		if sup, _ := db.SuppressionOf(ctx, c.Sends[0].Email); sup.Source != "webhook:ses" {
			t.Errorf("source = %q", sup.Source)
		}
		if h, _ := db.AddressHealthOf(ctx, c.Sends[2].Email); h.SoftBounces != 2 {
			t.Errorf("soft bounces by token and by address = %d, want 2", h.SoftBounces)
		}
		if _, err := s.ApplyWebhook(ctx, "ses", []byte(`{"events":`)); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("bad JSON: %v", err)
		}
	})
}

func TestWebhookSignature(t *testing.T) {
	secret := []byte("shared-secret")
	body := []byte(`{"events":[]}`)
	sig := tracking.SignWebhook(secret, body)
	if !tracking.VerifyWebhook(secret, body, sig) {
		t.Error("own signature refused")
	}
	for _, bad := range []string{"", "sha256=", "sha256=00", tracking.SignWebhook([]byte("other"), body), tracking.SignWebhook(secret, []byte(`{"events":[1]}`))} {
		if tracking.VerifyWebhook(secret, body, bad) {
			t.Errorf("signature %q accepted", bad)
		}
	}
	if tracking.VerifyWebhook(nil, body, tracking.SignWebhook(nil, body)) {
		t.Error("empty secret verified a signature")
	}
}

func TestService_Writer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := tracking.New(db, slog.New(slog.NewTextHandler(t.Output(), nil)), tracking.Options{URLs: testURLs,
			Writer: tracking.WriterOptions{BatchSize: 7, Buffer: 16, Interval: time.Hour}})
		c := trackingtest.Seed(t, db, trackingtest.Options{Members: 5, TrackPeople: true, SentAgo: time.Hour})
		const per = 41
		done := make(chan error, len(c.Sends))
		for _, snd := range c.Sends {
			go func() {
				for range per {
					if err := s.Open(ctx, snd.Token, openSig(snd.Token), false); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
		}
		for range c.Sends {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(ctx); err != nil {
			t.Fatal(err)
		}
		want := len(c.Sends) * per
		if n := trackingtest.Count(t, db, `SELECT COUNT(*) FROM events WHERE campaign_id = $1 AND kind = 'open'`, c.ID); n != want {
			t.Errorf("%d events stored, want %d", n, want)
		}
		counts := s.WriterCounts()
		if counts.Recorded != int64(want) || counts.Stored != int64(want) || counts.Dropped != 0 || counts.Batches < int64(want/7) {
			t.Errorf("counts = %+v", counts)
		}
		if err := s.Open(ctx, c.Sends[0].Token, openSig(c.Sends[0].Token), false); fanmail.ErrorCode(err) != fanmail.EUNAVAILABLE {
			t.Errorf("open after close: %v", err)
		}
	})
}

// An open with a valid signature for a send that no longer exists answers
// like any other (no query is made) and is skipped when the batch is stored.
func TestService_OpenDeletedSend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db, tracking.Options{})
		c := trackingtest.Seed(t, db, trackingtest.Options{TrackPeople: true, SentAgo: time.Hour})
		gone := tracking.NewSendToken()
		for _, tok := range []string{gone, c.Sends[0].Token} {
			if err := s.Open(ctx, tok, openSig(tok), false); err != nil {
				t.Fatal(err)
			}
		}
		flush(t, s)
		if n := trackingtest.Count(t, db, `SELECT COUNT(*) FROM events`); n != 1 {
			t.Errorf("%d events, want 1", n)
		}
		if c := s.WriterCounts(); c.Recorded != 2 || c.Stored != 1 || c.Skipped != 1 || c.Dropped != 0 {
			t.Errorf("counts = %+v", c)
		}
	})
}
