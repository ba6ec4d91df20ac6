package fanmail_test

import (
	"testing"

	"github.com/fanmail/fanmail"
)

func num(n int) *int { return &n }

// deepSurvey holds one question of each kind, in Korean and English.
var (
	share = fanmail.Question{Key: "wardrobe_share", Kind: fanmail.QuestionSingle, Required: true,
		LabelKo: "이 브랜드 옷의 비중은?", LabelEn: "Share of your wardrobe?",
		Options: []fanmail.QuestionOption{{ID: 1, Value: "0-10"}, {ID: 2, Value: "11-30"}, {ID: 3, Value: "31-60"}, {ID: 4, Value: "61+"}}}
	timing = fanmail.Question{Key: "buy_timing", Kind: fanmail.QuestionSingle, AllowOther: true,
		Options: []fanmail.QuestionOption{{ID: 5, Value: "any-time"}, {ID: 6, Value: "sales"}}}
	items = fanmail.Question{Key: "planned_items", Kind: fanmail.QuestionMulti, MaxChoices: 2, AllowOther: true,
		Options: []fanmail.QuestionOption{{ID: 7, Value: "suit"}, {ID: 8, Value: "skirt"}, {ID: 9, Value: "knit"}}}
	sites     = fanmail.Question{Key: "fashion_sites", Kind: fanmail.QuestionText, Required: true}
	mood      = fanmail.Question{Key: "mood", Kind: fanmail.QuestionScale, ScaleMin: 1, ScaleMax: 5, Required: true}
	recommend = fanmail.Question{Key: "recommend", Kind: fanmail.QuestionNPS}
)

func TestQuestion_ValidateAnswer(t *testing.T) {
	tests := []struct {
		name string
		q    fanmail.Question
		a    fanmail.Answer
		ok   bool
	}{
		{"SingleOK", share, fanmail.Answer{OptionIDs: []int64{3}}, true},
		{"SingleTwoPicks", share, fanmail.Answer{OptionIDs: []int64{1, 2}}, false},
		{"SingleOutsideOptions", share, fanmail.Answer{OptionIDs: []int64{7}}, false},
		{"SingleRequiredMissing", share, fanmail.Answer{}, false},
		{"SingleNoOtherOption", share, fanmail.Answer{Other: true, Text: "가끔"}, false},
		{"SingleNumber", share, fanmail.Answer{Number: num(3)}, false},
		{"OptionalEmpty", timing, fanmail.Answer{}, true},
		{"OtherExplained", timing, fanmail.Answer{Other: true, Text: "아울렛 행사 때만"}, true},
		{"OtherWithoutText", timing, fanmail.Answer{Other: true}, false},
		{"OtherAndOption", timing, fanmail.Answer{OptionIDs: []int64{5}, Other: true, Text: "둘 다"}, false},
		{"MultiTwo", items, fanmail.Answer{OptionIDs: []int64{7, 9}}, true},
		{"MultiOneAndOther", items, fanmail.Answer{OptionIDs: []int64{8}, Other: true, Text: "코트"}, true},
		{"MultiThree", items, fanmail.Answer{OptionIDs: []int64{7, 8, 9}}, false},
		{"MultiTwoAndOther", items, fanmail.Answer{OptionIDs: []int64{7, 8}, Other: true, Text: "코트"}, false},
		{"MultiSameTwice", items, fanmail.Answer{OptionIDs: []int64{7, 7}}, false},
		{"TextOK", sites, fanmail.Answer{Text: "무신사"}, true},
		{"TextRequiredMissing", sites, fanmail.Answer{}, false},
		{"TextWithOption", sites, fanmail.Answer{Text: "무신사", OptionIDs: []int64{1}}, false},
		{"ScaleOK", mood, fanmail.Answer{Number: num(5)}, true},
		{"ScaleBelow", mood, fanmail.Answer{Number: num(0)}, false},
		{"ScaleAbove", mood, fanmail.Answer{Number: num(6)}, false},
		{"ScaleRequiredMissing", mood, fanmail.Answer{}, false},
		{"ScaleWithOption", mood, fanmail.Answer{Number: num(2), OptionIDs: []int64{1}}, false},
		{"NPSZero", recommend, fanmail.Answer{Number: num(0)}, true},
		{"NPSTen", recommend, fanmail.Answer{Number: num(10)}, true},
		{"NPSEleven", recommend, fanmail.Answer{Number: num(11)}, false},
		{"NPSOptionalMissing", recommend, fanmail.Answer{}, true},
		{"NPSText", recommend, fanmail.Answer{Text: "글쎄요"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.q.ValidateAnswer(tt.a)
			if tt.ok && err != nil {
				t.Fatalf("ValidateAnswer = %v, want nil", err)
			}
			if !tt.ok {
				if fanmail.ErrorCode(err) != fanmail.EINVALID {
					t.Fatalf("ValidateAnswer = %v, want EINVALID", err)
				}
				if got, want := fanmail.ErrorField(err), "q_"+tt.q.Key; got != want {
					t.Errorf("field = %q, want %q", got, want)
				}
			}
		})
	}
}

