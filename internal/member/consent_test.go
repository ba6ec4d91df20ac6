package member_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestService_SetConsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		r := e.minji(t)
		r.Consents = grantAll(fanmail.PurposeTerms, fanmail.PurposePrivacy, fanmail.PurposeMarketingEmail, fanmail.PurposeMarketingSMS, fanmail.PurposeNightSMS)
		m, err := e.svc.Register(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		t0 := e.now
		e.advance(time.Hour)

		// Withdrawing SMS marketing withdraws night-time SMS too, at once.
		if err := e.svc.SetConsent(ctx, m.ID, fanmail.PurposeMarketingSMS, false, fanmail.SourcePortal, "198.51.100.9"); err != nil {
			t.Fatal(err)
		}
		cur, _ := e.svc.CurrentConsents(ctx, m.ID)
		want := map[string]bool{"terms": true, "privacy": true, "marketing_email": true, "marketing_sms": false, "night_sms": false}
		if diff := cmp.Diff(want, cur); diff != "" {
			t.Errorf("current consents (-want +got):\n%s", diff)
		}
		hist, _ := e.svc.Consents(ctx, m.ID)
		if len(hist) != len(fanmail.Purposes)+2 {
			t.Fatalf("%d history rows, want %d", len(hist), len(fanmail.Purposes)+2)
		}
		if hist[0].CreatedAt != t0 || hist[0].Source != "web" {
			t.Errorf("first row = %+v", hist[0])
		}
		last := hist[len(hist)-2:]
		for i, p := range []string{"marketing_sms", "night_sms"} {
			wantRow := fanmail.Consent{ID: last[i].ID, MemberID: m.ID, Purpose: p, Channel: "sms", Granted: false, Source: "portal",
				IP: "198.51.100.9", Version: fanmail.ConsentWordingVersion, CreatedAt: t0.Add(time.Hour)}
			if diff := cmp.Diff(wantRow, last[i]); diff != "" {
				t.Errorf("withdrawal row %d (-want +got):\n%s", i, diff)
			}
		}

		refused := []struct {
			purpose string
			granted bool
			source  string
		}{
			{fanmail.PurposeNightSMS, true, fanmail.SourcePortal}, // SMS marketing is withdrawn
			{fanmail.PurposeTerms, false, fanmail.SourcePortal},
			{fanmail.PurposePrivacy, false, fanmail.SourcePortal},
			{"telepathy", true, fanmail.SourcePortal},
			{fanmail.PurposeMarketingEmail, false, "carrier-pigeon"},
		}
		for _, c := range refused {
			if err := e.svc.SetConsent(ctx, m.ID, c.purpose, c.granted, c.source, ""); fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Errorf("SetConsent(%s, %v, %s) = %v, want EINVALID", c.purpose, c.granted, c.source, err)
			}
		}
		if n, _ := e.svc.Consents(ctx, m.ID); len(n) != len(hist) {
			t.Errorf("refused changes were recorded: %d rows", len(n))
		}
		if err := e.svc.SetConsent(ctx, 4242, fanmail.PurposeMarketingEmail, false, fanmail.SourcePortal, ""); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("missing member: %v, want ENOTFOUND", err)
		}
		// Granting again works and is recorded.
		if err := e.svc.SetConsent(ctx, m.ID, fanmail.PurposeMarketingSMS, true, fanmail.SourceShop, ""); err != nil {
			t.Fatal(err)
		}
		if cur, _ := e.svc.CurrentConsents(ctx, m.ID); !cur["marketing_sms"] || cur["night_sms"] {
			t.Errorf("after re-granting SMS: %v", cur)
		}
	})
}

// Granting e-mail marketing again lifts an earlier unsubscribe, but never a
// hard-bounce suppression.
func TestService_SetConsent_LiftsUnsubscribe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		r := e.minji(t)
		m, err := e.svc.Register(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Suppress(ctx, m.Email, store.SuppressUnsubscribed, "test"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SetConsent(ctx, m.ID, fanmail.PurposeMarketingEmail, true, fanmail.SourcePortal, ""); err != nil {
			t.Fatal(err)
		}
		if s, _ := db.IsSuppressed(ctx, m.Email); s {
			t.Error("still suppressed after granting e-mail marketing again")
		}
		if err := db.Suppress(ctx, m.Email, store.SuppressHardBounce, "test"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SetConsent(ctx, m.ID, fanmail.PurposeMarketingEmail, true, fanmail.SourcePortal, ""); err != nil {
			t.Fatal(err)
		}
		if s, _ := db.IsSuppressed(ctx, m.Email); !s {
			t.Error("a hard-bounce suppression was lifted by a consent")
		}
	})
}
