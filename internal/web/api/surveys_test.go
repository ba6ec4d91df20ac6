package api

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/survey"
)

// withSurveys gives e's API a survey service and returns it.
func (e *testEnv) withSurveys(t *testing.T) *survey.Service {
	t.Helper()
	logger := testLogger(t)
	svc := survey.New(e.db, logger, survey.Options{})
	cfg := config.Default()
	cfg.BaseURL = "http://fanmail.test"
	e.mux = http.NewServeMux()
	New(Deps{Config: cfg, Logger: logger, Staff: e.staff, Members: e.members, Catalog: e.catalog, Surveys: svc, Access: e.access}).Routes(e.mux)
	return svc
}

// answerDeep invites m to the deep survey about brand and answers it.
func answerDeep(t *testing.T, db *store.DB, svc *survey.Service, m fanmail.Member, brand int64, answers func(qs map[string]fanmail.Question) []fanmail.Answer) {
	t.Helper()
	ctx := context.Background()
	var inv fanmail.SurveyInvitation
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		inv, err = svc.InviteTx(ctx, tx, survey.Invite{SurveyKey: fanmail.SurveyBrandDeep, MemberID: m.ID, BrandID: brand, Cause: "test"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	token, err := svc.Token(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Page(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	qs := map[string]fanmail.Question{}
	for _, q := range p.Questions {
		qs[q.Key] = q
	}
	if _, err := svc.Submit(ctx, p, answers(qs)); err != nil {
		t.Fatal(err)
	}
}

func TestAPI_Surveys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		svc := e.withSurveys(t)
		db.Now = func() time.Time { return time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC) }
		brand := e.mustBrand(t, e.mustGroup(t, "casual", "캐주얼").ID, "ozsecond", "오즈세컨")
		m := e.mustMember(t, "jieun@example.com", "김지은") // female, born 1992: 34 in 2026
		if err := svc.EnsureDefaults(context.Background()); err != nil {
			t.Fatal(err)
		}
		answerDeep(t, db, svc, m, brand.ID, func(qs map[string]fanmail.Question) []fanmail.Answer {
			share, _ := qs["wardrobe_share"].OptionByValue("31-60")
			knit, _ := qs["planned_items"].OptionByValue("knit")
			nine := 9
			return []fanmail.Answer{
				{QuestionID: qs["wardrobe_share"].ID, OptionIDs: []int64{share.ID}},
				{QuestionID: qs["planned_items"].ID, OptionIDs: []int64{knit.ID}, Other: true, Text: "트렌치코트"},
				{QuestionID: qs["recommend"].ID, Number: &nine},
				{QuestionID: qs["comment"].ID, Text: "매장이 더 많았으면 좋겠어요"},
			}
		})
		marketer := e.token(t, fanmail.RoleMarketer)
		counsellor := e.token(t, fanmail.RoleCounsellor)

		var surveys list[surveyJSON]
		e.call(t, request{method: "GET", path: "/api/v1/surveys", token: marketer}, http.StatusOK, &surveys)
		if len(surveys.Data) != 2 || surveys.Data[1].Key != "brand-deep" || surveys.Data[1].ChipReward != 1 || surveys.Data[1].BrandID != nil {
			t.Fatalf("surveys = %+v", surveys.Data)
		}
		deepID := surveys.Data[1].ID
		wantError(t, e.do(t, request{method: "GET", path: "/api/v1/surveys", token: counsellor}), http.StatusForbidden, fanmail.EFORBIDDEN, "")

		var detail surveyDetailJSON
		e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/surveys/%d", deepID), token: marketer}, http.StatusOK, &detail)
		if len(detail.Questions) != 7 || detail.Key != "brand-deep" {
			t.Fatalf("survey detail = %+v", detail)
		}
		sat := detail.Questions[4]
		if sat.Key != "satisfaction" || sat.Kind != "scale" || sat.ScaleMin == nil || *sat.ScaleMin != 1 || *sat.ScaleMax != 5 || len(sat.Options) != 0 {
			t.Errorf("satisfaction = %+v", sat)
		}
		if q := detail.Questions[0]; q.ScaleMin != nil || len(q.Options) != 4 || q.Options[2].Value != "31-60" || !q.Required {
			t.Errorf("wardrobe_share = %+v", q)
		}
		wantError(t, e.do(t, request{method: "GET", path: "/api/v1/surveys/99999", token: marketer}), http.StatusNotFound, fanmail.ENOTFOUND, "")

		var res resultsJSON
		e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/surveys/%d/results", deepID), token: marketer}, http.StatusOK, &res)
		if res.Responses != 1 || res.SurveyID != deepID || len(res.Questions) != 7 || res.Genders[0] != "female" {
			t.Fatalf("results = %+v", res)
		}
		share := res.Questions[0]
		if len(share.Rows) != 4 || share.Rows[2].Value != "31-60" || share.Rows[2].Total != 1 ||
			!cmp.Equal(share.Rows[2].Counts, []cellJSON{{Gender: "female", AgeBand: "30-34", Count: 1}}) || len(share.Rows[0].Counts) != 0 {
			t.Errorf("wardrobe_share results = %+v", share)
		}
		items := res.Questions[3].Rows
		if other := items[len(items)-1]; !other.Other || other.Value != "other" || other.Total != 1 || other.OptionID != nil {
			t.Errorf("planned_items other row = %+v", other)
		}
		nps := res.Questions[5].Rows
		if len(nps) != 11 || nps[9].Number == nil || *nps[9].Number != 9 || nps[9].Total != 1 || nps[9].Value != "" {
			t.Errorf("recommend rows = %+v", nps)
		}
		if rows := res.Questions[6].Rows; len(rows) != 0 {
			t.Errorf("free-text question has %d rows, want none", len(rows))
		}

		var rs list[responseJSON]
		e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/members/%d/survey-responses", m.ID), token: counsellor}, http.StatusOK, &rs)
		if len(rs.Data) != 1 || rs.Data[0].SurveyKey != "brand-deep" || rs.Data[0].BrandID == nil || *rs.Data[0].BrandID != brand.ID || rs.Data[0].InvitationID == nil {
			t.Fatalf("responses = %+v", rs.Data)
		}
		var got []string
		for _, a := range rs.Data[0].Answers {
			n := ""
			if a.Number != nil {
				n = fmt.Sprint(*a.Number)
			}
			got = append(got, fmt.Sprintf("%s %v %s %q %v", a.Question, a.Options, n, a.Text, a.Other))
		}
		want := []string{`wardrobe_share [31-60]  "" false`, `planned_items [knit]  "트렌치코트" true`, `recommend [] 9 "" false`, `comment []  "매장이 더 많았으면 좋겠어요" false`}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("typed answers (-want +got):\n%s", diff)
		}
		wantError(t, e.do(t, request{method: "GET", path: "/api/v1/members/99999/survey-responses", token: counsellor}), http.StatusNotFound, fanmail.ENOTFOUND, "")
		wantError(t, e.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/members/%d/survey-responses?limit=x", m.ID), token: counsellor}),
			http.StatusBadRequest, fanmail.EINVALID, "limit")

		// A server built without surveys says so.
		e2 := newEnv(t, db)
		wantError(t, e2.do(t, request{method: "GET", path: "/api/v1/surveys", token: marketer}), http.StatusServiceUnavailable, fanmail.EUNAVAILABLE, "")
	})
}
