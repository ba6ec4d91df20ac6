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

func TestDB_Certificates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		advance := memFixedClock(db, t0)
		m := memCreate(t, db, "nari@example.com", fanmail.GenderFemale, 1996)
		shop, err := db.UpsertShop(ctx, fanmail.Shop{Code: "GN01", Name: "강남점"})
		if err != nil {
			t.Fatal(err)
		}
		inMonth := t0.AddDate(0, 1, 0)
		issue := func(code, ref string, expires *time.Time) (fanmail.Certificate, bool, error) {
			var c fanmail.Certificate
			var created bool
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				c, created, err = tx.IssueCertificate(ctx, fanmail.Certificate{Code: code, MemberID: m.ID,
					Value: 10000, Reason: fanmail.ReasonFanReward, Ref: ref, ExpiresAt: expires})
				return err
			})
			return c, created, err
		}
		inTx := func(fn func(tx *store.Tx) (fanmail.Certificate, error)) (fanmail.Certificate, error) {
			var c fanmail.Certificate
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				c, err = fn(tx)
				return err
			})
			return c, err
		}
		c, created, err := issue("FM-AAAA-BBBB-CCCC-DDDD", "fan:1", &inMonth)
		if err != nil || !created || c.State != fanmail.CertIssued {
			t.Fatalf("issue: %+v, %v", c, err)
		}
		if again, created, err := issue("FM-OTHER", "fan:1", &inMonth); err != nil || created || again.ID != c.ID {
			t.Errorf("same ref again: %+v, %v, %v", again, created, err)
		}
		if _, _, err := issue("FM-AAAA-BBBB-CCCC-DDDD", "fan:2", nil); fanmail.ErrorField(err) != "code" {
			t.Errorf("same code: %v", err)
		}
		got, err := db.CertificateByCode(ctx, c.Code)
		if diff := cmp.Diff(c, got); err != nil || diff != "" {
			t.Errorf("by code (-issued +read):\n%s %v", diff, err)
		}

		advance(time.Hour)
		redeemed, err := inTx(func(tx *store.Tx) (fanmail.Certificate, error) { return tx.RedeemCertificate(ctx, c.ID, shop.ID) })
		if err != nil || redeemed.State != fanmail.CertRedeemed || redeemed.ShopID != shop.ID || !redeemed.RedeemedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("redeem: %+v, %v", redeemed, err)
		}
		if _, err := inTx(func(tx *store.Tx) (fanmail.Certificate, error) { return tx.RedeemCertificate(ctx, c.ID, shop.ID) }); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("redeemed twice: %v", err)
		}
		if _, err := inTx(func(tx *store.Tx) (fanmail.Certificate, error) { return tx.VoidCertificate(ctx, c.ID) }); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("void after redeem: %v", err)
		}

		v, _, _ := issue("FM-VOID", "fan:3", nil)
		for range 2 {
			if v, err = inTx(func(tx *store.Tx) (fanmail.Certificate, error) { return tx.VoidCertificate(ctx, v.ID) }); err != nil || v.State != fanmail.CertVoid {
				t.Errorf("void: %+v, %v", v, err)
			}
		}
		if _, err := inTx(func(tx *store.Tx) (fanmail.Certificate, error) { return tx.RedeemCertificate(ctx, v.ID, 0) }); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("redeem void: %v", err)
		}

		old, _, _ := issue("FM-OLD", "fan:4", &inMonth)
		advance(31 * 24 * time.Hour)
		if _, err := inTx(func(tx *store.Tx) (fanmail.Certificate, error) { return tx.RedeemCertificate(ctx, old.ID, 0) }); fanmail.ErrorCode(err) != fanmail.EEXPIRED {
			t.Errorf("redeem past expiry: %v", err)
		}
		if n, err := db.ExpireCertificates(ctx, db.Now()); err != nil || n != 1 {
			t.Errorf("expired %d, %v; want 1", n, err)
		}
		if n, _ := db.ExpireCertificates(ctx, db.Now()); n != 0 {
			t.Errorf("expired again: %d", n)
		}
		if c, _ := db.CertificateByID(ctx, old.ID); c.State != fanmail.CertExpired {
			t.Errorf("state %q", c.State)
		}
		if _, err := db.CertificateByCode(ctx, "FM-NONE"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("unknown code: %v", err)
		}
		list, err := db.Certificates(ctx, m.ID)
		if err != nil || len(list) != 3 || list[0].ID != old.ID {
			t.Errorf("certificates: %+v, %v", list, err)
		}
	})
}
