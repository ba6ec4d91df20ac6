package portal_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/survey"
)

// surveySite is the join site with a member invited to the deep survey
// about 오즈세컨.
type surveySite struct {
	*joinSite
	surveys *survey.Service
	member  fanmail.Member
	q       map[string]fanmail.Question // deep survey questions by key
	token   string
}

func newSurveySite(t *testing.T, db *store.DB) *surveySite {
	t.Helper()
	ctx := context.Background()
	s := &surveySite{joinSite: newJoinSite(t, db), q: map[string]fanmail.Question{}}
	s.surveys = survey.New(db, slog.New(slog.NewTextHandler(t.Output(), nil)), survey.Options{BaseURL: s.srv.URL})
	if err := s.surveys.EnsureDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	qs, err := s.surveys.Questions(ctx, fanmail.SurveyBrandDeep, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		s.q[q.Key] = q
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		s.member, err = tx.CreateMember(ctx, fanmail.Member{Email: "jieun@example.com", Name: "김지은", Gender: fanmail.GenderFemale,
			BirthYear: s.now.Year() - 25, Lang: "ko", Status: fanmail.MemberActive, Source: fanmail.SourceWeb})
		if err != nil {
			return err
		}
		return s.surveys.InviteBrandDeep(ctx, tx, s.member.ID, s.ozSecond, "welcome")
	})
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM survey_invitations`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	inv, err := db.InvitationByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if s.token, err = s.surveys.Token(ctx, inv); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *surveySite) qid(key string) string { return strconv.FormatInt(s.q[key].ID, 10) }

func (s *surveySite) opt(t *testing.T, key, value string) string {
	t.Helper()
	o, ok := s.q[key].OptionByValue(value)
	if !ok {
		t.Fatalf("no option %s of %s", value, key)
	}
	return strconv.FormatInt(o.ID, 10)
}

func (s *surveySite) responses(t *testing.T) int {
	t.Helper()
	var n int
	if err := s.db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM survey_responses`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checked reports whether the page checks the input of question key with
// value.
func checked(body, qid, value string) bool {
	return strings.Contains(body, `name="q_`+qid+`" value="`+value+`" checked`)
}

func TestSurveyPage_OneClickThenConfirm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSurveySite(t, db)
		b := s.browser(t)
		path := "/s/" + s.token
		share := s.opt(t, "wardrobe_share", "31-60")
		oneClick := path + "?" + url.Values{"q": {s.qid("wardrobe_share")}, "a": {"31-60"}}.Encode()

		// Following the mail's link (as a scanner would, twice) shows the
		// answer picked and records nothing.
		for range 2 {
			p := b.get(oneClick)
			if p.status != http.StatusOK || !checked(p.body, s.qid("wardrobe_share"), share) || !strings.Contains(p.body, `id="survey-prefilled"`) {
				t.Fatalf("one-click page: %d\n%s", p.status, p.body)
			}
			for _, want := range []string{`name="viewport"`, "오즈세컨", "가지고 계신 옷 가운데", "답해 주시면 매니아칩 1개를 보내 드립니다.", `id="survey-confirm"`, `form="survey-form"`} {
				if !strings.Contains(p.body, want) {
					t.Errorf("one-click page lacks %s", want)
				}
			}
		}
		if n := s.responses(t); n != 0 {
			t.Fatalf("%d responses after opening the page, want 0", n)
		}
		// A scale answer picked in the mail, and answers that fit nothing.
		if p := b.get(path + "?q=" + s.qid("satisfaction") + "&a=5"); !checked(p.body, s.qid("satisfaction"), "5") {
			t.Errorf("scale answer from the mail not picked")
		}
		if p := b.get(path + "?q=" + s.qid("wardrobe_share") + "&a=99"); p.status != http.StatusOK || strings.Contains(p.body, "checked") || strings.Contains(p.body, `id="survey-prefilled"`) {
			t.Errorf("an unknown answer from the mail: %d, picked something", p.status)
		}

		// The one confirming press records the answer.
		p := b.post(path, url.Values{"q_" + s.qid("wardrobe_share"): {share}})
		if p.status != http.StatusSeeOther || p.location != path+"/thanks?lang=ko" {
			t.Fatalf("confirm: %d to %q\n%s", p.status, p.location, p.body)
		}
		p = b.get(p.location)
		if p.status != http.StatusOK || !strings.Contains(p.body, `id="survey-done"`) || !strings.Contains(p.body, "매니아칩을 메일로 보내 드립니다.") {
			t.Errorf("thanks page: %d\n%s", p.status, p.body)
		}
		if n := s.responses(t); n != 1 {
			t.Errorf("%d responses after confirming, want 1", n)
		}

		// The link is spent.
		if p := b.get(oneClick); p.status != http.StatusGone || !strings.Contains(p.body, "이미 답하신 설문입니다.") {
			t.Errorf("reopened link: %d, want 410\n%s", p.status, p.body)
		}
		if p := b.post(path, url.Values{"q_" + s.qid("wardrobe_share"): {share}}); p.status != http.StatusGone {
			t.Errorf("posted twice: %d, want 410", p.status)
		}
		if n := s.responses(t); n != 1 {
			t.Errorf("%d responses after reuse, want 1", n)
		}
	})
}

