package survey_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/survey"
)

// TestService_SubmitRefused sends answers that do not fit their questions:
// each is refused naming the question, and nothing is recorded.
func TestService_SubmitRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		_, token := e.invite(t, e.member.ID, e.brand.ID, "welcome")
		p, err := e.svc.Page(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		share := fanmail.Answer{QuestionID: e.q["wardrobe_share"].ID, OptionIDs: []int64{e.option(t, "wardrobe_share", "31-60")}}
		ans := func(key string, a fanmail.Answer) []fanmail.Answer {
			a.QuestionID = e.q[key].ID
			return []fanmail.Answer{share, a}
		}
		tests := []struct {
			name    string
			answers []fanmail.Answer
			field   string
		}{
			{"RequiredMissing", []fanmail.Answer{{QuestionID: e.q["comment"].ID, Text: "좋아요"}}, "q_wardrobe_share"},
			{"TwoPicksOfSingle", []fanmail.Answer{{QuestionID: e.q["wardrobe_share"].ID,
				OptionIDs: []int64{e.option(t, "wardrobe_share", "0-10"), e.option(t, "wardrobe_share", "61-plus")}}}, "q_wardrobe_share"},
			{"OptionOfAnotherQuestion", ans("know_brand", fanmail.Answer{OptionIDs: []int64{e.option(t, "buy_timing", "sales")}}), "q_know_brand"},
			{"ThreeOfPickUpToTwo", ans("planned_items", fanmail.Answer{OptionIDs: []int64{
				e.option(t, "planned_items", "suit"), e.option(t, "planned_items", "knit"), e.option(t, "planned_items", "jeans")}}), "q_planned_items"},
			{"TwoAndOtherOfPickUpToTwo", ans("planned_items", fanmail.Answer{OptionIDs: []int64{
				e.option(t, "planned_items", "suit"), e.option(t, "planned_items", "knit")}, Other: true, Text: "코트"}), "q_planned_items"},
			{"OtherUnexplained", ans("buy_timing", fanmail.Answer{Other: true}), "q_buy_timing"},
			{"ScaleAbove", ans("satisfaction", fanmail.Answer{Number: num(6)}), "q_satisfaction"},
			{"ScaleBelow", ans("satisfaction", fanmail.Answer{Number: num(0)}), "q_satisfaction"},
			{"NPSEleven", ans("recommend", fanmail.Answer{Number: num(11)}), "q_recommend"},
			{"NumberForText", ans("comment", fanmail.Answer{Number: num(3)}), "q_comment"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := e.svc.Submit(ctx, p, tt.answers)
				if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorField(err) != tt.field {
					t.Errorf("Submit = %v; want EINVALID on %s", err, tt.field)
				}
			})
		}
		// Every refused answer is named at once, in question order.
		_, err = e.svc.Submit(ctx, p, []fanmail.Answer{{QuestionID: e.q["satisfaction"].ID, Number: num(9)}, {QuestionID: e.q["buy_timing"].ID, Other: true}})
		var errs fanmail.AnswerErrors
		if !errors.As(err, &errs) {
			t.Fatalf("Submit = %v, want AnswerErrors", err)
		}
		var fields []string
		for _, x := range errs {
			fields = append(fields, x.Field)
		}
		if diff := cmp.Diff([]string{"q_wardrobe_share", "q_buy_timing", "q_satisfaction"}, fields); diff != "" {
			t.Errorf("refused questions (-want +got):\n%s", diff)
		}
		if _, err := e.svc.Submit(ctx, p, []fanmail.Answer{share, {QuestionID: 99999, Text: "?"}}); fanmail.ErrorField(err) != "answers" {
			t.Errorf("answer to an unknown question: %v", err)
		}
		for _, table := range []string{"survey_responses", "survey_answers", "survey_answer_counts", "flow_events"} {
			if n := countRows(t, db, table); n != 0 {
				t.Errorf("%d rows in %s after refused answers, want 0", n, table)
			}
		}
		if _, err := e.svc.Page(ctx, token); err != nil {
			t.Errorf("the link after refused answers: %v, want still usable", err)
		}
	})
}

