package app

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
)

func subjectHas(part string) func(channeltest.Message) bool {
	return func(m channeltest.Message) bool { return strings.Contains(m.Subject, part) }
}

// oneClickLink returns the link of the survey invitation msg that answers
// the first question with value.
func oneClickLink(t *testing.T, msg channeltest.Message, value string) string {
	t.Helper()
	for _, l := range channeltest.Links(msg.Text) {
		u, err := url.Parse(l)
		if err == nil && strings.HasPrefix(u.Path, "/s/") && u.Query().Get("a") == value {
			return l
		}
	}
	t.Fatalf("invitation %q has no one-click link answering %s:\n%s", msg.Subject, value, msg.Text)
	return ""
}

var checkedInput = regexp.MustCompile(`name="(q_\d+)" value="(\d+)" checked`)

// TestHTTP_BrandSurveyByMail is step 5 to 8 of the fan program over HTTP: a
// member who joins with a favourite brand and confirms gets the chip mail
// and the deep survey's invitation; the one-click answer in the mail opens
// the survey with the answer picked and records nothing until the member
// presses the button; then the survey chip and, for a share of wardrobe of
// 31 % or more, the fan-registration notice arrive.
func TestHTTP_BrandSurveyByMail(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		ta := startApp(t, engine)
		ctx := t.Context()
		c := client(t)
		const email = "seoyeon.lee@example.com"
		brand, err := ta.DB().BrandBySlug(ctx, "ozsecond", true)
		if err != nil {
			t.Fatal(err)
		}
		qs, err := ta.Members.ProfileQuestions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{
			"lang": {"ko"}, "code": {"seoyeon_l"}, "email": {email}, "name": {"이서연"}, "birth_year": {"1994"}, "gender": {"female"},
			"postal_code": {"06236"}, "address": {"서울특별시 강남구 테헤란로 152"}, "brand": {fmt.Sprint(brand.ID)},
			"consent_terms": {"1"}, "consent_privacy": {"1"}, "consent_marketing_email": {"1"},
		}
		for _, q := range qs {
			if q.Kind == fanmail.QuestionText {
				form.Set(fmt.Sprintf("q_%d_text", q.ID), "무신사")
			} else {
				form.Set(fmt.Sprintf("q_%d", q.ID), fmt.Sprint(q.Options[0].ID))
			}
		}
		if r := postForm(t, c, ta.URL+"/join", form); r.Status != http.StatusSeeOther {
			t.Fatalf("join: %d\n%s", r.Status, r.Body)
		}
		confirmByMail(t, c, mailLink(t, ta.waitMail(t, 1), "/confirm"))
		m, err := ta.Members.MemberByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}

		// Selecting the brand brought the chip mail and the invitation.
		ta.SMTP.WaitForMatching(t, 1, 30*time.Second, subjectHas("매니아칩"))
		inv := ta.SMTP.WaitForMatching(t, 1, 30*time.Second, subjectHas("브랜드 설문"))[0]
		if !strings.HasPrefix(inv.Subject, "(광고) 오즈세컨") || !strings.Contains(inv.Text, "가지고 계신 옷 가운데") || len(inv.To) != 1 || inv.To[0] != email {
			t.Errorf("invitation %q to %v:\n%s", inv.Subject, inv.To, inv.Text)
		}

		// One click: the answer is picked, nothing is recorded.
		link := oneClickLink(t, inv, "31-60")
		for range 2 {
			r := get(t, c, link)
			if r.Status != http.StatusOK || !strings.Contains(r.Body, `id="survey-prefilled"`) {
				t.Fatalf("one-click link: %d\n%s", r.Status, r.Body)
			}
		}
		if rs, err := ta.Surveys.ResponsesOfMember(ctx, m.ID); err != nil || len(rs) != 0 {
			t.Fatalf("responses after opening the link: %d, %v; want none", len(rs), err)
		}
		page := get(t, c, link)
		picked := checkedInput.FindStringSubmatch(page.Body)
		if picked == nil {
			t.Fatalf("the one-click page checks no answer:\n%s", page.Body)
		}

		// The confirming press.
		u, _ := url.Parse(link)
		r := postForm(t, c, ta.URL+u.Path, url.Values{picked[1]: {picked[2]}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), u.Path+"/thanks") {
			t.Fatalf("confirm answer: %d to %q\n%s", r.Status, r.Header.Get("Location"), r.Body)
		}
		if r := get(t, c, ta.URL+r.Header.Get("Location")); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="survey-done"`) {
			t.Errorf("thanks page: %d", r.Status)
		}
		rs, err := ta.Surveys.ResponsesOfMember(ctx, m.ID)
		if err != nil || len(rs) != 1 || rs[0].BrandID != brand.ID || len(rs[0].Values) != 1 || rs[0].Values[0].Options[0] != "31-60" {
			t.Fatalf("responses after confirming = %+v, %v", rs, err)
		}

		// The fan program answers: a survey chip, and the fan notice.
		chips := ta.SMTP.WaitForMatching(t, 2, 30*time.Second, subjectHas("매니아칩"))
		if len(chips) != 2 {
			t.Errorf("%d chip mails, want the welcome chip and the survey chip", len(chips))
		}
		notice := ta.SMTP.WaitForMatching(t, 1, 30*time.Second, subjectHas("매니아 회원이 되신 것을 축하드립니다"))[0]
		if !strings.Contains(notice.Text, "FM-") {
			t.Errorf("fan notice without a certificate code:\n%s", notice.Text)
		}
		if r := get(t, c, link); r.Status != http.StatusGone {
			t.Errorf("the used link: %d, want 410", r.Status)
		}
		ta.assertNoPersonalData(t, email)
	})
}
