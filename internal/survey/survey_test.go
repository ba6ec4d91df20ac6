package survey_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/survey"
)

func keysOf(qs []fanmail.Question) []string {
	var keys []string
	for _, q := range qs {
		keys = append(keys, q.Key)
	}
	return keys
}

func TestService_EnsureDefaults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		brands := map[string]int64{}
		for _, b := range [][2]string{{"mienc", "미앤씨"}, {"ozoc", "오조크"}, {"oz-second", "오즈세컨"}, {"sj", "에스제이"}} {
			brands[b[0]] = mustBrand(t, db, b[0], b[1]).ID
		}
		svc := survey.New(db, slog.New(slog.NewTextHandler(t.Output(), nil)), survey.Options{})
		for range 2 { // the second run changes nothing
			if err := svc.EnsureDefaults(ctx); err != nil {
				t.Fatal(err)
			}
		}
		ss, err := svc.Surveys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) != 2 || ss[0].Key != "profile" || ss[1].Key != "brand-deep" || !ss[1].Active || ss[1].ChipReward != 1 || ss[1].TitleKo == "" {
			t.Errorf("surveys = %+v", ss)
		}

		profile, _ := svc.Questions(ctx, fanmail.SurveyProfile, false)
		if diff := cmp.Diff([]string{"occupation", "style", "info_sources", "wanted_info", "fashion_sites"}, keysOf(profile)); diff != "" {
			t.Errorf("profile questions (-want +got):\n%s", diff)
		}
		byKey := map[string]fanmail.Question{}
		for _, q := range profile {
			byKey[q.Key] = q
		}
		if occ := byKey["occupation"]; occ.Kind != "single" || !occ.Required || !occ.AllowOther || len(occ.Options) != 6 || occ.LabelKo != "귀하의 직업은 무엇입니까?" {
			t.Errorf("occupation = %+v", occ)
		}
		if q := byKey["info_sources"]; q.Kind != "multi" || q.MaxChoices != 3 || !q.AllowOther {
			t.Errorf("info_sources = %+v", q)
		}
		links := map[string]int64{}
		for _, o := range byKey["style"].Options {
			links[o.Value] = o.BrandID
		}
		want := map[string]int64{"feminine-cute": brands["mienc"], "urban-casual": brands["ozoc"], "simple-character": brands["oz-second"],
			"lovely-daily": brands["sj"], "modern-formal": 0, "classic-formal": 0, "sporty": 0}
		if diff := cmp.Diff(want, links); diff != "" {
			t.Errorf("style options linked to brands (-want +got):\n%s", diff)
		}

		deep, _ := svc.Questions(ctx, fanmail.SurveyBrandDeep, false)
		wantKeys := []string{"wardrobe_share", "know_brand", "buy_timing", "planned_items", "satisfaction", "recommend", "comment"}
		if diff := cmp.Diff(wantKeys, keysOf(deep)); diff != "" {
			t.Fatalf("deep survey questions (-want +got):\n%s", diff)
		}
		// The fan rule's default reads the share of wardrobe by position:
		// 31 % or more is position 2 and after.
		share := deep[0]
		var values []string
		for _, o := range share.Options {
			values = append(values, o.Value)
		}
		if diff := cmp.Diff([]string{"0-10", "11-30", "31-60", "61-plus"}, values); diff != "" || !share.Required || share.Kind != "single" {
			t.Errorf("wardrobe_share = %+v, values (-want +got):\n%s", share, diff)
		}
		for _, q := range deep[1:] {
			if q.Required {
				t.Errorf("%s is required; only the share of wardrobe is, so one press answers the survey", q.Key)
			}
		}
		if q := deep[3]; q.Kind != "multi" || q.MaxChoices != 2 || !q.AllowOther {
			t.Errorf("planned_items = %+v", q)
		}
		if q := deep[4]; q.Kind != "scale" || q.ScaleMin != 1 || q.ScaleMax != 5 || q.MaxLabelKo != "매우 만족" {
			t.Errorf("satisfaction = %+v", q)
		}
		if q := deep[5]; q.Kind != "nps" || q.ScaleMin != 0 || q.ScaleMax != 10 {
			t.Errorf("recommend = %+v", q)
		}
	})
}

