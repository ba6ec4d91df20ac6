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

func TestDB_FanRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		memFixedClock(db, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
		brand := memBrand(t, db, "casual", "8seconds", "에잇세컨즈")
		if _, err := db.FanRule(ctx, brand); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("no rule yet: %v", err)
		}
		rule := fanmail.FanRule{BrandID: brand, Enabled: true, Kind: fanmail.FanScoreAtLeast, Threshold: 4,
			Points: map[string]int{"any_time": 3, "백화점행사": 2}}
		if _, err := db.SetFanRule(ctx, rule); err != nil {
			t.Fatal(err)
		}
		rule.Kind, rule.Points, rule.QuestionKey, rule.MinPosition = fanmail.FanShareAtLeast, nil, "share", 3
		stored, err := db.SetFanRule(ctx, rule)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FanRule(ctx, brand)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(stored, got); diff != "" {
			t.Errorf("rule (-set +read):\n%s", diff)
		}
		if _, err := db.SetFanRule(ctx, fanmail.FanRule{BrandID: 9999, Kind: fanmail.FanSurveysAnswered, Threshold: 1}); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("rule of unknown brand: %v", err)
		}
	})
}

func TestDB_FanDecisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		advance := memFixedClock(db, t0)
		m := memCreate(t, db, "jiwoo@example.com", fanmail.GenderMale, 2000)
		brand := memBrand(t, db, "sports", "kolon", "코오롱스포츠")
		decide := func(d fanmail.FanDecision) (fanmail.FanDecision, bool, bool) {
			t.Helper()
			var out fanmail.FanDecision
			var created, newFan bool
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				if out, created, err = tx.RecordFanDecision(ctx, d); err != nil || !created || !d.IsFan {
					return err
				}
				newFan, err = tx.AddFanMembership(ctx, d.MemberID, d.BrandID)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return out, created, newFan
		}
		no := fanmail.FanDecision{MemberID: m.ID, BrandID: brand, Rule: "surveys_answered >= 2",
			Values: "surveys_answered=1", ResponseID: 11}
		first, created, newFan := decide(no)
		if !created || newFan || first.ID == 0 {
			t.Errorf("first decision: %+v, created %v, new fan %v", first, created, newFan)
		}
		again, created, _ := decide(fanmail.FanDecision{MemberID: m.ID, BrandID: brand, IsFan: true, ResponseID: 11})
		if created || again.IsFan || again.ID != first.ID {
			t.Errorf("repeated response decided again: %+v", again)
		}
		advance(time.Hour)
		yes := no
		yes.IsFan, yes.Values, yes.ResponseID = true, "surveys_answered=2", 12
		second, _, newFan := decide(yes)
		if !newFan {
			t.Error("first yes did not make a fan")
		}
		yes.ResponseID = 13
		_, _, newFan = decide(yes)
		if newFan {
			t.Error("second yes made a fan again")
		}
		list, err := db.FanDecisions(ctx, m.ID)
		if err != nil || len(list) != 3 || list[1].ID != second.ID {
			t.Fatalf("decisions: %+v, %v", list, err)
		}
		if diff := cmp.Diff(second, list[1]); diff != "" {
			t.Errorf("decision (-recorded +read):\n%s", diff)
		}
		fans, err := db.FanMemberships(ctx, m.ID)
		want := []fanmail.FanMembership{{MemberID: m.ID, BrandID: brand, Since: t0.Add(time.Hour)}}
		if diff := cmp.Diff(want, fans); err != nil || diff != "" {
			t.Errorf("memberships (-want +got):\n%s %v", diff, err)
		}
	})
}