// TestService_Submit answers the deep survey: the answers are stored typed,
// counted by gender and age band, the invitation is answered, the link
// spent, and SurveyAnswered carries the values to the fan program.
func TestService_Submit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		inv, token := e.invite(t, e.member.ID, e.brand.ID, "welcome")
		p, err := e.svc.Page(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if p.Brand != "오즈세컨" || p.Survey.Key != "brand-deep" || len(p.Questions) != 7 || p.Lang != "ko" || p.MemberName != "김지은" {
			t.Errorf("page = brand %q, survey %q, %d questions, lang %q, name %q", p.Brand, p.Survey.Key, len(p.Questions), p.Lang, p.MemberName)
		}
		form := url.Values{}
		id := func(key string) string { return "q_" + strconv.FormatInt(e.q[key].ID, 10) }
		opt := func(key, value string) string { return strconv.FormatInt(e.option(t, key, value), 10) }
		form.Set(id("wardrobe_share"), opt("wardrobe_share", "31-60"))
		form.Set(id("know_brand"), "other")
		form.Set(id("know_brand")+"_text", "  백화점 팝업 스토어  ")
		form[id("planned_items")] = []string{opt("planned_items", "knit"), opt("planned_items", "dress"), opt("planned_items", "knit")}
		form.Set(id("satisfaction"), "4")
		form.Set(id("recommend"), "9")
		form.Set(id("comment"), "ignored: a text question has no choices")
		form.Set(id("comment")+"_text", "니트 색상이 더 다양했으면 좋겠어요.")
		r, err := e.svc.Submit(ctx, p, p.AnswersFromForm(form))
		if err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 || r.InvitationID != inv.ID || r.MemberID != e.member.ID || r.BrandID != e.brand.ID || r.SurveyID != e.deep.ID {
			t.Errorf("response = %+v", r)
		}

		rs, err := e.svc.ResponsesOfMember(ctx, e.member.ID)
		if err != nil || len(rs) != 1 {
			t.Fatalf("responses = %v, %v", rs, err)
		}
		want := []fanmail.AnsweredValue{
			{Question: "wardrobe_share", Options: []string{"31-60"}},
			{Question: "know_brand", Other: true, Text: "백화점 팝업 스토어"},
			{Question: "planned_items", Options: []string{"knit", "dress"}},
			{Question: "satisfaction", Number: num(4)},
			{Question: "recommend", Number: num(9)},
			{Question: "comment", Text: "니트 색상이 더 다양했으면 좋겠어요."},
		}
		if diff := cmp.Diff(want, rs[0].Values); diff != "" {
			t.Errorf("stored answers (-want +got):\n%s", diff)
		}
		if rs[0].Survey.Key != "brand-deep" || rs[0].InvitationID != inv.ID || rs[0].BrandID != e.brand.ID || !rs[0].SubmittedAt.Equal(e.now) {
			t.Errorf("stored response = %+v", rs[0].SurveyResponse)
		}

		sum, err := e.svc.Summary(ctx, e.deep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Responses != 1 || sum.Genders[0] != "female" || sum.AgeBands[2] != "21-23" {
			t.Errorf("summary: %d responses, genders %v, bands %v", sum.Responses, sum.Genders, sum.AgeBands)
		}
		counted := map[string]int64{}
		for _, qs := range sum.Questions {
			for _, row := range qs.Rows {
				label := row.Value
				if row.Number != nil {
					label = strconv.Itoa(*row.Number)
				}
				if n := row.Count("female", "21-23"); n != 0 || row.Total != 0 {
					counted[qs.Question.Key+"="+label] = n
				}
			}
		}
		wantCounts := map[string]int64{"wardrobe_share=31-60": 1, "know_brand=other": 1, "planned_items=knit": 1,
			"planned_items=dress": 1, "satisfaction=4": 1, "recommend=9": 1}
		if diff := cmp.Diff(wantCounts, counted); diff != "" {
			t.Errorf("counts of women aged 21-23 (-want +got):\n%s", diff)
		}

		got, _ := db.InvitationByID(ctx, inv.ID)
		if got.Status != fanmail.InvitationAnswered || got.AnsweredAt == nil {
			t.Errorf("invitation after answering = %+v", got)
		}
		evs, err := db.PendingEvents(ctx, 10)
		if err != nil || len(evs) != 1 || evs[0].Kind != fanmail.EventSurveyAnswered {
			t.Fatalf("events = %+v, %v; want one survey_answered", evs, err)
		}
		var ev fanmail.SurveyAnswered
		if err := json.Unmarshal(evs[0].Payload, &ev); err != nil {
			t.Fatal(err)
		}
		wantEv := fanmail.SurveyAnswered{ResponseID: r.ID, InvitationID: inv.ID, SurveyID: e.deep.ID, MemberID: e.member.ID,
			BrandID: e.brand.ID, Answers: want}
		if diff := cmp.Diff(wantEv, ev); diff != "" {
			t.Errorf("event (-want +got):\n%s", diff)
		}

		// The link is spent: opening it again or posting the same page
		// again records nothing more.
		if _, err := e.svc.Page(ctx, token); !errors.Is(err, survey.ErrAnswered) {
			t.Errorf("Page after answering = %v, want ErrAnswered", err)
		}
		if _, err := e.svc.Submit(ctx, p, p.AnswersFromForm(form)); fanmail.ErrorCode(err) != fanmail.EEXPIRED {
			t.Errorf("Submit again = %v, want EEXPIRED", err)
		}
		if n := countRows(t, db, "survey_responses"); n != 1 {
			t.Errorf("%d responses after a second submit, want 1", n)
		}
		th, err := e.svc.Thanks(ctx, token)
		if err != nil || !th.Answered() || th.Brand != "오즈세컨" {
			t.Errorf("Thanks = answered %v, brand %q, %v", th.Answered(), th.Brand, err)
		}
	})
}

