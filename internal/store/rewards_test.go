package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestDB_RewardRedeem_Concurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := memCreate(t, db, "haeun@example.com", fanmail.GenderFemale, 1999)
		brand := memBrand(t, db, "casual", "mind-bridge", "마인드브릿지")
		reward := ldgReward(t, db, brand, 1)
		ldgChips(t, db, m.ID, brand, 37)

		const n = 100
		var ok, poor atomic.Int32
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, _, err := ldgRedeem(db, fanmail.Redemption{IdempotencyKey: fmt.Sprintf("pos-%d", i),
					MemberID: m.ID, BrandID: brand, RewardID: reward.ID, Cost: 1})
				switch fanmail.ErrorCode(err) {
				case "":
					ok.Add(1)
				case fanmail.EINVALID:
					poor.Add(1)
				default:
					t.Errorf("redeem %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 37 || poor.Load() != n-37 {
			t.Errorf("%d redeemed, %d refused; want 37 and %d", ok.Load(), poor.Load(), n-37)
		}
		if got := ldgBalance(t, db, m.ID, brand, fanmail.UnitChip); got != 0 {
			t.Errorf("balance = %d, want 0", got)
		}
		reds, err := db.Redemptions(ctx, m.ID)
		if err != nil || len(reds) != 37 {
			t.Errorf("%d redemptions stored (%v), want 37", len(reds), err)
		}
		ldgCheckSums(t, db, m.ID)
	})
}

func TestDB_RewardRedeem_SameKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := memCreate(t, db, "yuna@example.com", fanmail.GenderFemale, 1997)
		brand := memBrand(t, db, "formal", "time", "타임")
		reward := ldgReward(t, db, brand, 3)
		ldgChips(t, db, m.ID, brand, 4)
		req := fanmail.Redemption{IdempotencyKey: "terminal-7:0001", MemberID: m.ID, BrandID: brand,
			RewardID: reward.ID, Cost: 3}

		got := make([]fanmail.Redemption, 2)
		created := make([]bool, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() {
				var err error
				got[i], created[i], err = ldgRedeem(db, req)
				if err != nil {
					t.Errorf("redeem %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if created[0] == created[1] || got[0].ID != got[1].ID {
			t.Errorf("same key twice: created %v, ids %d and %d", created, got[0].ID, got[1].ID)
		}
		if b := ldgBalance(t, db, m.ID, brand, fanmail.UnitChip); b != 1 {
			t.Errorf("balance = %d, want 1 (one debit)", b)
		}

		t.Run("ErrOtherParams", func(t *testing.T) {
			other := req
			other.ShopID = 0
			other.StaffID = 99
			_, _, err := ldgRedeem(db, other)
			if fanmail.ErrorCode(err) != fanmail.ECONFLICT || fanmail.ErrorField(err) != "idempotency_key" {
				t.Errorf("same key, other staff: %v", err)
			}
		})
		t.Run("ErrNotEnough", func(t *testing.T) {
			again := req
			again.IdempotencyKey = "terminal-7:0002"
			_, _, err := ldgRedeem(db, again)
			if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorMessage(err) != "Not enough chips." {
				t.Errorf("over balance: %v", err)
			}
			if b := ldgBalance(t, db, m.ID, brand, fanmail.UnitChip); b != 1 {
				t.Errorf("balance after refused redemption = %d", b)
			}
		})
		ldgCheckSums(t, db, m.ID)
	})
}

