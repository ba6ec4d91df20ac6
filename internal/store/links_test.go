package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestDB_LinkTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		advance := memFixedClock(db, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
		m := memCreate(t, db, "jin72@example.com", "", 0)
		exp := db.Now().Add(time.Hour)
		if err := db.CreateLinkToken(ctx, "h1", "confirm", m.ID, exp); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateLinkToken(ctx, "h2", "confirm", m.ID, exp); err != nil {
			t.Fatal(err)
		}
		use := func(hash, purpose string) (int64, error) {
			var id int64
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				id, err = tx.UseLinkToken(ctx, hash, purpose)
				return err
			})
			return id, err
		}
		if err := db.LinkTokenUsable(ctx, "h1", "confirm"); err != nil {
			t.Errorf("usable: %v", err)
		}
		if _, err := use("h1", "login"); err != store.ErrLinkUnknown {
			t.Errorf("other purpose: %v, want ErrLinkUnknown", err)
		}
		if id, err := use("h1", "confirm"); err != nil || id != m.ID {
			t.Errorf("first use: %d, %v", id, err)
		}
		if _, err := use("h1", "confirm"); err != store.ErrLinkUsed {
			t.Errorf("second use: %v, want ErrLinkUsed", err)
		}
		if err := db.LinkTokenUsable(ctx, "h1", "confirm"); err != store.ErrLinkUsed {
			t.Errorf("usable after use: %v", err)
		}
		if _, err := use("nope", "confirm"); err != store.ErrLinkUnknown {
			t.Errorf("unknown: %v, want ErrLinkUnknown", err)
		}
		advance(time.Hour)
		if _, err := use("h2", "confirm"); err != store.ErrLinkExpired {
			t.Errorf("expired: %v, want ErrLinkExpired", err)
		}
		if err := db.LinkTokenUsable(ctx, "h2", "confirm"); err != store.ErrLinkExpired {
			t.Errorf("usable when expired: %v", err)
		}
		advance(time.Second)
		if n, err := db.DeleteExpiredLinkTokens(ctx, db.Now()); err != nil || n != 2 {
			t.Errorf("DeleteExpiredLinkTokens = %d, %v; want 2", n, err)
		}
	})
}
