package app

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// "fanmail campaign status" shows what went wrong with the campaign's relay.
func TestCLI_CampaignStatusShowsRelayErrors(t *testing.T) {
	urls := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "fanmail.db") },
		"postgres": func(t *testing.T) string {
			pg := storetest.PostgresURL(t)
			return pg + "&search_path=" + storetest.NewSchema(t, pg)
		},
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dbURL := urls[engine](t)
			db, err := store.Open(ctx, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			// A campaign started as the engine starts it, whose relay then
			// refused the login twice.
			snd, err := db.CreateSender(ctx, fanmail.Sender{Name: "오즈세컨", FromEmail: "news@ozsecond.example", Kind: fanmail.SenderBrand})
			if err != nil {
				t.Fatal(err)
			}
			c, err := db.CreateCampaign(ctx, fanmail.Campaign{Name: "봄 신상품", SenderID: snd.ID, Kind: fanmail.CampaignTransactional})
			if err != nil {
				t.Fatal(err)
			}
			now := db.Now()
			if _, err := db.MoveCampaign(ctx, c.ID, fanmail.CampaignScheduled, &now, fanmail.CampaignDraft); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.StartCampaign(ctx, c.ID, store.Audience{}, now); err != nil {
				t.Fatal(err)
			}
			if err := db.RecordSends(ctx, store.SendOutcome{CampaignID: c.ID, RelayErrors: 2,
				RelayError: "relay smtp.example.com: smtp connect: smtp: 535 5.7.8 Authentication failed"}); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			env := map[string]string{"FANMAIL_DATABASE_URL": dbURL}
			if code := Main(ctx, []string{"campaign", "status", strconv.FormatInt(c.ID, 10)}, func(k string) string { return env[k] },
				&out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			if !strings.Contains(out.String(), "relay errors 2, the last at ") || !strings.Contains(out.String(), "535 5.7.8 Authentication failed") {
				t.Errorf("output:\n%s", out.String())
			}
		})
	}
}
