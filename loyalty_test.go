package fanmail_test

import (
	"testing"
	"time"

	"github.com/fanmail/fanmail"
)

func fnum(f float64) *float64 { return &f }

func opts(values ...string) fanmail.FanAnswer {
	var a fanmail.FanAnswer
	for i, v := range values {
		a.Options = append(a.Options, fanmail.FanOption{Value: v, Position: i})
	}
	return a
}

func TestFanRule_Decide(t *testing.T) {
	share := fanmail.FanRule{Enabled: true, Kind: fanmail.FanShareAtLeast, QuestionKey: "wardrobe_share", MinPosition: 3}
	score := fanmail.FanRule{Enabled: true, Kind: fanmail.FanScoreAtLeast, Threshold: 5,
		Points: map[string]int{"any_time": 3, "dept_events": 2, "outlet": -1, "jacket": 1}}
	surveys := fanmail.FanRule{Enabled: true, Kind: fanmail.FanSurveysAnswered, Threshold: 3}
	disabled := share
	disabled.Enabled = false
	answer := func(key string, a fanmail.FanAnswer) map[string]fanmail.FanAnswer {
		return map[string]fanmail.FanAnswer{key: a}
	}
	tests := []struct {
		name  string
		rule  fanmail.FanRule
		in    fanmail.FanInput
		isFan bool
		why   string
	}{
		{"ShareAtLeast", share, fanmail.FanInput{Answers: answer("wardrobe_share",
			fanmail.FanAnswer{Options: []fanmail.FanOption{{Value: "41-60", Position: 3}}})},
			true, "wardrobe_share=41-60 (position 3)"},
		{"ShareBelow", share, fanmail.FanInput{Answers: answer("wardrobe_share",
			fanmail.FanAnswer{Options: []fanmail.FanOption{{Value: "11-20", Position: 1}}})},
			false, "wardrobe_share=11-20 (position 1)"},
		{"ShareNumber", share, fanmail.FanInput{Answers: answer("wardrobe_share", fanmail.FanAnswer{Number: fnum(3.5)})},
			true, "wardrobe_share=3.5"},
		{"ShareUnanswered", share, fanmail.FanInput{Answers: answer("buy_when", opts("any_time"))},
			false, "wardrobe_share not answered"},
		{"ShareNoOptions", share, fanmail.FanInput{Answers: answer("wardrobe_share", fanmail.FanAnswer{})},
			false, "wardrobe_share not answered"},
		{"ScoreAtLeast", score, fanmail.FanInput{Answers: map[string]fanmail.FanAnswer{
			"buy_when": {Options: []fanmail.FanOption{{Value: "any_time"}, {Value: "dept_events"}}},
			"plan":     {Options: []fanmail.FanOption{{Value: "jacket"}, {Value: "knit"}}},
		}}, true, "score=6 [buy_when=any_time:3 buy_when=dept_events:2 plan=jacket:1]"},
		{"ScoreBelow", score, fanmail.FanInput{Answers: map[string]fanmail.FanAnswer{
			"buy_when": {Options: []fanmail.FanOption{{Value: "any_time"}, {Value: "dept_events"}, {Value: "outlet"}}},
		}}, false, "score=4 [buy_when=any_time:3 buy_when=dept_events:2 buy_when=outlet:-1]"},
		{"ScoreNothing", score, fanmail.FanInput{}, false, "score=0 []"},
		{"SurveysAnswered", surveys, fanmail.FanInput{SurveysAnswered: 3}, true, "surveys_answered=3"},
		{"SurveysTooFew", surveys, fanmail.FanInput{SurveysAnswered: 2}, false, "surveys_answered=2"},
		{"Disabled", disabled, fanmail.FanInput{SurveysAnswered: 9}, false, "rule disabled"},
		{"NoRule", fanmail.FanRule{Enabled: true}, fanmail.FanInput{}, false, "no rule"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isFan, why := tt.rule.Decide(tt.in)
			if isFan != tt.isFan || why != tt.why {
				t.Errorf("Decide = %v, %q; want %v, %q", isFan, why, tt.isFan, tt.why)
			}
		})
	}
}

