package loyalty_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// The expiry job takes what expired from the balance, spends soonest-
// expiring chips first, expires certificates, and does nothing twice.
func TestService_ExpireDue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		now := db.Now()
		soon, later := now.Add(24*time.Hour), now.Add(48*time.Hour)
		chips(t, db, w.member.ID, w.brand.ID, 3, &soon)
		chips(t, db, w.member.ID, w.brand.ID, 2, &later)
		chips(t, db, w.member.ID, w.brand.ID, 1, nil)
		cert := certificate(t, db, w.member.ID, w.brand.ID, 10000, &soon)
		keep := certificate(t, db, w.member.ID, w.brand.ID, 10000, &later)
		bag := reward(t, w, fanmail.RewardProduct, 2, 0)
		if _, _, err := w.svc.Redeem(ctx, loyalty.RedeemRequest{IdempotencyKey: "e1", MemberID: w.member.ID, RewardID: bag.ID}); err != nil {
			t.Fatal(err)
		}

		if got, err := w.svc.ExpireDue(ctx, now); err != nil || got != (loyalty.Expired{}) {
			t.Errorf("nothing due yet: %+v, %v", got, err)
		}
		got, err := w.svc.ExpireDue(ctx, soon.Add(time.Minute))
		if err != nil || got.Entries != 1 || got.Certificates != 1 {
			t.Fatalf("first expiry: %+v, %v; want 1 entry and 1 certificate", got, err)
		}
		// 6 issued, 2 spent from the soonest; of the 3 expiring, 1 was left.
		if b := balance(t, w, w.member.ID); b != 3 {
			t.Errorf("balance after the first expiry %d, want 3", b)
		}
		if again, err := w.svc.ExpireDue(ctx, soon.Add(time.Hour)); err != nil || again != (loyalty.Expired{}) {
			t.Errorf("running again: %+v, %v; want nothing", again, err)
		}
		if c, _ := db.CertificateByID(ctx, cert.ID); c.State != fanmail.CertExpired {
			t.Errorf("expired certificate state %s", c.State)
		}
		if c, _ := db.CertificateByID(ctx, keep.ID); c.State != fanmail.CertIssued {
			t.Errorf("valid certificate state %s", c.State)
		}

		// The job runs it at the database's clock.
		db.Now = func() time.Time { return later.Add(time.Minute) }
		if err := w.svc.JobHandlers()[loyalty.JobExpire](ctx, json.RawMessage(`{}`)); err != nil {
			t.Fatal(err)
		}
		if b := balance(t, w, w.member.ID); b != 1 {
			t.Errorf("balance after the second expiry %d, want 1", b)
		}
		exp, err := w.svc.History(ctx, store.EntryFilter{MemberID: w.member.ID, Op: fanmail.OpExpire})
		if err != nil || len(exp) != 2 || exp[0].Reason != fanmail.ReasonExpiry {
			t.Errorf("expire entries: %+v, %v", exp, err)
		}
		checkSums(t, db, w.member.ID)
		if ps := w.svc.Periodic(); len(ps) != 1 || ps[0].Kind != loyalty.JobExpire || ps[0].Every != time.Hour {
			t.Errorf("periodic jobs %+v, want %s hourly", ps, loyalty.JobExpire)
		}
	})
}

// Staff reverse an issue with a note that says why; the reversal names
// them, and a spent or already reversed issue cannot be reversed.
func TestService_Reverse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		staff, err := db.CreateUser(ctx, fanmail.User{Email: "desk@example.com", Name: "김도윤", Role: fanmail.RoleAdmin,
			Lang: "ko", Active: true}, "x")
		if err != nil {
			t.Fatal(err)
		}
		issue := chips(t, db, w.member.ID, w.brand.ID, 2, nil)
		spent := chips(t, db, w.member.ID, w.brand.ID, 1, nil)

		if _, err := w.svc.Reverse(ctx, issue.ID, "   ", staff.ID); fanmail.ErrorField(err) != "note" {
			t.Errorf("blank note: %v", err)
		}
		rev, err := w.svc.Reverse(ctx, issue.ID, "중복 지급", staff.ID)
		if err != nil || rev.Amount != -2 || rev.StaffID != staff.ID || rev.ReversesID != issue.ID {
			t.Fatalf("reverse: %+v, %v", rev, err)
		}
		if _, err := w.svc.Reverse(ctx, issue.ID, "again", staff.ID); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("reversing twice: %v", err)
		}
		bag := reward(t, w, fanmail.RewardProduct, 1, 0)
		if _, _, err := w.svc.Redeem(ctx, loyalty.RedeemRequest{IdempotencyKey: "r1", MemberID: w.member.ID, RewardID: bag.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Reverse(ctx, spent.ID, "spent", staff.ID); fanmail.ErrorMessage(err) != "Not enough chips." {
			t.Errorf("reversing a spent issue: %v", err)
		}
		if _, err := w.svc.Reverse(ctx, 999999, "none", staff.ID); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("unknown entry: %v", err)
		}
		checkSums(t, db, w.member.ID)
	})
}

