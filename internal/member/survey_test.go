package member_test

import (
	"context"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestService_EditSurvey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		bad := []struct {
			q     fanmail.Question
			field string
		}{
			{fanmail.Question{Key: "Color", Kind: "single", LabelKo: "색", LabelEn: "Colour"}, "key"},
			{fanmail.Question{Key: "color", Kind: "rating", LabelKo: "색", LabelEn: "Colour"}, "kind"},
			{fanmail.Question{Key: "color", Kind: "single", LabelEn: "Colour"}, "label_ko"},
			{fanmail.Question{Key: "color", Kind: "multi", LabelKo: "색", LabelEn: "Colour", MaxChoices: -1}, "max_choices"},
		}
		for _, c := range bad {
			if _, err := e.svc.CreateQuestion(ctx, c.q); fanmail.ErrorField(err) != c.field {
				t.Errorf("CreateQuestion(%+v) = %v; want an error on %s", c.q, err, c.field)
			}
		}
		if _, err := e.svc.CreateQuestion(ctx, fanmail.Question{Key: "style", Kind: "text", LabelKo: "x", LabelEn: "x"}); fanmail.ErrorCode(err) != fanmail.ECONFLICT || fanmail.ErrorField(err) != "key" {
			t.Errorf("duplicate key: %v", err)
		}
		id, err := e.svc.CreateQuestion(ctx, fanmail.Question{Key: "color", Kind: "multi", MaxChoices: 2, AllowOther: true,
			LabelKo: "좋아하는 색은?", LabelEn: "Favourite colours?"})
		if err != nil {
			t.Fatal(err)
		}
		red, err := e.svc.AddOption(ctx, fanmail.QuestionOption{QuestionID: id, LabelKo: "빨강", LabelEn: "Deep Red"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AddOption(ctx, fanmail.QuestionOption{QuestionID: id, LabelKo: "진홍", LabelEn: "deep red!"}); fanmail.ErrorField(err) != "value" {
			t.Errorf("option with the same derived value: %v", err)
		}
		blue, _ := e.svc.AddOption(ctx, fanmail.QuestionOption{QuestionID: id, Value: "blue", LabelKo: "파랑", LabelEn: "Blue", BrandID: e.mienc})
		if err := e.svc.MoveOption(ctx, id, blue, -5); err != nil {
			t.Fatal(err)
		}
		q, _ := e.svc.Question(ctx, id)
		if len(q.Options) != 2 || q.Options[0].ID != blue || q.Options[0].BrandID != e.mienc || q.Options[1].Value != "deep-red" || q.Position != 6 {
			t.Errorf("question = %+v", q)
		}
		q.Kind, q.LabelEn = "single", "Favourite colour?"
		if err := e.svc.UpdateQuestion(ctx, q); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.MoveQuestion(ctx, id, -1); err != nil {
			t.Fatal(err)
		}
		qs, _ := e.svc.ProfileQuestions(ctx)
		if qs[4].ID != id || qs[4].Kind != "single" || qs[4].MaxChoices != 0 || qs[4].LabelEn != "Favourite colour?" {
			t.Errorf("edited question at position 5 = %+v", qs[4])
		}
		if err := e.svc.SetQuestionActive(ctx, id, false); err != nil {
			t.Fatal(err)
		}
		if qs, _ := e.svc.ProfileQuestions(ctx); len(qs) != 5 {
			t.Errorf("%d active questions after deactivating, want 5", len(qs))
		}
		textQ := e.questions["fashion_sites"].ID
		if _, err := e.svc.AddOption(ctx, fanmail.QuestionOption{QuestionID: textQ, LabelKo: "a", LabelEn: "a"}); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("option on a text question: %v", err)
		}
		if err := e.svc.UpdateOption(ctx, fanmail.QuestionOption{ID: red, QuestionID: id, LabelKo: "빨간색", LabelEn: "Red"}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteOption(ctx, id, red); err != nil {
			t.Fatal(err)
		}
		// An option members chose stays.
		if _, err := e.svc.Register(ctx, e.minji(t)); err != nil {
			t.Fatal(err)
		}
		occ := e.option(t, "occupation", "office-professional")
		if err := e.svc.DeleteOption(ctx, e.questions["occupation"].ID, occ); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("deleting a chosen option: %v, want ECONFLICT", err)
		}
	})
}
