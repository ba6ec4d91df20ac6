package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestDB_Consents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		advance := memFixedClock(db, t0)
		m := memCreate(t, db, "jin72@example.com", "", 0)
		add := func(purpose string, granted bool, source string) {
			t.Helper()
			err := db.InTx(ctx, func(tx *store.Tx) error {
				return tx.AddConsent(ctx, fanmail.Consent{MemberID: m.ID, Purpose: purpose, Channel: fanmail.ChannelOf(purpose),
					Granted: granted, Source: source, IP: "203.0.113.7", Version: fanmail.ConsentWordingVersion})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		add(fanmail.PurposeTerms, true, "web")
		add(fanmail.PurposeMarketingEmail, true, "web")
		advance(time.Hour)
		add(fanmail.PurposeMarketingEmail, false, "portal")

		cur, err := db.CurrentConsents(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]bool{"terms": true, "marketing_email": false}, cur); diff != "" {
			t.Errorf("current consents (-want +got):\n%s", diff)
		}
		hist, err := db.ConsentHistory(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range hist {
			hist[i].ID = 0
		}
		c := func(p string, g bool, src string, at time.Time) fanmail.Consent {
			return fanmail.Consent{MemberID: m.ID, Purpose: p, Channel: fanmail.ChannelOf(p), Granted: g, Source: src,
				IP: "203.0.113.7", Version: fanmail.ConsentWordingVersion, CreatedAt: at}
		}
		want := []fanmail.Consent{
			c("terms", true, "web", t0),
			c("marketing_email", true, "web", t0),
			c("marketing_email", false, "portal", t0.Add(time.Hour)),
		}
		if diff := cmp.Diff(want, hist); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
	})
}
