package loyalty_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// 100 concurrent redemptions against one balance: exactly the affordable
// ones go through, the balance never goes below zero, and each success has
// its one receipt.
func TestService_Redeem_Concurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		for _, tt := range []struct {
			name        string
			held, cost  int64
			wantRedeems int32
		}{
			{"OneChipEach", 37, 1, 37},
			{"ThreeChipsEach", 10, 3, 3},
		} {
			t.Run(tt.name, func(t *testing.T) {
				ctx := context.Background()
				m := mustMember(t, db, strings.ToLower(tt.name)+"@example.com", "이하은", fanmail.LangKorean)
				r := reward(t, w, fanmail.RewardProduct, tt.cost, 0)
				chips(t, db, m.ID, w.brand.ID, tt.held, nil)

				const n = 100
				var ok, poor atomic.Int32
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() {
						_, created, err := w.svc.Redeem(ctx, loyalty.RedeemRequest{IdempotencyKey: fmt.Sprintf("%s-%d", tt.name, i),
							MemberID: m.ID, RewardID: r.ID, ShopID: w.shop.ID})
						switch fanmail.ErrorCode(err) {
						case "":
							if !created {
								t.Errorf("redeem %d: a new key was not a new redemption", i)
							}
							ok.Add(1)
						case fanmail.EINVALID:
							poor.Add(1)
						default:
							t.Errorf("redeem %d: %v", i, err)
						}
					})
				}
				wg.Wait()
				if ok.Load() != tt.wantRedeems || poor.Load() != n-tt.wantRedeems {
					t.Errorf("%d redeemed, %d refused; want %d and %d", ok.Load(), poor.Load(), tt.wantRedeems, n-tt.wantRedeems)
				}
				if got, want := balance(t, w, m.ID), tt.held-int64(tt.wantRedeems)*tt.cost; got != want {
					t.Errorf("balance %d, want %d", got, want)
				}
				if got := len(receipts(t, db, m.ID)); got != int(tt.wantRedeems) {
					t.Errorf("%d receipts queued, want %d", got, tt.wantRedeems)
				}
				checkSums(t, db, m.ID)
			})
		}
	})
}

// A repeated key returns the first redemption and does nothing again, even
// after the reward was withdrawn; the same key for another request is a
// conflict; a refused request stores nothing.
func TestService_Redeem_Idempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		bag := reward(t, w, fanmail.RewardProduct, 3, 0)
		cup := reward(t, w, fanmail.RewardProduct, 2, 0)
		chips(t, db, w.member.ID, w.brand.ID, 4, nil)
		req := loyalty.RedeemRequest{IdempotencyKey: "terminal-7:0001", MemberID: w.member.ID, RewardID: bag.ID, ShopID: w.shop.ID}

		first, created, err := w.svc.Redeem(ctx, req)
		if err != nil || !created {
			t.Fatalf("first redemption: created %v, %v", created, err)
		}
		inactive := false
		if _, err := w.svc.UpdateReward(ctx, bag.ID, fanmail.RewardUpdate{Active: &inactive}); err != nil {
			t.Fatal(err)
		}
		again, created, err := w.svc.Redeem(ctx, req)
		if err != nil || created || again.ID != first.ID || again.Cost != 3 {
			t.Errorf("replay: %+v created %v, %v; want redemption %d, not created", again, created, err, first.ID)
		}
		if b := balance(t, w, w.member.ID); b != 1 {
			t.Errorf("balance after a replay %d, want 1", b)
		}
		if n := len(receipts(t, db, w.member.ID)); n != 1 {
			t.Errorf("%d receipts after a replay, want 1", n)
		}

		other := req
		other.RewardID = cup.ID
		if _, _, err := w.svc.Redeem(ctx, other); fanmail.ErrorCode(err) != fanmail.ECONFLICT || fanmail.ErrorField(err) != "idempotency_key" {
			t.Errorf("another request under a used key: %v, want conflict on idempotency_key", err)
		}
		if _, _, err := w.svc.Redeem(ctx, loyalty.RedeemRequest{IdempotencyKey: "k2", MemberID: w.member.ID, RewardID: bag.ID}); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("an inactive reward: %v, want invalid", err)
		}
		poorReq := loyalty.RedeemRequest{IdempotencyKey: "k3", MemberID: w.member.ID, RewardID: cup.ID}
		if _, _, err := w.svc.Redeem(ctx, poorReq); fanmail.ErrorMessage(err) != "Not enough chips." {
			t.Errorf("over the balance: %v, want Not enough chips.", err)
		}
		chips(t, db, w.member.ID, w.brand.ID, 1, nil)
		if _, created, err := w.svc.Redeem(ctx, poorReq); err != nil || !created {
			t.Errorf("the refused key once the chips are there: created %v, %v", created, err)
		}
		checkSums(t, db, w.member.ID)

		for name, bad := range map[string]loyalty.RedeemRequest{
			"no key":     {MemberID: w.member.ID, RewardID: cup.ID},
			"long key":   {IdempotencyKey: strings.Repeat("k", loyalty.MaxKeyLen+1), MemberID: w.member.ID, RewardID: cup.ID},
			"nothing":    {IdempotencyKey: "k4", MemberID: w.member.ID},
			"both":       {IdempotencyKey: "k5", MemberID: w.member.ID, RewardID: cup.ID, CertificateCode: "FM-0000"},
			"no member":  {IdempotencyKey: "k6", RewardID: cup.ID},
			"bad reward": {IdempotencyKey: "k7", MemberID: w.member.ID, RewardID: 9999},
		} {
			if _, _, err := w.svc.Redeem(ctx, bad); err == nil {
				t.Errorf("%s: redeemed", name)
			}
		}
	})
}

