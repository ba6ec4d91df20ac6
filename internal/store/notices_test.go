package store_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// TestMigration0035_OldDecisionsNoticed runs the statement of 0035 that
// takes advertising decisions older than 14 days as noticed: only those,
// so a database with years of members does not mail them all at once.
func TestMigration0035_OldDecisionsNoticed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		body, err := os.ReadFile("migrations/" + string(db.Engine()) + "/0035_notices.sql")
		if err != nil {
			t.Fatal(err)
		}
		_, rest, _ := strings.Cut(string(body), "INSERT INTO consent_notices")
		stmt, _, _ := strings.Cut(rest, ";")
		m := storetest.MustCreateMember(t, db, "eunji@example.com")
		now := time.Now().UTC()
		for _, at := range []time.Time{now.AddDate(-3, 0, 0), now.Add(-15 * 24 * time.Hour), now.Add(-13 * 24 * time.Hour)} {
			db.Now = func() time.Time { return at }
			err := db.InTx(ctx, func(tx *store.Tx) error {
				for _, p := range []string{fanmail.PurposeMarketingEmail, fanmail.PurposeTerms} {
					if err := tx.AddConsent(ctx, fanmail.Consent{MemberID: m.ID, Purpose: p, Channel: fanmail.ChannelOf(p), Granted: true,
						Source: fanmail.SourceWeb, Version: fanmail.ConsentWordingVersion}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.SQL().ExecContext(ctx, "INSERT INTO consent_notices"+stmt); err != nil {
			t.Fatal(err)
		}
		es, err := db.UnnoticedConsents(ctx, 0, 10)
		if err != nil || len(es) != 1 || es[0].CreatedAt.Sub(now.Add(-13*24*time.Hour)).Abs() > time.Millisecond {
			t.Errorf("unnoticed after the migration: %+v, %v; want the decision of 13 days ago only", es, err)
		}
	})
}
