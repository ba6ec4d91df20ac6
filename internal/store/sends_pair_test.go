package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// A claim's sends are stored under the ids it returns, and a member's send
// of a campaign cannot be stored twice, whatever id a second one takes: on
// PostgreSQL the primary key and the check sends_pair_id keep the pair
// unique (migration 0041), on SQLite its unique index.
func TestDB_Sends_OnePerPair(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
		c, claims := campClaimed(t, db, 3, t0, t0.Add(time.Hour))
		for _, cl := range claims {
			var campaignID, memberID int64
			if err := db.SQL().QueryRowContext(ctx, `SELECT campaign_id, member_id FROM sends WHERE id = $1`, cl.SendID).
				Scan(&campaignID, &memberID); err != nil {
				t.Fatalf("send %d of the claim: %v", cl.SendID, err)
			}
			if campaignID != c.ID || memberID != cl.MemberID {
				t.Errorf("send %d is of campaign %d, member %d; want %d, %d", cl.SendID, campaignID, memberID, c.ID, cl.MemberID)
			}
		}
		m := claims[1].MemberID
		for name, q := range map[string]string{
			"pair id":    `INSERT INTO sends (id, campaign_id, member_id, state, token) VALUES ($1 * 4294967296 + $2, $1, $2, 'queued', '')`,
			"another id": `INSERT INTO sends (campaign_id, member_id, state, token) VALUES ($1, $2, 'queued', '')`,
		} {
			if _, err := db.SQL().ExecContext(ctx, q, c.ID, m); err == nil {
				t.Errorf("a second send of campaign %d to member %d was stored (%s)", c.ID, m, name)
			}
		}
	})
}

// Migration 0041 keeps a member's send of a campaign that existed before it
// unique, sequence id or pair id, and makes later campaigns' sends take
// their pair's id.
func TestMigration0041_KeepsPairsUnique(t *testing.T) {
	db := storetest.OpenPostgres(t, storetest.PostgresURL(t))
	ctx := context.Background()
	body, err := os.ReadFile("migrations/postgres/0041_sends_pair_ids.sql")
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) error {
		t.Helper()
		_, err := db.SQL().ExecContext(ctx, q, args...)
		return err
	}
	// The schema as it was before 0041.
	if err := exec(`ALTER TABLE sends DROP CONSTRAINT sends_pair_id;
		DROP INDEX sends_pair_before;
		ALTER TABLE sends ADD CONSTRAINT sends_campaign_id_member_id_key UNIQUE (campaign_id, member_id)`); err != nil {
		t.Fatal(err)
	}
	m := storetest.MustCreateMember(t, db, "jin72@example.com")
	newCampaign := func(name string) int64 {
		t.Helper()
		c, err := db.CreateCampaign(ctx, fanmail.Campaign{Name: name, Kind: fanmail.CampaignMarketing, Subject: "s", Body: "b",
			Timezone: "Asia/Seoul"})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	before := newCampaign("봄 신상품")
	const sequenceID = `INSERT INTO sends (campaign_id, member_id, state, token) VALUES ($1, $2, 'sent', '')`
	const pairID = `INSERT INTO sends (id, campaign_id, member_id, state, token) VALUES ($1 * 4294967296 + $2, $1, $2, 'sent', '')`
	if err := exec(sequenceID, before, m.ID); err != nil {
		t.Fatal(err)
	}
	if err := exec(string(body)); err != nil {
		t.Fatalf("migration 0041: %v", err)
	}
	if err := exec(pairID, before, m.ID); err == nil {
		t.Error("a campaign from before 0041 got a second send to a member, under its pair id")
	}
	after := newCampaign("여름 세일")
	if err := exec(sequenceID, after, m.ID); err == nil {
		t.Error("a campaign from after 0041 got a send with a sequence id")
	}
	if err := exec(pairID, after, m.ID); err != nil {
		t.Errorf("a campaign from after 0041 got no send under its pair id: %v", err)
	}
	if err := exec(pairID, after, m.ID); err == nil {
		t.Error("a campaign from after 0041 got a second send to a member")
	}
	// Member 2^32 + 1 would take the id of the next campaign's member 1.
	if err := exec(pairID, after, int64(1)<<32+1); err == nil {
		t.Error("a send to member 2^32 + 1 was stored")
	}
}