// Gift certificates: a forged or mistyped code, an unknown one, another
// member's, a used one and an expired one are refused, each with its own
// reason; a good one is redeemed once.
func TestService_Redeem_Certificate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		soon := db.Now().Add(time.Hour)
		good := certificate(t, db, w.member.ID, w.brand.ID, 10000, nil)
		expiring := certificate(t, db, w.member.ID, w.brand.ID, 5000, &soon)
		stranger := mustMember(t, db, "minho@example.com", "이민호", fanmail.LangKorean)
		theirs := certificate(t, db, stranger.ID, w.brand.ID, 5000, nil)
		redeem := func(key, code string, memberID int64) error {
			_, _, err := w.svc.Redeem(ctx, loyalty.RedeemRequest{IdempotencyKey: key, CertificateCode: code, MemberID: memberID,
				ShopID: w.shop.ID})
			return err
		}

		forged := good.Code[:len(good.Code)-1] + "A"
		if strings.HasSuffix(good.Code, "A") {
			forged = good.Code[:len(good.Code)-1] + "B"
		}
		if err := redeem("f1", forged, 0); fanmail.ErrorCode(err) != fanmail.EINVALID || !strings.Contains(fanmail.ErrorMessage(err), "not valid") {
			t.Errorf("forged code: %v", err)
		}
		if err := redeem("f2", "hello", 0); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("garbage code: %v", err)
		}
		if err := redeem("x1", theirs.Code, w.member.ID); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("another member's certificate: %v", err)
		}
		// Typed in lower case with spaces, as at a till.
		typed := strings.ToLower(strings.ReplaceAll(good.Code, "-", " "))
		red, created, err := w.svc.Redeem(ctx, loyalty.RedeemRequest{IdempotencyKey: "c1", CertificateCode: typed, ShopID: w.shop.ID})
		if err != nil || !created || red.CertificateID != good.ID || red.MemberID != w.member.ID {
			t.Fatalf("redeem a good certificate: %+v, %v", red, err)
		}
		if err := redeem("c1", good.Code, 0); err != nil {
			t.Errorf("replay of the certificate redemption: %v", err)
		}
		if err := redeem("c2", good.Code, 0); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("a used certificate: %v, want conflict", err)
		}
		db.Now = func() time.Time { return soon.Add(time.Minute) }
		if err := redeem("c3", expiring.Code, 0); fanmail.ErrorCode(err) != fanmail.EEXPIRED {
			t.Errorf("an expired certificate: %v, want expired", err)
		}
		if c, _ := db.CertificateByID(ctx, good.ID); c.State != fanmail.CertRedeemed || c.ShopID != w.shop.ID {
			t.Errorf("certificate after redemption: %+v", c)
		}
		if n := len(receipts(t, db, w.member.ID)); n != 1 {
			t.Errorf("%d receipts, want 1", n)
		}
	})
}

