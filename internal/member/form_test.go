package member_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/member"
)

func TestRegistrationFromForm(t *testing.T) {
	form := url.Values{
		"code": {" minji92 "}, "email": {"minji@example.com"}, "name": {"김민지"}, "phone": {"010-1234-5678"},
		"birth_year": {"1992"}, "gender": {"female"}, "postal_code": {"04524"}, "address": {"서울 중구"}, "lang": {"ko"},
		"q_3": {"11", "12", "other"}, "q_3_text": {" 유튜브 "}, "q_1": {"2"}, "q_5_text": {"무신사"}, "q_x": {"1"}, "q_9": {"junk"},
		"brand": {"4", "x", "7"}, "consent_terms": {"1"}, "consent_privacy": {"on"}, "consent_marketing_sms": {"0"},
	}
	got := member.RegistrationFromForm(form)
	want := member.Registration{
		Code: "minji92", Email: "minji@example.com", Name: "김민지", Phone: "010-1234-5678", BirthYear: 1992, Gender: "female",
		PostalCode: "04524", Address: "서울 중구", Lang: "ko",
		Answers: []fanmail.Answer{
			{QuestionID: 1, OptionIDs: []int64{2}},
			{QuestionID: 3, OptionIDs: []int64{11, 12}, Other: true, Text: "유튜브"},
			{QuestionID: 5, Text: "무신사"},
			{QuestionID: 9},
		},
		Consents: grantAll("terms", "privacy"),
		BrandIDs: []int64{4, 7},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RegistrationFromForm (-want +got):\n%s", diff)
	}

	f := member.Form{Input: got, Err: fanmail.FieldError("q_style", "Pick one answer.")}
	if !f.Chose(3, 12) || f.Chose(3, 2) || !f.ChoseOther(3) || f.Text(5) != "무신사" || !f.HasBrand(7) || !f.Consent("privacy") || f.Consent("night_sms") {
		t.Error("Form helpers disagree with the input")
	}
	if f.ErrorForQuestion(fanmail.Question{Key: "style"}) != "Pick one answer." || f.ErrorFor("email") != "" || f.Message() != "Pick one answer." {
		t.Error("Form error helpers")
	}
	if (member.Form{Err: errors.New("boom")}).Message() != "An internal error occurred." {
		t.Error("internal errors must not leak")
	}
}

func TestProfileFromForm(t *testing.T) {
	got := member.ProfileFromForm(url.Values{"name": {" 김민지 "}, "birth_year": {"1993"}, "email": {"x@example.com"}})
	if got.Name == nil || *got.Name != "김민지" || got.BirthYear == nil || *got.BirthYear != 1993 || got.Email != nil || got.Phone != nil {
		t.Errorf("ProfileFromForm = %+v", got)
	}
}