func TestQuestion_Validate(t *testing.T) {
	ok := fanmail.Question{Kind: fanmail.QuestionScale, LabelKo: "만족도", LabelEn: "Satisfaction", ScaleMin: 1, ScaleMax: 5}
	tests := []struct {
		name  string
		edit  func(q *fanmail.Question)
		field string
	}{
		{"OK", func(q *fanmail.Question) {}, ""},
		{"UnknownKind", func(q *fanmail.Question) { q.Kind = "rank" }, "kind"},
		{"NoKorean", func(q *fanmail.Question) { q.LabelKo = "" }, "label_ko"},
		{"ScaleOneStep", func(q *fanmail.Question) { q.ScaleMax = 1 }, "scale_max"},
		{"ScaleTooLong", func(q *fanmail.Question) { q.ScaleMax = 11 }, "scale_max"},
		{"TooManyPicks", func(q *fanmail.Question) { q.Kind, q.MaxChoices = fanmail.QuestionMulti, 51 }, "max_choices"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := ok
			tt.edit(&q)
			if got := fanmail.ErrorField(q.Validate()); got != tt.field {
				t.Errorf("Validate field = %q, want %q", got, tt.field)
			}
		})
	}
}

func TestQuestion_Normalize(t *testing.T) {
	q := fanmail.Question{Kind: fanmail.QuestionNPS, MaxChoices: 2, AllowOther: true}.Normalize()
	if q.MaxChoices != 0 || q.AllowOther || q.ScaleMin != 0 || q.ScaleMax != 10 {
		t.Errorf("Normalize(nps) = %+v", q)
	}
	if got := len(q.Numbers()); got != 11 {
		t.Errorf("NPS offers %d numbers, want 11", got)
	}
}

func TestCheckAnswers(t *testing.T) {
	qs := []fanmail.Question{share, timing, items, sites, mood, recommend}
	clean, err := fanmail.CheckAnswers(qs, []fanmail.Answer{
		{QuestionID: 0, OptionIDs: []int64{3, 3}},
		{QuestionID: 0},
	})
	if fanmail.ErrorField(err) != "answers" || clean != nil {
		t.Errorf("a question answered twice: %v", err)
	}
	ids := func(qs []fanmail.Question) []fanmail.Question {
		out := make([]fanmail.Question, len(qs))
		for i, q := range qs {
			q.ID = int64(i + 1)
			out[i] = q
		}
		return out
	}
	qs = ids(qs)
	clean, err = fanmail.CheckAnswers(qs, []fanmail.Answer{
		{QuestionID: 1, OptionIDs: []int64{3, 3}},
		{QuestionID: 2, OptionIDs: []int64{5}, Text: "dropped: no other picked"},
		{QuestionID: 4, Text: "  무신사  "},
		{QuestionID: 5, Number: num(4)},
		{QuestionID: 6},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(clean) != 4 || len(clean[0].OptionIDs) != 1 || clean[1].Text != "" || clean[2].Text != "무신사" || *clean[3].Number != 4 {
		t.Errorf("cleaned answers = %+v", clean)
	}
	_, err = fanmail.CheckAnswers(qs, []fanmail.Answer{{QuestionID: 3, OptionIDs: []int64{7, 8, 9}}, {QuestionID: 5, Number: num(9)}})
	errs, ok := err.(fanmail.AnswerErrors)
	if !ok || len(errs) != 4 || fanmail.ErrorField(err) != "q_wardrobe_share" || errs.For("q_mood") == nil || errs.For("q_planned_items") == nil || errs.For("q_fashion_sites") == nil {
		t.Errorf("CheckAnswers = %v; want the share, items, sites and mood refused", err)
	}
	if _, err := fanmail.CheckAnswers(qs, []fanmail.Answer{{QuestionID: 1, OptionIDs: []int64{1}}, {QuestionID: 4, Text: "x"}, {QuestionID: 5, Number: num(1)}, {QuestionID: 77}}); fanmail.ErrorField(err) != "answers" {
		t.Errorf("an unknown question: %v", err)
	}
}