func TestDB_LedgerReverse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := memCreate(t, db, "dahye@example.com", fanmail.GenderFemale, 1994)
		brand := memBrand(t, db, "casual", "système", "시스템")
		reward := ldgReward(t, db, brand, 2)
		ldgChips(t, db, m.ID, brand, 3)
		manual, _ := ldgIssue(t, db, fanmail.LedgerEntry{MemberID: m.ID, BrandID: brand, Unit: fanmail.UnitChip,
			Amount: 2, Reason: fanmail.ReasonManual, Ref: "manual:1"})
		red, _, err := ldgRedeem(db, fanmail.Redemption{IdempotencyKey: "k1", MemberID: m.ID, BrandID: brand,
			RewardID: reward.ID, Cost: 2})
		if err != nil {
			t.Fatal(err)
		}
		debit, err := db.LedgerEntryByRef(ctx, fmt.Sprintf("redemption:%d", red.ID))
		if err != nil {
			t.Fatal(err)
		}
		reverse := func(id int64) (fanmail.LedgerEntry, error) {
			var e fanmail.LedgerEntry
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				e, err = tx.Reverse(ctx, id, "잘못 지급", 0)
				return err
			})
			return e, err
		}

		rev, err := reverse(manual.ID)
		if err != nil || rev.Amount != -2 || rev.ReversesID != manual.ID || rev.Op != fanmail.OpReverse {
			t.Fatalf("reverse issue: %+v, %v", rev, err)
		}
		if _, err := reverse(manual.ID); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("second reversal: %v", err)
		}
		if _, err := reverse(rev.ID); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("reversing a reversal: %v", err)
		}
		back, err := reverse(debit.ID)
		if err != nil || back.Amount != 2 || back.RedemptionID != red.ID {
			t.Fatalf("reverse redemption: %+v, %v", back, err)
		}
		if r, _ := db.RedemptionByID(ctx, red.ID); r.State != fanmail.RedemptionReversed {
			t.Errorf("redemption state %q", r.State)
		}
		if b := ldgBalance(t, db, m.ID, brand, fanmail.UnitChip); b != 3 {
			t.Errorf("balance = %d, want 3", b)
		}
		// Spend the chips, then reversing an issue finds them gone.
		if _, _, err := ldgRedeem(db, fanmail.Redemption{IdempotencyKey: "k2", MemberID: m.ID, BrandID: brand,
			RewardID: reward.ID, Cost: 2}); err != nil {
			t.Fatal(err)
		}
		spent, _ := ldgIssue(t, db, fanmail.LedgerEntry{MemberID: m.ID, BrandID: brand, Unit: fanmail.UnitChip,
			Amount: 5, Reason: fanmail.ReasonManual, Ref: "manual:2"})
		if _, _, err := ldgRedeem(db, fanmail.Redemption{IdempotencyKey: "k3", MemberID: m.ID, BrandID: brand,
			RewardID: reward.ID, Cost: 2}); err != nil {
			t.Fatal(err)
		}
		if _, err := reverse(spent.ID); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("reversing spent chips: %v", err)
		}
		if _, err := reverse(424242); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("unknown entry: %v", err)
		}
		ldgCheckSums(t, db, m.ID)
	})
}

func TestDB_LedgerExpire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
		advance := memFixedClock(db, t0)
		m := memCreate(t, db, "sujin@example.com", fanmail.GenderFemale, 1990)
		brand := memBrand(t, db, "casual", "lap", "랩")
		reward := ldgReward(t, db, brand, 4)
		soon, later := t0.Add(30*24*time.Hour), t0.Add(90*24*time.Hour)
		a, _ := ldgIssue(t, db, fanmail.LedgerEntry{MemberID: m.ID, BrandID: brand, Unit: fanmail.UnitChip,
			Amount: 5, Reason: fanmail.ReasonFanReward, Ref: "a", ExpiresAt: &soon})
		b, _ := ldgIssue(t, db, fanmail.LedgerEntry{MemberID: m.ID, BrandID: brand, Unit: fanmail.UnitChip,
			Amount: 2, Reason: fanmail.ReasonFanReward, Ref: "b", ExpiresAt: &later})
		ldgIssue(t, db, fanmail.LedgerEntry{MemberID: m.ID, BrandID: brand, Unit: fanmail.UnitChip,
			Amount: 3, Reason: fanmail.ReasonSurveyAnswered, Ref: "c"})
		if _, _, err := ldgRedeem(db, fanmail.Redemption{IdempotencyKey: "k", MemberID: m.ID, BrandID: brand,
			RewardID: reward.ID, Cost: 4}); err != nil {
			t.Fatal(err)
		}
		expire := func() int {
			t.Helper()
			buckets, err := db.DueExpiries(ctx, db.Now(), 100)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, bk := range buckets {
				err := db.InTx(ctx, func(tx *store.Tx) error {
					k, err := tx.ExpireBalance(ctx, bk)
					n += k
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			return n
		}
		// 10 issued, 4 spent from the soonest (a): 1 of a is left when it
		// expires, and all of b when b does.
		steps := []struct {
			wait    time.Duration
			entries int
			balance int64
		}{
			{0, 0, 6},
			{31 * 24 * time.Hour, 1, 5},
			{0, 0, 5}, // running again expires nothing
			{60 * 24 * time.Hour, 1, 3},
		}
		for i, s := range steps {
			advance(s.wait)
			if n := expire(); n != s.entries {
				t.Errorf("step %d: expired %d entries, want %d", i, n, s.entries)
			}
			if got := ldgBalance(t, db, m.ID, brand, fanmail.UnitChip); got != s.balance {
				t.Errorf("step %d: balance %d, want %d", i, got, s.balance)
			}
		}
		for _, want := range []fanmail.LedgerEntry{{ReversesID: a.ID, Amount: -1}, {ReversesID: b.ID, Amount: -2}} {
			e, err := db.LedgerEntryByRef(ctx, fmt.Sprintf("expiry:%d", want.ReversesID))
			if err != nil || e.Amount != want.Amount || e.ReversesID != want.ReversesID || e.Op != fanmail.OpExpire {
				t.Errorf("expire entry of %d: %+v, %v", want.ReversesID, e, err)
			}
		}
		ldgCheckSums(t, db, m.ID)
	})
}