func TestService_CreateSurvey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		ok := fanmail.Survey{Key: "spring-visit", TitleKo: "봄 매장 방문 설문", TitleEn: "Spring visit", BrandID: e.brand.ID, ChipReward: 2, Active: true}
		bad := []struct {
			name  string
			edit  func(s *fanmail.Survey)
			field string
		}{
			{"BadKey", func(s *fanmail.Survey) { s.Key = "Spring Visit" }, "key"},
			{"NoKoreanTitle", func(s *fanmail.Survey) { s.TitleKo = " " }, "title_ko"},
			{"NoEnglishTitle", func(s *fanmail.Survey) { s.TitleEn = "" }, "title_en"},
			{"TooManyChips", func(s *fanmail.Survey) { s.ChipReward = 101 }, "chip_reward"},
			{"NegativeChips", func(s *fanmail.Survey) { s.ChipReward = -1 }, "chip_reward"},
			{"UnknownBrand", func(s *fanmail.Survey) { s.BrandID = 99999 }, "brand_id"},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				s := ok
				tt.edit(&s)
				if _, err := e.svc.CreateSurvey(ctx, s); fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorField(err) != tt.field {
					t.Errorf("CreateSurvey = %v; want EINVALID on %s", err, tt.field)
				}
			})
		}
		sv, err := e.svc.CreateSurvey(ctx, ok)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.CreateSurvey(ctx, ok); fanmail.ErrorCode(err) != fanmail.ECONFLICT || fanmail.ErrorField(err) != "key" {
			t.Errorf("duplicate key: %v, want ECONFLICT on key", err)
		}
		sv.TitleEn, sv.Active, sv.Key = "Spring store visit", false, "renamed"
		if err := e.svc.UpdateSurvey(ctx, sv); err != nil {
			t.Fatal(err)
		}
		got, _ := e.svc.Survey(ctx, sv.ID)
		if got.Key != "spring-visit" || got.TitleEn != "Spring store visit" || got.Active || got.ChipReward != 2 || got.BrandID != e.brand.ID {
			t.Errorf("updated survey = %+v", got)
		}
		// The profile survey stays active, about no brand, without chips.
		profile, _ := e.svc.SurveyByKey(ctx, fanmail.SurveyProfile)
		profile.Active, profile.BrandID, profile.ChipReward, profile.TitleKo = false, e.brand.ID, 5, "가입 설문"
		if err := e.svc.UpdateSurvey(ctx, profile); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.svc.Survey(ctx, profile.ID); !got.Active || got.BrandID != 0 || got.ChipReward != 0 || got.TitleKo != "가입 설문" {
			t.Errorf("profile survey after editing = %+v", got)
		}
	})
}

