package admin_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/survey"
)

// ensureSurveys stores the default surveys and returns a survey service.
func ensureSurveys(t *testing.T, db *store.DB) *survey.Service {
	t.Helper()
	svc := survey.New(db, slog.New(slog.NewTextHandler(t.Output(), nil)), survey.Options{})
	if err := svc.EnsureDefaults(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc
}

// idAfter returns the id in a Location such as /admin/questions/12?flash=….
func idAfter(t *testing.T, location, prefix string) int64 {
	t.Helper()
	rest, ok := strings.CutPrefix(location, prefix)
	if !ok {
		t.Fatalf("location %q does not start with %s", location, prefix)
	}
	rest, _, _ = strings.Cut(rest, "?")
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		t.Fatalf("location %q: %v", location, err)
	}
	return id
}

func TestSurveyEditor(t *testing.T) {
	e := newShopEnv(t, storetest.OpenSQLite(t))
	ctx := context.Background()
	c := e.staffUser(t, "mina@example.com", fanmail.RoleMarketer, 0)
	profile, _ := e.surveys.SurveyByKey(ctx, fanmail.SurveyProfile)
	profilePath := fmt.Sprintf("/admin/surveys/%d", profile.ID)

	if res := e.send(t, "GET", "/admin/survey", nil, c); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != profilePath {
		t.Errorf("the old editor address: %d to %q, want 303 to %s", res.StatusCode, res.Header.Get("Location"), profilePath)
	}
	res := e.send(t, "GET", "/admin/surveys", nil, c)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `id="survey-profile"`) || !strings.Contains(res.body, `id="survey-brand-deep"`) {
		t.Fatalf("GET /admin/surveys: %d\n%s", res.StatusCode, res.body)
	}
	res = e.send(t, "GET", profilePath, nil, c)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "귀하의 직업은 무엇입니까?") || !strings.Contains(res.body, `id="question-fashion_sites"`) ||
		strings.Contains(res.body, `name="scale_min"`) || strings.Contains(res.body, `value="nps"`) {
		t.Fatalf("GET %s: %d; want the profile questions and no scale kinds\n%s", profilePath, res.StatusCode, res.body)
	}
	// A bad key comes back with the form filled in.
	bad := url.Values{"key": {"Colour!"}, "kind": {"multi"}, "label_ko": {"좋아하는 색"}, "label_en": {"Favourite colours"}, "max_choices": {"2"}}
	res = e.send(t, "POST", profilePath+"/questions", bad, c)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "키는 영문 소문자로 시작하고") || !strings.Contains(res.body, `value="좋아하는 색"`) {
		t.Errorf("bad key: %d\n%s", res.StatusCode, res.body)
	}
	good := url.Values{"key": {"colour"}, "kind": {"multi"}, "label_ko": {"좋아하는 색은?"}, "label_en": {"Favourite colours?"},
		"max_choices": {"2"}, "required": {"1"}, "allow_other": {"1"}}
	res = e.send(t, "POST", profilePath+"/questions", good, c)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create question: %d\n%s", res.StatusCode, res.body)
	}
	id := idAfter(t, res.Header.Get("Location"), "/admin/questions/")
	edit := fmt.Sprintf("/admin/questions/%d", id)
	res = e.send(t, "POST", edit+"/options", url.Values{"label_ko": {"빨강"}, "label_en": {"Red"}, "brand_id": {strconv.FormatInt(e.brands["mienc"], 10)}}, c)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add option: %d\n%s", res.StatusCode, res.body)
	}
	e.send(t, "POST", edit+"/options", url.Values{"label_ko": {"파랑"}, "label_en": {"Blue"}}, c)
	res = e.send(t, "POST", edit+"/options", url.Values{"label_ko": {""}, "label_en": {"Green"}}, c)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "한국어 문구를 입력해 주세요.") {
		t.Errorf("option without Korean: %d\n%s", res.StatusCode, res.body)
	}
	q, err := e.surveys.Question(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if q.Key != "colour" || q.Kind != "multi" || q.MaxChoices != 2 || !q.Required || !q.AllowOther || len(q.Options) != 2 || q.Options[0].BrandID != e.brands["mienc"] || q.Options[0].Value != "red" {
		t.Errorf("stored question = %+v", q)
	}
	res = e.send(t, "GET", edit, nil, c)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `id="option-blue"`) || !strings.Contains(res.body, "미앤씨") {
		t.Errorf("edit page: %d\n%s", res.StatusCode, res.body)
	}
	// Edit, reorder, move options, hide.
	upd := url.Values{"kind": {"single"}, "label_ko": {"가장 좋아하는 색은?"}, "label_en": {"Favourite colour?"}, "max_choices": {"0"}}
	if res = e.send(t, "POST", edit, upd, c); res.StatusCode != http.StatusSeeOther {
		t.Errorf("update question: %d\n%s", res.StatusCode, res.body)
	}
	upd.Set("kind", "nps")
	if res = e.send(t, "POST", edit, upd, c); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "프로필 설문에는") {
		t.Errorf("an NPS question in the profile survey: %d\n%s", res.StatusCode, res.body)
	}
	blue := strconv.FormatInt(q.Options[1].ID, 10)
	if res = e.send(t, "POST", edit+"/options/"+blue+"/move", url.Values{"dir": {"up"}}, c); res.StatusCode != http.StatusSeeOther {
		t.Errorf("move option: %d", res.StatusCode)
	}
	if res = e.send(t, "POST", edit+"/move", url.Values{"dir": {"up"}}, c); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != profilePath {
		t.Errorf("move question: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	qs, _ := e.members.ProfileQuestions(ctx)
	if len(qs) != 6 || qs[4].ID != id || qs[4].Kind != "single" || qs[4].LabelKo != "가장 좋아하는 색은?" || qs[4].Options[0].Value != "blue" {
		t.Errorf("questions after editing: %+v", qs)
	}
	if res = e.send(t, "POST", edit+"/active", url.Values{"active": {"0"}}, c); res.StatusCode != http.StatusSeeOther {
		t.Errorf("hide: %d", res.StatusCode)
	}
	if qs, _ = e.members.ProfileQuestions(ctx); len(qs) != 5 {
		t.Errorf("%d questions on the forms after hiding, want 5", len(qs))
	}
	red := strconv.FormatInt(q.Options[0].ID, 10)
	if res = e.send(t, "POST", edit+"/options/"+red+"/delete", nil, c); res.StatusCode != http.StatusSeeOther {
		t.Errorf("delete option: %d\n%s", res.StatusCode, res.body)
	}
	if res = e.send(t, "GET", "/admin/questions/99999", nil, c); res.StatusCode != http.StatusNotFound {
		t.Errorf("missing question: %d", res.StatusCode)
	}
	if res = e.send(t, "GET", "/admin/surveys/99999", nil, c); res.StatusCode != http.StatusNotFound {
		t.Errorf("missing survey: %d", res.StatusCode)
	}
	// Shop staff may not edit surveys.
	shopStaff := e.staffUser(t, "seojun@example.com", fanmail.RoleShopStaff, e.shopID)
	if res = e.send(t, "POST", profilePath+"/questions", good, shopStaff); res.StatusCode != http.StatusForbidden {
		t.Errorf("shop staff creating a question: %d", res.StatusCode)
	}
	if res = e.send(t, "GET", "/admin/surveys", nil, shopStaff); res.StatusCode != http.StatusForbidden {
		t.Errorf("shop staff listing surveys: %d", res.StatusCode)
	}
}

// TestSurveyEditor_BrandSurvey creates a brand's own survey with a scale
// question, then shows its results after an answer.
func TestSurveyEditor_BrandSurvey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newShopEnv(t, db)
		ctx := context.Background()
		c := e.staffUser(t, "mina@example.com", fanmail.RoleMarketer, 0)
		brand := strconv.FormatInt(e.brands["ozsecond"], 10)
		form := url.Values{"key": {"ozsecond-visit"}, "title_ko": {"오즈세컨 매장 방문 설문"}, "title_en": {"OZ Second store visit"},
			"intro_ko": {"매장 방문은 어떠셨나요?"}, "brand_id": {brand}, "chip_reward": {"150"}, "active": {"1"}}
		res := e.send(t, "POST", "/admin/surveys", form, c)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, `value="오즈세컨 매장 방문 설문"`) || !strings.Contains(res.body, "칩 보상은 0에서 100 사이") {
			t.Errorf("150 chips: %d\n%s", res.StatusCode, res.body)
		}
		form.Set("chip_reward", "2")
		res = e.send(t, "POST", "/admin/surveys", form, c)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create survey: %d\n%s", res.StatusCode, res.body)
		}
		sid := idAfter(t, res.Header.Get("Location"), "/admin/surveys/")
		path := fmt.Sprintf("/admin/surveys/%d", sid)
		sv, _ := e.surveys.Survey(ctx, sid)
		if sv.Key != "ozsecond-visit" || sv.BrandID != e.brands["ozsecond"] || sv.ChipReward != 2 || !sv.Active || sv.IntroKo != "매장 방문은 어떠셨나요?" {
			t.Errorf("stored survey = %+v", sv)
		}
		res = e.send(t, "POST", path+"/questions", url.Values{"key": {"kindness"}, "kind": {"scale"}, "label_ko": {"직원은 친절했습니까?"},
			"label_en": {"Was the staff kind?"}, "scale_min": {"1"}, "scale_max": {"5"}, "min_label_ko": {"불친절"}, "max_label_ko": {"매우 친절"}, "required": {"1"}}, c)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create scale question: %d\n%s", res.StatusCode, res.body)
		}
		qid := idAfter(t, res.Header.Get("Location"), "/admin/questions/")
		if q, _ := e.surveys.Question(ctx, qid); q.Kind != "scale" || q.ScaleMin != 1 || q.ScaleMax != 5 || q.MaxLabelKo != "매우 친절" {
			t.Errorf("scale question = %+v", q)
		}
		res = e.send(t, "POST", path, url.Values{"title_ko": {"오즈세컨 방문 설문"}, "title_en": {""}, "chip_reward": {"1"}}, c)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "영어 제목을 입력해 주세요.") {
			t.Errorf("survey without an English title: %d\n%s", res.StatusCode, res.body)
		}

		// An answer from a woman of 30 shows in the results table.
		var inv fanmail.SurveyInvitation
		err := db.InTx(ctx, func(tx *store.Tx) error {
			m, err := tx.CreateMember(ctx, fanmail.Member{Email: "sora@example.com", Name: "한소라", Gender: fanmail.GenderFemale,
				BirthYear: db.Now().Year() - 30, Lang: "ko", Status: fanmail.MemberActive, Source: fanmail.SourceWeb})
			if err != nil {
				return err
			}
			inv, err = e.surveys.InviteTx(ctx, tx, survey.Invite{SurveyID: sid, MemberID: m.ID, Cause: "visit"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		token, err := e.surveys.Token(ctx, inv)
		if err != nil {
			t.Fatal(err)
		}
		p, err := e.surveys.Page(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		four := 4
		if _, err := e.surveys.Submit(ctx, p, []fanmail.Answer{{QuestionID: qid, Number: &four}}); err != nil {
			t.Fatal(err)
		}
		res = e.send(t, "GET", path+"/results", nil, c)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `id="result-kindness"`) || !strings.Contains(res.body, "응답 수: 1") {
			t.Fatalf("results: %d\n%s", res.StatusCode, res.body)
		}
		// Row "4": female 30-34 is the fifth band column of the first
		// gender; every other cell is 0, the total 1.
		row := regexp.MustCompile(`<tr><th>4</th>((?:<td>\d+</td>)+)<td><strong>1</strong></td></tr>`).FindStringSubmatch(res.body)
		if row == nil {
			t.Fatalf("results lack the row of 4 with total 1:\n%s", res.body)
		}
		cells := regexp.MustCompile(`<td>(\d+)</td>`).FindAllStringSubmatch(row[1], -1)
		if len(cells) != 16 || cells[5][1] != "1" {
			t.Errorf("row of 4 = %s; want 16 cells (2 genders × 8 bands), the sixth (female, 30-34) 1", row[1])
		}
		if res = e.send(t, "GET", "/admin/surveys/99999/results", nil, c); res.StatusCode != http.StatusNotFound {
			t.Errorf("results of a missing survey: %d", res.StatusCode)
		}
	})
}

// Every English text of the survey editor has a Korean translation.
func TestSurveyTemplates_Korean(t *testing.T) {
	re := regexp.MustCompile(`\{\{t (?:\$l|\$?\.Lang) ("(?:[^"\\]|\\.)+")`)
	for _, name := range []string{"_survey.html", "surveys.html", "survey.html", "question.html", "survey_results.html"} {
		b, err := os.ReadFile("templates/" + name)
		if err != nil {
			t.Fatal(err)
		}
		ms := re.FindAllStringSubmatch(string(b), -1)
		if len(ms) == 0 {
			t.Errorf("%s: no texts found; is the pattern right?", name)
		}
		for _, m := range ms {
			msg, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("%s: %s: %v", name, m[1], err)
			}
			if !i18n.Has(msg) {
				t.Errorf("%s: no Korean for %q", name, msg)
			}
		}
	}
	for _, msg := range []string{"Single choice", "Multiple choice", "Scale", "Recommendation (NPS, 0–10)", "Free text",
		"Female", "Male", "Other", "Not given", "Survey created.", "Saved.", "Question added.", "Option added.", "Option removed.",
		"Question hidden from the forms.", "Question shown on the forms.", "Surveys", "Edit question",
		"The profile survey asks single choice, multiple choice and free text only.", "Only single and multiple choice questions have options.",
		"The key must be lower-case letters, digits, dashes or underscores, starting with a letter.", "The Korean title is required.",
		"The English title is required.", "The title is too long (at most 200 characters).", "The introduction is too long (at most 2,000 characters).",
		"The chip reward must be between 0 and 100.", "Another survey has this key.", "Survey not found.",
		"A scale goes from 0 or more up to at most 10, with at least two steps.", "The labels of a scale's ends are too long (at most 100 characters)."} {
		if !i18n.Has(msg) {
			t.Errorf("no Korean for %q", msg)
		}
	}
}