// A gift certificate reward issues a signed certificate; reversing the
// redemption gives the chips back and voids it, but not once it was used.
func TestService_Redeem_CertificateReward(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		gift := reward(t, w, fanmail.RewardCertificate, 5, 30000)
		chips(t, db, w.member.ID, w.brand.ID, 10, nil)

		red, _, err := w.svc.Redeem(ctx, loyalty.RedeemRequest{IdempotencyKey: "p1", MemberID: w.member.ID, RewardID: gift.ID})
		if err != nil || red.CertificateID == 0 {
			t.Fatalf("buy a certificate: %+v, %v", red, err)
		}
		rc, err := w.svc.Receipt(ctx, red.ID)
		if err != nil || rc.Certificate.Value != 30000 || rc.Certificate.State != fanmail.CertIssued || rc.Brand != "오즈세컨" {
			t.Fatalf("receipt: %+v, %v", rc, err)
		}
		if _, err := w.svc.CertificateByCode(ctx, rc.Certificate.Code); err != nil {
			t.Errorf("the bought certificate's code does not check: %v", err)
		}
		debit := redeemEntry(t, w, red.ID)
		if _, err := w.svc.Reverse(ctx, debit.ID, "", 0); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("reversal without a note: %v", err)
		}
		if _, err := w.svc.Reverse(ctx, debit.ID, "고객 요청으로 취소", 0); err != nil {
			t.Fatal(err)
		}
		if b := balance(t, w, w.member.ID); b != 10 {
			t.Errorf("balance after the reversal %d, want 10", b)
		}
		if c, _ := db.CertificateByID(ctx, red.CertificateID); c.State != fanmail.CertVoid {
			t.Errorf("bought certificate after the reversal: %s, want void", c.State)
		}

		red2, _, err := w.svc.Redeem(ctx, loyalty.RedeemRequest{IdempotencyKey: "p2", MemberID: w.member.ID, RewardID: gift.ID})
		if err != nil {
			t.Fatal(err)
		}
		rc2, _ := w.svc.Receipt(ctx, red2.ID)
		if _, _, err := w.svc.Redeem(ctx, loyalty.RedeemRequest{IdempotencyKey: "p3", CertificateCode: rc2.Certificate.Code}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Reverse(ctx, redeemEntry(t, w, red2.ID).ID, "취소", 0); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("reversing a redemption whose certificate was used: %v, want conflict", err)
		}
		if b := balance(t, w, w.member.ID); b != 5 {
			t.Errorf("balance %d, want 5", b)
		}
		checkSums(t, db, w.member.ID)
	})
}

// redeemEntry returns the ledger debit of a redemption.
func redeemEntry(t *testing.T, w *world, redemptionID int64) fanmail.LedgerEntry {
	t.Helper()
	es, err := w.svc.History(context.Background(), store.EntryFilter{MemberID: w.member.ID, Op: fanmail.OpRedeem})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.RedemptionID == redemptionID {
			return e.LedgerEntry
		}
	}
	t.Fatalf("no debit of redemption %d", redemptionID)
	return fanmail.LedgerEntry{}
}

// The receipt mail reaches the member, in their language, through the
// outbox.
func TestService_Redeem_ReceiptMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db).withOutbox(t)
		en := mustMember(t, db, "grace@example.com", "Grace Park", fanmail.LangEnglish)
		bag := reward(t, w, fanmail.RewardProduct, 2, 0)
		chips(t, db, w.member.ID, w.brand.ID, 3, nil)
		chips(t, db, en.ID, w.brand.ID, 2, nil)
		for i, m := range []int64{w.member.ID, en.ID} {
			if _, _, err := w.svc.Redeem(ctx, loyalty.RedeemRequest{IdempotencyKey: fmt.Sprint("mail-", i), MemberID: m,
				RewardID: bag.ID, ShopID: w.shop.ID}); err != nil {
				t.Fatal(err)
			}
		}
		msgs := w.smtp.WaitFor(t, 2, 10*time.Second)
		byTo := map[string]string{}
		for _, m := range msgs {
			byTo[m.To[0]] = m.Subject + "\n" + m.Text
		}
		for addr, wants := range map[string][]string{
			"jin72@example.com": {"교환 영수증", "에코백 (오즈세컨)", "사용한 칩: 2개", "남은 칩: 1개", "강남점"},
			"grace@example.com": {"Your redemption receipt", "Eco bag (오즈세컨)", "Chips spent: 2", "Chips left: 0", "강남점"},
		} {
			for _, want := range wants {
				if !strings.Contains(byTo[addr], want) {
					t.Errorf("receipt to %s lacks %q:\n%s", addr, want, byTo[addr])
				}
			}
			if strings.Contains(byTo[addr], "(광고)") {
				t.Errorf("the receipt to %s is marked as an ad", addr)
			}
		}
	})
}