func TestService_EditQuestions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		bad := []struct {
			q     fanmail.Question
			field string
		}{
			{fanmail.Question{Survey: "profile", Key: "Color", Kind: "single", LabelKo: "색", LabelEn: "Colour"}, "key"},
			{fanmail.Question{Survey: "profile", Key: "color", Kind: "rating", LabelKo: "색", LabelEn: "Colour"}, "kind"},
			{fanmail.Question{Survey: "profile", Key: "color", Kind: "single", LabelEn: "Colour"}, "label_ko"},
			{fanmail.Question{Survey: "profile", Key: "color", Kind: "multi", LabelKo: "색", LabelEn: "Colour", MaxChoices: -1}, "max_choices"},
			{fanmail.Question{Survey: "profile", Key: "mood", Kind: "scale", LabelKo: "기분", LabelEn: "Mood", ScaleMin: 1, ScaleMax: 5}, "kind"},
			{fanmail.Question{Survey: "brand-deep", Key: "mood", Kind: "scale", LabelKo: "기분", LabelEn: "Mood", ScaleMin: 3, ScaleMax: 3}, "scale_max"},
		}
		for _, c := range bad {
			if _, err := e.svc.CreateQuestion(ctx, c.q); fanmail.ErrorField(err) != c.field {
				t.Errorf("CreateQuestion(%+v) = %v; want an error on %s", c.q, err, c.field)
			}
		}
		if _, err := e.svc.CreateQuestion(ctx, fanmail.Question{Survey: "nope", Key: "x", Kind: "text", LabelKo: "x", LabelEn: "x"}); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("question of an unknown survey: %v", err)
		}
		if _, err := e.svc.CreateQuestion(ctx, fanmail.Question{Survey: "profile", Key: "style", Kind: "text", LabelKo: "x", LabelEn: "x"}); fanmail.ErrorCode(err) != fanmail.ECONFLICT || fanmail.ErrorField(err) != "key" {
			t.Errorf("duplicate key: %v", err)
		}
		// The same key in another survey is fine.
		mood, err := e.svc.CreateQuestion(ctx, fanmail.Question{Survey: "brand-deep", Key: "style", Kind: "scale", ScaleMin: 1, ScaleMax: 7,
			LabelKo: "스타일이 마음에 드십니까?", LabelEn: "Do you like the style?", MinLabelKo: "아니요", MinLabelEn: "No", MaxLabelKo: "네", MaxLabelEn: "Yes"})
		if err != nil {
			t.Fatal(err)
		}
		if q, _ := e.svc.Question(ctx, mood); q.Kind != "scale" || q.ScaleMax != 7 || q.MaxLabelEn != "Yes" || q.Position != 8 {
			t.Errorf("scale question = %+v", q)
		}

		id, err := e.svc.CreateQuestion(ctx, fanmail.Question{Survey: "profile", Key: "color", Kind: "multi", MaxChoices: 2, AllowOther: true,
			LabelKo: "좋아하는 색은?", LabelEn: "Favourite colours?", ScaleMax: 9})
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
		blue, _ := e.svc.AddOption(ctx, fanmail.QuestionOption{QuestionID: id, Value: "blue", LabelKo: "파랑", LabelEn: "Blue", BrandID: e.brand.ID})
		if err := e.svc.MoveOption(ctx, id, blue, -5); err != nil {
			t.Fatal(err)
		}
		q, _ := e.svc.Question(ctx, id)
		if len(q.Options) != 2 || q.Options[0].ID != blue || q.Options[0].BrandID != e.brand.ID || q.Options[1].Value != "deep-red" || q.Position != 6 || q.ScaleMax != 0 {
			t.Errorf("question = %+v", q)
		}
		q.Kind, q.LabelEn, q.Survey, q.Key = "single", "Favourite colour?", "brand-deep", "renamed"
		if err := e.svc.UpdateQuestion(ctx, q); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.MoveQuestion(ctx, id, -1); err != nil {
			t.Fatal(err)
		}
		qs, _ := e.svc.Questions(ctx, fanmail.SurveyProfile, true)
		if qs[4].ID != id || qs[4].Kind != "single" || qs[4].MaxChoices != 0 || qs[4].LabelEn != "Favourite colour?" || qs[4].Key != "color" {
			t.Errorf("edited question at position 5 = %+v", qs[4])
		}
		q.Kind = fanmail.QuestionNPS
		if err := e.svc.UpdateQuestion(ctx, q); fanmail.ErrorField(err) != "kind" {
			t.Errorf("profile question made NPS: %v", err)
		}
		if err := e.svc.SetQuestionActive(ctx, id, false); err != nil {
			t.Fatal(err)
		}
		if qs, _ := e.svc.Questions(ctx, fanmail.SurveyProfile, true); len(qs) != 5 {
			t.Errorf("%d active questions after hiding, want 5", len(qs))
		}
		for _, key := range []string{"comment", "satisfaction"} {
			if _, err := e.svc.AddOption(ctx, fanmail.QuestionOption{QuestionID: e.q[key].ID, LabelKo: "a", LabelEn: "a"}); fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Errorf("option on the %s question: %v", key, err)
			}
		}
		if err := e.svc.UpdateOption(ctx, fanmail.QuestionOption{ID: red, QuestionID: id, LabelKo: "빨간색", LabelEn: "Red"}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteOption(ctx, id, red); err != nil {
			t.Fatal(err)
		}
		// An option members chose stays: rename it instead.
		_, token := e.invite(t, e.member.ID, e.brand.ID, "welcome")
		p, err := e.svc.Page(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		share := e.option(t, "wardrobe_share", "11-30")
		if _, err := e.svc.Submit(ctx, p, []fanmail.Answer{{QuestionID: e.q["wardrobe_share"].ID, OptionIDs: []int64{share}}}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteOption(ctx, e.q["wardrobe_share"].ID, share); fanmail.ErrorCode(err) != fanmail.ECONFLICT {
			t.Errorf("deleting a chosen option: %v, want ECONFLICT", err)
		}
	})
}