func TestFanRule_String(t *testing.T) {
	tests := []struct {
		rule fanmail.FanRule
		want string
	}{
		{fanmail.FanRule{Enabled: true, Kind: fanmail.FanShareAtLeast, QuestionKey: "share", MinPosition: 4},
			"share_at_least share >= 4"},
		{fanmail.FanRule{Enabled: true, Kind: fanmail.FanScoreAtLeast, Threshold: 5, Points: map[string]int{"b": 2, "a": 1}},
			"score_at_least {a=1,b=2} >= 5"},
		{fanmail.FanRule{Kind: fanmail.FanSurveysAnswered, Threshold: 2}, "surveys_answered >= 2 (disabled)"},
	}
	for _, tt := range tests {
		if got := tt.rule.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestFanRule_Validate(t *testing.T) {
	tests := []struct {
		name  string
		rule  fanmail.FanRule
		field string
	}{
		{"OK", fanmail.FanRule{Kind: fanmail.FanShareAtLeast, QuestionKey: "share", MinPosition: 2}, ""},
		{"ErrKind", fanmail.FanRule{Kind: "vibes"}, "kind"},
		{"ErrQuestion", fanmail.FanRule{Kind: fanmail.FanShareAtLeast}, "question_key"},
		{"ErrPoints", fanmail.FanRule{Kind: fanmail.FanScoreAtLeast, Threshold: 1}, "points"},
		{"ErrPointValue", fanmail.FanRule{Kind: fanmail.FanScoreAtLeast, Threshold: 1, Points: map[string]int{"a": 5000}}, "points"},
		{"ErrThreshold", fanmail.FanRule{Kind: fanmail.FanScoreAtLeast, Points: map[string]int{"a": 1}}, "threshold"},
		{"ErrSurveys", fanmail.FanRule{Kind: fanmail.FanSurveysAnswered}, "threshold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rule.Validate()
			if fanmail.ErrorField(err) != tt.field || (tt.field != "") != (fanmail.ErrorCode(err) == fanmail.EINVALID) {
				t.Errorf("Validate() = %v, want field %q", err, tt.field)
			}
		})
	}
}

func TestLedgerEntry_ValidateIssue(t *testing.T) {
	ok := fanmail.LedgerEntry{MemberID: 1, BrandID: 2, Unit: fanmail.UnitChip, Amount: 1,
		Reason: fanmail.ReasonBrandWelcome, Ref: "welcome:member:1:brand:2"}
	tests := []struct {
		name  string
		edit  func(e *fanmail.LedgerEntry)
		field string
	}{
		{"OK", func(e *fanmail.LedgerEntry) {}, ""},
		{"OKPoints", func(e *fanmail.LedgerEntry) { e.Unit, e.Amount = fanmail.UnitPoint, 5000 }, ""},
		{"ErrMember", func(e *fanmail.LedgerEntry) { e.MemberID = 0 }, "member"},
		{"ErrUnit", func(e *fanmail.LedgerEntry) { e.Unit = "coin" }, "unit"},
		{"ErrAmount", func(e *fanmail.LedgerEntry) { e.Amount = 0 }, "amount"},
		{"ErrTooManyChips", func(e *fanmail.LedgerEntry) { e.Amount = 101 }, "amount"},
		{"ErrReason", func(e *fanmail.LedgerEntry) { e.Reason = fanmail.ReasonExpiry }, "reason"},
		{"ErrRef", func(e *fanmail.LedgerEntry) { e.Ref = " " }, "ref"},
		{"ErrExpiry", func(e *fanmail.LedgerEntry) {
			e.CreatedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			e.ExpiresAt = &e.CreatedAt
		}, "expires_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ok
			tt.edit(&e)
			if got := fanmail.ErrorField(e.ValidateIssue()); got != tt.field {
				t.Errorf("field %q, want %q", got, tt.field)
			}
		})
	}
}

