package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// ldgIssue issues e in its own transaction.
func ldgIssue(t *testing.T, db *store.DB, e fanmail.LedgerEntry) (fanmail.LedgerEntry, bool) {
	t.Helper()
	var out fanmail.LedgerEntry
	var created bool
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		out, created, err = tx.Issue(context.Background(), e)
		return err
	})
	if err != nil {
		t.Fatalf("issue %s: %v", e.Ref, err)
	}
	return out, created
}

// ldgChips issues n single chips of a brand to a member.
func ldgChips(t *testing.T, db *store.DB, memberID, brandID int64, n int) {
	t.Helper()
	for i := range n {
		ldgIssue(t, db, fanmail.LedgerEntry{MemberID: memberID, BrandID: brandID, Unit: fanmail.UnitChip, Amount: 1,
			Reason: fanmail.ReasonSurveyAnswered, Ref: fmt.Sprintf("test:%d:%d:%d", memberID, brandID, i)})
	}
}

// ldgBalance returns a balance, failing the test on error.
func ldgBalance(t *testing.T, db *store.DB, memberID, brandID int64, unit string) int64 {
	t.Helper()
	n, err := db.Balance(context.Background(), memberID, brandID, unit)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// ldgReward stores an active reward of the brand costing cost chips.
func ldgReward(t *testing.T, db *store.DB, brandID, cost int64) fanmail.Reward {
	t.Helper()
	r, err := db.CreateReward(context.Background(), fanmail.Reward{BrandID: brandID, Kind: fanmail.RewardProduct,
		Name: "에코백", NameEn: "Eco bag", Cost: cost, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// ldgRedeem runs tx.Redeem in its own transaction.
func ldgRedeem(db *store.DB, r fanmail.Redemption) (fanmail.Redemption, bool, error) {
	var out fanmail.Redemption
	var created bool
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		out, created, err = tx.Redeem(context.Background(), r)
		return err
	})
	return out, created, err
}

// ldgCheckSums fails unless each balance of the member equals the sum of
// its ledger entries.
func ldgCheckSums(t *testing.T, db *store.DB, memberID int64) {
	t.Helper()
	ms, err := db.LedgerMismatches(context.Background(), memberID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		t.Errorf("member %d brand %d %s: entries sum to %d, balance %d", m.MemberID, m.BrandID, m.Unit, m.Sum, m.Balance)
	}
}

func TestDB_LedgerIssue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
		advance := memFixedClock(db, t0)
		minji := memCreate(t, db, "minji@example.com", fanmail.GenderFemale, 1998)
		oz := memBrand(t, db, "casual", "ozsecond", "오즈세컨")
		welcome := fanmail.LedgerEntry{MemberID: minji.ID, BrandID: oz, Unit: fanmail.UnitChip, Amount: 1,
			Reason: fanmail.ReasonBrandWelcome, Ref: fmt.Sprintf("welcome:member:%d:brand:%d", minji.ID, oz), MessageID: 7}

		first, created := ldgIssue(t, db, welcome)
		if !created || first.ChipNumber != fanmail.FirstChipNumber || first.Op != fanmail.OpIssue {
			t.Fatalf("first chip: created %v, %+v", created, first)
		}
		again, created := ldgIssue(t, db, welcome)
		if created {
			t.Error("same ref issued twice")
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Errorf("repeated issue (-first +again):\n%s", diff)
		}
		if got := ldgBalance(t, db, minji.ID, oz, fanmail.UnitChip); got != 1 {
			t.Errorf("balance after repeated issue = %d, want 1", got)
		}

		advance(time.Minute)
		block, _ := ldgIssue(t, db, fanmail.LedgerEntry{MemberID: minji.ID, BrandID: oz, Unit: fanmail.UnitChip,
			Amount: 3, Reason: fanmail.ReasonFanReward, Ref: "fan:1"})
		points, _ := ldgIssue(t, db, fanmail.LedgerEntry{MemberID: minji.ID, Unit: fanmail.UnitPoint,
			Amount: 500, Reason: fanmail.ReasonManual, Ref: "service:9", Note: "수리 만족도 조사 응답"})
		if block.ChipNumber != fanmail.FirstChipNumber+1 || points.ChipNumber != 0 {
			t.Errorf("chip numbers: block %d, points %d", block.ChipNumber, points.ChipNumber)
		}
		next, _ := ldgIssue(t, db, fanmail.LedgerEntry{MemberID: minji.ID, BrandID: oz, Unit: fanmail.UnitChip,
			Amount: 1, Reason: fanmail.ReasonSurveyAnswered, Ref: "survey:1"})
		if next.ChipNumber != fanmail.FirstChipNumber+4 {
			t.Errorf("chip after a block of 3: %d", next.ChipNumber)
		}

		t.Run("Entries", func(t *testing.T) {
			lines, err := db.LedgerEntries(ctx, store.EntryFilter{MemberID: minji.ID})
			if err != nil {
				t.Fatal(err)
			}
			want := []store.EntryLine{{next, "오즈세컨"}, {points, ""}, {block, "오즈세컨"}, {first, "오즈세컨"}}
			if diff := cmp.Diff(want, lines); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			page, err := db.LedgerEntries(ctx, store.EntryFilter{MemberID: minji.ID, Before: block.ID, Limit: 5})
			if err != nil || len(page) != 1 || page[0].ID != first.ID {
				t.Errorf("second page: %+v, %v", page, err)
			}
		})

		t.Run("Balances", func(t *testing.T) {
			got, err := db.Balances(ctx, minji.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := []store.BalanceLine{
				{fanmail.Balance{MemberID: minji.ID, Unit: fanmail.UnitPoint, Amount: 500}, ""},
				{fanmail.Balance{MemberID: minji.ID, BrandID: oz, Unit: fanmail.UnitChip, Amount: 5}, "오즈세컨"},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("balances (-want +got):\n%s", diff)
			}
		})

		t.Run("ErrRefReused", func(t *testing.T) {
			other := memCreate(t, db, "jihoon@example.com", fanmail.GenderMale, 1995)
			err := db.InTx(ctx, func(tx *store.Tx) error {
				e := welcome
				e.MemberID = other.ID
				_, _, err := tx.Issue(ctx, e)
				return err
			})
			if fanmail.ErrorCode(err) != fanmail.ECONFLICT || fanmail.ErrorField(err) != "ref" {
				t.Errorf("same ref, other member: %v", err)
			}
		})

		t.Run("ErrUnknownMember", func(t *testing.T) {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				_, _, err := tx.Issue(ctx, fanmail.LedgerEntry{MemberID: 999999, Unit: fanmail.UnitChip, Amount: 1,
					Reason: fanmail.ReasonManual, Ref: "nobody"})
				return err
			})
			if fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Errorf("unknown member: %v", err)
			}
		})
		ldgCheckSums(t, db, minji.ID)
	})
}