func TestSurveyPage_Refused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSurveySite(t, db)
		b := s.browser(t)
		path := "/s/" + s.token

		// Forged and garbled links: 400 with a clear page, in both methods.
		payload, sig, _ := strings.Cut(s.token, ".")
		for _, tok := range []string{"garbage", payload + "." + strings.Repeat("A", len(sig)), "x" + s.token} {
			for _, p := range []page{b.get("/s/" + tok), b.post("/s/"+tok, url.Values{})} {
				if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="link-error"`) || !strings.Contains(p.body, "이 링크는 사용할 수 없습니다") {
					t.Errorf("token %q: %d, want 400 with the link error\n%s", tok, p.status, p.body)
				}
			}
		}

		// Answers that do not fit: 422 with each reason and what was typed.
		items := []string{s.opt(t, "planned_items", "suit"), s.opt(t, "planned_items", "knit"), s.opt(t, "planned_items", "jeans")}
		form := url.Values{
			"q_" + s.qid("planned_items"):        items,
			"q_" + s.qid("buy_timing"):           {"other"},
			"q_" + s.qid("satisfaction"):         {"7"},
			"q_" + s.qid("comment") + "_text":    {"가을 신상품이 기대돼요"},
			"q_" + s.qid("know_brand"):           {s.opt(t, "know_brand", "friends")},
			"q_" + s.qid("know_brand") + "_text": {"dropped: other not picked"},
		}
		p := b.post(path, form)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad answers: %d, want 422\n%s", p.status, p.body)
		}
		for _, want := range []string{`id="form-error"`, "이 질문에 답해 주세요.", "선택한 답이 너무 많습니다.", "기타 답변 내용을 적어 주세요.",
			"1에서 5 사이의 숫자를 골라 주세요.", "가을 신상품이 기대돼요"} {
			if !strings.Contains(p.body, want) {
				t.Errorf("422 page lacks %q", want)
			}
		}
		for _, id := range items {
			if !checked(p.body, s.qid("planned_items"), id) {
				t.Errorf("422 page lost the pick %s", id)
			}
		}
		if !checked(p.body, s.qid("buy_timing"), "other") || !checked(p.body, s.qid("know_brand"), s.opt(t, "know_brand", "friends")) {
			t.Errorf("422 page lost the picks of buy_timing or know_brand")
		}
		if n := s.responses(t); n != 0 {
			t.Errorf("%d responses after refused answers, want 0", n)
		}

		// In English, the member's language is the default, ?lang= wins.
		if p := b.get(path + "?lang=en"); !strings.Contains(p.body, "How much of your wardrobe is from this brand?") || !strings.Contains(p.body, "Send my answers") {
			t.Errorf("English page:\n%s", p.body)
		}

		// After the invitation's 30 days: 410.
		s.advance(survey.DefaultInvitationTTL + time.Hour)
		if p := b.get(path); p.status != http.StatusGone || !strings.Contains(p.body, "링크의 유효 기간이 지났습니다.") {
			t.Errorf("expired link: %d, want 410\n%s", p.status, p.body)
		}
		if p := b.post(path, url.Values{"q_" + s.qid("wardrobe_share"): {s.opt(t, "wardrobe_share", "0-10")}}); p.status != http.StatusGone {
			t.Errorf("answering with an expired link: %d, want 410", p.status)
		}
	})
}