func TestReward_Validate(t *testing.T) {
	cert := fanmail.Reward{Kind: fanmail.RewardCertificate, Name: "5천원 상품권", Cost: 10, Value: 5000}
	tests := []struct {
		name  string
		edit  func(r *fanmail.Reward)
		field string
	}{
		{"OK", func(r *fanmail.Reward) {}, ""},
		{"OKProduct", func(r *fanmail.Reward) { r.Kind, r.Value, r.ProductID = fanmail.RewardProduct, 0, 3 }, ""},
		{"ErrKind", func(r *fanmail.Reward) { r.Kind = "cash" }, "kind"},
		{"ErrName", func(r *fanmail.Reward) { r.Name = "" }, "name"},
		{"ErrCost", func(r *fanmail.Reward) { r.Cost = 0 }, "cost"},
		{"ErrValue", func(r *fanmail.Reward) { r.Value = 0 }, "value"},
		{"ErrCertProduct", func(r *fanmail.Reward) { r.ProductID = 3 }, "product"},
		{"ErrProductValue", func(r *fanmail.Reward) { r.Kind = fanmail.RewardProduct }, "value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cert
			tt.edit(&r)
			if got := fanmail.ErrorField(r.Validate()); got != tt.field {
				t.Errorf("field %q, want %q", got, tt.field)
			}
		})
	}
}

func TestCertificate_CanRedeem(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Second), now.Add(time.Hour)
	tests := []struct {
		name string
		c    fanmail.Certificate
		code string
	}{
		{"Issued", fanmail.Certificate{State: fanmail.CertIssued, ExpiresAt: &future}, ""},
		{"IssuedNoExpiry", fanmail.Certificate{State: fanmail.CertIssued}, ""},
		{"IssuedButDue", fanmail.Certificate{State: fanmail.CertIssued, ExpiresAt: &past}, fanmail.EEXPIRED},
		{"ExpiresNow", fanmail.Certificate{State: fanmail.CertIssued, ExpiresAt: &now}, fanmail.EEXPIRED},
		{"Redeemed", fanmail.Certificate{State: fanmail.CertRedeemed}, fanmail.ECONFLICT},
		{"Expired", fanmail.Certificate{State: fanmail.CertExpired}, fanmail.EEXPIRED},
		{"Void", fanmail.Certificate{State: fanmail.CertVoid}, fanmail.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fanmail.ErrorCode(tt.c.CanRedeem(now)); got != tt.code {
				t.Errorf("CanRedeem: %q, want %q", got, tt.code)
			}
		})
	}
}

func TestRedemption_SameRequest(t *testing.T) {
	r := fanmail.Redemption{ID: 5, MemberID: 1, RewardID: 2, CertificateID: 9, ShopID: 3, StaffID: 4, Cost: 10}
	same := fanmail.Redemption{MemberID: 1, RewardID: 2, ShopID: 3, StaffID: 4}
	if !r.SameRequest(same) {
		t.Error("a reward request without the certificate it issued is the same request")
	}
	for _, o := range []fanmail.Redemption{
		{MemberID: 7, RewardID: 2, ShopID: 3, StaffID: 4},
		{MemberID: 1, RewardID: 8, ShopID: 3, StaffID: 4},
		{MemberID: 1, RewardID: 2, ShopID: 0, StaffID: 4},
		{MemberID: 1, RewardID: 2, ShopID: 3, StaffID: 0},
	} {
		if r.SameRequest(o) {
			t.Errorf("%+v is the same request as %+v", o, r)
		}
	}
	cert := fanmail.Redemption{MemberID: 1, CertificateID: 9}
	if !cert.SameRequest(fanmail.Redemption{MemberID: 1, CertificateID: 9}) ||
		cert.SameRequest(fanmail.Redemption{MemberID: 1, CertificateID: 10}) {
		t.Error("certificate redemptions compare certificates")
	}
}

func TestLedgerEntry_ChipNumbers(t *testing.T) {
	for _, tt := range []struct {
		e    fanmail.LedgerEntry
		want string
	}{
		{fanmail.LedgerEntry{Unit: fanmail.UnitChip, Amount: 1, ChipNumber: 10001}, "No:10001"},
		{fanmail.LedgerEntry{Unit: fanmail.UnitChip, Amount: 3, ChipNumber: 10001}, "No:10001–10003"},
		{fanmail.LedgerEntry{Unit: fanmail.UnitChip, Op: fanmail.OpRedeem, Amount: -2}, ""},
		{fanmail.LedgerEntry{Unit: fanmail.UnitPoint, Amount: 500}, ""},
	} {
		if got := tt.e.ChipNumbers(); got != tt.want {
			t.Errorf("ChipNumbers(%+v) = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestDefaultFanRule_Valid(t *testing.T) {
	if err := fanmail.DefaultFanRule.Validate(); err != nil {
		t.Errorf("the default fan rule is invalid: %v", err)
	}
}