// TestService_Page checks the answer page: pre-filling from the mail
// records nothing; forged, misdirected, expired and closed links are
// refused.
func TestService_Page(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		inv, token := e.invite(t, e.member.ID, e.brand.ID, "welcome")
		share := e.q["wardrobe_share"]
		qid := strconv.FormatInt(share.ID, 10)
		for range 3 { // a link scanner opens every one-click link
			p, err := e.svc.Page(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Prefill(qid, "61-plus") || !p.Prefilled || !p.Chose(share.ID, e.option(t, "wardrobe_share", "61-plus")) {
				t.Errorf("prefill 61-plus: answers %+v", p.Answers)
			}
		}
		for _, table := range []string{"survey_responses", "survey_answers", "survey_answer_counts", "flow_events"} {
			if n := countRows(t, db, table); n != 0 {
				t.Errorf("%d rows in %s after opening the page, want 0", n, table)
			}
		}
		if got, _ := db.InvitationByID(ctx, inv.ID); got.Status != fanmail.InvitationSent {
			t.Errorf("invitation after opening the page: %s, want sent", got.Status)
		}

		p, _ := e.svc.Page(ctx, token)
		nps := strconv.FormatInt(e.q["recommend"].ID, 10)
		for _, c := range [][2]string{{qid, "200-percent"}, {qid, ""}, {"x", "0-10"}, {"99999", "0-10"}, {nps, "11"}, {nps, "ten"}} {
			if p.Prefill(c[0], c[1]) || p.Prefilled || len(p.Answers) != 0 {
				t.Errorf("Prefill(%q, %q) picked %+v", c[0], c[1], p.Answers)
			}
		}
		if !p.Prefill(nps, "10") || !p.ChoseNumber(e.q["recommend"].ID, 10) {
			t.Errorf("Prefill of an NPS answer: %+v", p.Answers)
		}

		// Forged, garbled and misdirected links.
		other := mustMember(t, db, fanmail.Member{Email: "minho@example.com", Name: "이민호", Gender: fanmail.GenderMale, BirthYear: 1990})
		_, otherToken := e.invite(t, other.ID, e.brand.ID, "welcome")
		payload, sig, _ := strings.Cut(token, ".")
		_, otherSig, _ := strings.Cut(otherToken, ".")
		for name, tok := range map[string]string{
			"Garbled":      "not-a-token",
			"Empty":        "",
			"SignatureCut": payload + "." + sig[:len(sig)-2],
			"OtherSig":     payload + "." + otherSig,
			"Truncated":    token[:len(token)/2],
		} {
			if _, err := e.svc.Page(ctx, tok); fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Errorf("%s token: %v, want EINVALID", name, err)
			}
		}

		// A closed survey, then an expired link.
		deep := e.deep
		deep.Active = false
		if err := e.svc.UpdateSurvey(ctx, deep); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Page(ctx, token); !errors.Is(err, survey.ErrClosed) {
			t.Errorf("Page of a closed survey = %v, want ErrClosed", err)
		}
		deep.Active = true
		if err := e.svc.UpdateSurvey(ctx, deep); err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(survey.DefaultInvitationTTL + time.Minute)
		p, err := e.svc.Page(ctx, token)
		if fanmail.ErrorCode(err) != fanmail.EEXPIRED {
			t.Errorf("Page after 30 days = %v, want EEXPIRED", err)
		}
		if p.Lang != "ko" {
			t.Errorf("expired page lang %q, want the member's ko", p.Lang)
		}
	})
}