func TestService_Rewards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		other, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: w.brand.GroupID, Slug: "time", Name: "타임", Published: true})
		if err != nil {
			t.Fatal(err)
		}
		coat, err := db.CreateProduct(ctx, fanmail.Product{BrandID: w.brand.ID, Code: "OZ-1", Name: "울 코트", Shelf: fanmail.ShelfNew, Price: 239000})
		if err != nil {
			t.Fatal(err)
		}
		base := fanmail.Reward{BrandID: w.brand.ID, Kind: fanmail.RewardProduct, Name: "울 코트", NameEn: "Wool coat", ProductID: coat.ID, Cost: 20, Active: true}
		for _, tt := range []struct {
			name  string
			edit  func(r *fanmail.Reward)
			field string
		}{
			{"NoBrand", func(r *fanmail.Reward) { r.BrandID = 0 }, "brand"},
			{"UnknownBrand", func(r *fanmail.Reward) { r.BrandID = 9999 }, "brand"},
			{"NoName", func(r *fanmail.Reward) { r.Name = "  " }, "name"},
			{"FreeReward", func(r *fanmail.Reward) { r.Cost = 0 }, "cost"},
			{"OtherBrandsProduct", func(r *fanmail.Reward) { r.BrandID = other.ID }, "product"},
			{"UnknownProduct", func(r *fanmail.Reward) { r.ProductID = 9999 }, "product"},
			{"CertificateWithoutValue", func(r *fanmail.Reward) { r.Kind, r.ProductID = fanmail.RewardCertificate, 0 }, "value"},
		} {
			r := base
			tt.edit(&r)
			if _, err := w.svc.CreateReward(ctx, r); fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorField(err) != tt.field {
				t.Errorf("%s: %v, want invalid %s", tt.name, err, tt.field)
			}
		}
		r, err := w.svc.CreateReward(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		cost := int64(25)
		if r, err = w.svc.UpdateReward(ctx, r.ID, fanmail.RewardUpdate{Cost: &cost}); err != nil || r.Cost != 25 || r.Name != "울 코트" {
			t.Errorf("update: %+v, %v", r, err)
		}
		if _, err := w.svc.UpdateReward(ctx, 9999, fanmail.RewardUpdate{Cost: &cost}); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("update unknown: %v", err)
		}
		if rs, err := w.svc.Affordable(ctx, w.brand.ID, 24); err != nil || len(rs) != 0 {
			t.Errorf("affordable with 24 chips: %+v, %v", rs, err)
		}
		if rs, err := w.svc.Affordable(ctx, w.brand.ID, 25); err != nil || len(rs) != 1 {
			t.Errorf("affordable with 25 chips: %+v, %v", rs, err)
		}
	})
}

func TestService_FanRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		r, err := w.svc.RuleFor(ctx, w.brand.ID)
		if err != nil || r.Kind != fanmail.DefaultFanRule.Kind || !r.UpdatedAt.IsZero() || r.BrandID != w.brand.ID {
			t.Errorf("default rule: %+v, %v", r, err)
		}
		if _, err := w.svc.RuleFor(ctx, 9999); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("rule of an unknown brand: %v", err)
		}
		for name, bad := range map[string]fanmail.FanRule{
			"UnknownKind":   {BrandID: w.brand.ID, Kind: "surveys_at_most", Threshold: 1},
			"ZeroThreshold": {BrandID: w.brand.ID, Kind: fanmail.FanSurveysAnswered},
			"NoQuestion":    {BrandID: w.brand.ID, Kind: fanmail.FanShareAtLeast, MinPosition: 2},
			"NoPoints":      {BrandID: w.brand.ID, Kind: fanmail.FanScoreAtLeast, Threshold: 3},
			"UnknownBrand":  {BrandID: 9999, Kind: fanmail.FanSurveysAnswered, Threshold: 2},
		} {
			if _, err := w.svc.SetRule(ctx, bad); fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		set, err := w.svc.SetRule(ctx, fanmail.FanRule{BrandID: w.brand.ID, Enabled: true, Kind: fanmail.FanSurveysAnswered,
			Threshold: 3, QuestionKey: "left over", Points: map[string]int{"x": 1}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.svc.RuleFor(ctx, w.brand.ID)
		if err != nil || got.String() != "surveys_answered >= 3" || got.QuestionKey != "" || got.Points != nil || got.UpdatedAt.IsZero() {
			t.Errorf("stored rule: %+v (%s), %v; set %+v", got, got.String(), err, set)
		}
	})
}