// TestDB_LedgerSums runs a random mix of issues, redemptions, reversals and
// expiries and checks that every balance equals its entries' sum.
func TestDB_LedgerSums(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		advance := memFixedClock(db, t0)
		rng := rand.New(rand.NewPCG(7, 9))
		var members []int64
		for i := range 3 {
			members = append(members, memCreate(t, db, fmt.Sprintf("fan%d@example.com", i), fanmail.GenderMale, 1990+i).ID)
		}
		brands := []int64{memBrand(t, db, "casual", "a", "에이"), memBrand(t, db, "casual", "b", "비")}
		rewards := []fanmail.Reward{ldgReward(t, db, brands[0], 2), ldgReward(t, db, brands[1], 3)}
		var entries []int64
		done := map[string]int{}
		for i := range 300 {
			advance(time.Duration(rng.IntN(48)) * time.Hour)
			m, k := members[rng.IntN(len(members))], rng.IntN(len(brands))
			var err error
			var kind string
			switch op := rng.IntN(10); {
			case op < 5:
				kind = "issue"
				e := fanmail.LedgerEntry{MemberID: m, BrandID: brands[k], Unit: fanmail.UnitChip,
					Amount: 1 + rng.Int64N(3), Reason: fanmail.ReasonSurveyAnswered, Ref: fmt.Sprintf("r%d", i)}
				if rng.IntN(2) == 0 {
					exp := db.Now().Add(time.Duration(1+rng.IntN(20)) * 24 * time.Hour)
					e.ExpiresAt = &exp
				}
				err = db.InTx(ctx, func(tx *store.Tx) error {
					out, _, err := tx.Issue(ctx, e)
					entries = append(entries, out.ID)
					return err
				})
			case op < 8:
				kind = "redeem"
				_, _, err = ldgRedeem(db, fanmail.Redemption{IdempotencyKey: fmt.Sprintf("k%d", i), MemberID: m,
					BrandID: brands[k], RewardID: rewards[k].ID, Cost: rewards[k].Cost})
			case op < 9 && len(entries) > 0:
				kind = "reverse"
				err = db.InTx(ctx, func(tx *store.Tx) error {
					_, err := tx.Reverse(ctx, entries[rng.IntN(len(entries))], "", 0)
					return err
				})
			default:
				buckets, _ := db.DueExpiries(ctx, db.Now(), 100)
				for _, b := range buckets {
					kind = "expire"
					err = db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.ExpireBalance(ctx, b); return err })
				}
			}
			if c := fanmail.ErrorCode(err); c != "" && c != fanmail.EINVALID && c != fanmail.ECONFLICT {
				t.Fatalf("step %d: %v", i, err)
			} else if c == "" {
				done[kind]++
			}
		}
		for _, kind := range []string{"issue", "redeem", "reverse", "expire"} {
			if done[kind] == 0 {
				t.Errorf("no %s succeeded: %v", kind, done)
			}
		}
		for _, m := range members {
			ldgCheckSums(t, db, m)
		}
	})
}

func TestDB_Rewards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		memFixedClock(db, time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC))
		brand := memBrand(t, db, "casual", "on-off", "온앤온")
		bag := ldgReward(t, db, brand, 10)
		cert, err := db.CreateReward(ctx, fanmail.Reward{BrandID: brand, Kind: fanmail.RewardCertificate,
			Name: "1만원 상품권", NameEn: "10,000 won gift certificate", Cost: 20, Value: 10000, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		bag.Active = false
		bag.Cost = 12
		if bag, err = db.UpdateReward(ctx, bag); err != nil || bag.Active || bag.Cost != 12 {
			t.Fatalf("update: %+v, %v", bag, err)
		}
		all, err := db.Rewards(ctx, store.RewardFilter{BrandID: brand})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]fanmail.Reward{bag, cert}, all); diff != "" {
			t.Errorf("rewards (-want +got):\n%s", diff)
		}
		active, err := db.Rewards(ctx, store.RewardFilter{ActiveOnly: true})
		if err != nil || len(active) != 1 || active[0].ID != cert.ID {
			t.Errorf("active rewards: %+v, %v", active, err)
		}
		if _, err := db.RewardByID(ctx, 9999); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("unknown reward: %v", err)
		}
		if _, err := db.UpdateReward(ctx, fanmail.Reward{ID: 9999, Name: "x", Cost: 1}); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("update unknown reward: %v", err)
		}
	})
}