func TestDB_LedgerChipNumbers_Concurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := memCreate(t, db, "seoyeon@example.com", fanmail.GenderFemale, 2001)
		brand := memBrand(t, db, "sports", "fila", "휠라")
		const n = 50
		numbers := make([]int64, n+10)
		var wg sync.WaitGroup
		errs := make(chan error, n+10)
		for i := range n + 10 {
			ref := fmt.Sprintf("survey:%d", i)
			if i >= n {
				ref = "survey:0" // ten repeats of the first cause
			}
			wg.Go(func() {
				errs <- db.InTx(ctx, func(tx *store.Tx) error {
					e, _, err := tx.Issue(ctx, fanmail.LedgerEntry{MemberID: m.ID, BrandID: brand,
						Unit: fanmail.UnitChip, Amount: 1, Reason: fanmail.ReasonSurveyAnswered, Ref: ref})
					numbers[i] = e.ChipNumber
					return err
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		seen := map[int64]bool{}
		for i, num := range numbers[:n] {
			if seen[num] || num < fanmail.FirstChipNumber {
				t.Errorf("chip %d: number %d repeated or too small", i, num)
			}
			seen[num] = true
		}
		for _, num := range numbers[n:] {
			if num != numbers[0] {
				t.Errorf("repeat of survey:0 got number %d, first %d", num, numbers[0])
			}
		}
		if got := ldgBalance(t, db, m.ID, brand, fanmail.UnitChip); got != n {
			t.Errorf("balance = %d, want %d", got, n)
		}
		// Later chips get higher numbers than every earlier one.
		last, _ := ldgIssue(t, db, fanmail.LedgerEntry{MemberID: m.ID, BrandID: brand, Unit: fanmail.UnitChip,
			Amount: 1, Reason: fanmail.ReasonManual, Ref: "after"})
		for num := range seen {
			if last.ChipNumber <= num {
				t.Errorf("later chip %d not above %d", last.ChipNumber, num)
			}
		}
		ldgCheckSums(t, db, m.ID)
	})
}

// A reversal names the staff member who made it; entries filter by unit
// and operation; a transaction sees its own balance.
func TestDB_LedgerEntries_FilterAndStaff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := memCreate(t, db, "seoyeon@example.com", fanmail.GenderFemale, 1995)
		brand := memBrand(t, db, "casual", "system", "시스템")
		staff, err := db.CreateUser(ctx, fanmail.User{Email: "desk@example.com", Name: "김도윤", Role: fanmail.RoleAdmin,
			Lang: "ko", Active: true}, "x")
		if err != nil {
			t.Fatal(err)
		}
		ldgChips(t, db, m.ID, brand, 2)
		pts, _ := ldgIssue(t, db, fanmail.LedgerEntry{MemberID: m.ID, Unit: fanmail.UnitPoint, Amount: 500,
			Reason: fanmail.ReasonManual, Ref: "manual:points"})
		var rev fanmail.LedgerEntry
		err = db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if rev, err = tx.Reverse(ctx, pts.ID, "잘못 지급", staff.ID); err != nil {
				return err
			}
			if n, err := tx.Balance(ctx, m.ID, 0, fanmail.UnitPoint); err != nil || n != 0 {
				t.Errorf("balance inside the transaction = %d, %v; want 0", n, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.LedgerEntryByID(ctx, rev.ID); err != nil || got.StaffID != staff.ID || got.Note != "잘못 지급" {
			t.Errorf("stored reversal: staff %d note %q (%v), want staff %d", got.StaffID, got.Note, err, staff.ID)
		}
		for _, tt := range []struct {
			f    store.EntryFilter
			want int
		}{
			{store.EntryFilter{MemberID: m.ID}, 4},
			{store.EntryFilter{MemberID: m.ID, Unit: fanmail.UnitChip}, 2},
			{store.EntryFilter{MemberID: m.ID, Unit: fanmail.UnitPoint, Op: fanmail.OpReverse}, 1},
			{store.EntryFilter{MemberID: m.ID, Op: fanmail.OpIssue}, 3},
		} {
			got, err := db.LedgerEntries(ctx, tt.f)
			if err != nil || len(got) != tt.want {
				t.Errorf("LedgerEntries(%+v): %d entries (%v), want %d", tt.f, len(got), err, tt.want)
			}
		}
	})
}

// The audit finds a balance changed behind the ledger's back.
func TestDB_LedgerMismatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := memCreate(t, db, "audit@example.com", fanmail.GenderMale, 1990)
		brand := memBrand(t, db, "casual", "tbj", "티비제이")
		ldgChips(t, db, m.ID, brand, 3)
		if ms, err := db.LedgerMismatches(ctx, 0); err != nil || len(ms) != 0 {
			t.Fatalf("consistent ledger: %+v, %v", ms, err)
		}
		if _, err := db.SQL().ExecContext(ctx, `UPDATE balances SET amount = 5 WHERE member_id = $1`, m.ID); err != nil {
			t.Fatal(err)
		}
		want := []store.LedgerMismatch{{MemberID: m.ID, BrandID: brand, Unit: fanmail.UnitChip, Sum: 3, Balance: 5}}
		if ms, err := db.LedgerMismatches(ctx, m.ID); err != nil || !cmp.Equal(ms, want) {
			t.Errorf("after a hand-made change: %+v, %v; want %+v", ms, err, want)
		}
	})
}
