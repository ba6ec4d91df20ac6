package portal_test

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/privacy"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestPrivacyPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newCatalogSite(t, db)
		res, body := s.get(t, "/privacy", "ko")
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "개인정보 보호책임자가 아직 지정되지 않았습니다.") {
			t.Fatalf("policy without an officer: %d\n%s", res.StatusCode, body)
		}
		err := privacy.New(db, nil, nil).SetOfficer(context.Background(), fanmail.PrivacyOfficer{
			Name: "이보안", Title: "정보보호팀장", Email: "privacy@brand.example", Phone: "02-1234-5678"})
		if err != nil {
			t.Fatal(err)
		}
		for lang, want := range map[string][]string{
			"ko": {"개인정보 처리방침", "이보안 (정보보호팀장)", "privacy@brand.example", "02-1234-5678",
				"이메일 주소, 회원 ID, 이름, 출생 연도", "주민등록번호는 묻지도 보관하지도 않습니다.",
				"회원 정보를 다룬 직원의 접속기록</td><td>2년", "메일 열람·클릭 기록</td><td>1년", "180일",
				"수신 차단 목록의 이메일 주소 해시", "문구 버전 2026-11", "이용약관에 동의합니다."},
			"en": {"Privacy policy", "이보안 (정보보호팀장)", "E-mail address, member id, name, birth year",
				"Access log of staff who handled your data</td><td>2 years", "180 days", "While you are a member",
				"A salted hash of the e-mail address on the suppression list", "wording version 2026-11", "I agree to the terms of service."},
		} {
			res, body := s.get(t, "/privacy", lang)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", lang, res.StatusCode)
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("%s policy lacks %q", lang, w)
				}
			}
		}
		if _, body := s.get(t, "/", "ko"); !strings.Contains(body, `id="footer-privacy"`) {
			t.Error("the portal footer does not link the privacy policy")
		}
	})
}

// TestPrivacyPolicy_Translated checks the policy has Korean for every text
// it shows, including the configured items, retention and what is kept.
func TestPrivacyPolicy_Translated(t *testing.T) {
	b, err := os.ReadFile("templates/privacy.html")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, m := range regexp.MustCompile(`t \$?\.Lang "([^"]+)"`).FindAllStringSubmatch(string(b), -1) {
		msgs = append(msgs, m[1])
	}
	for _, it := range fanmail.PrivacyItems {
		msgs = append(msgs, it.Items, it.Purpose)
	}
	for _, r := range fanmail.DefaultRetention {
		msgs = append(msgs, r.Data, r.Basis)
	}
	for _, k := range fanmail.ErasureKeeps {
		msgs = append(msgs, k.What, k.Why, k.Detail)
	}
	for _, msg := range msgs {
		if !i18n.Has(msg) {
			t.Errorf("no Korean for %q", msg)
		}
	}
}
