package delivery_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail/internal/delivery"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/delivery -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs from golden file (-want +got):\n%s", name, diff)
	}
}

func TestTemplateContent(t *testing.T) {
	cases := []struct {
		template, lang string
		data           any
	}{
		{"confirm", "ko", delivery.ConfirmData{Name: "김민지", Link: "https://fan.example/confirm?token=abc.def", ValidHours: 72}},
		{"confirm", "en", delivery.ConfirmData{Name: "Minji Kim", Link: "https://fan.example/confirm?token=abc.def", ValidHours: 72}},
		{"signin", "ko", delivery.SignInData{Name: "김민지", Link: "https://fan.example/login/link?token=abc&x=<1>", ValidMinutes: 30}},
		{"signin", "en", delivery.SignInData{Name: "Minji <Kim>", Link: "https://fan.example/login/link?token=abc", ValidMinutes: 30}},
		{"withdraw", "ko", delivery.ConfirmData{Name: "김민지", Link: "https://fan.example/leave/confirm?token=abc.def", ValidHours: 24}},
		{"withdraw", "en", delivery.ConfirmData{Name: "Minji Kim", Link: "https://fan.example/leave/confirm?token=abc.def", ValidHours: 24}},
	}
	for _, c := range cases {
		t.Run(c.template+"."+c.lang, func(t *testing.T) {
			e, err := delivery.TemplateContent(c.template, c.lang, c.data)
			if err != nil {
				t.Fatal(err)
			}
			if !e.Document {
				t.Error("a template's HTML is a whole document")
			}
			golden(t, c.template+"."+c.lang+".txt", "Subject: "+e.Subject+"\n\n"+e.Text)
			golden(t, c.template+"."+c.lang+".html", e.HTML)
		})
	}
	// HTML escapes the data; the text part keeps it as typed.
	e, _ := delivery.TemplateContent(cases[3].template, cases[3].lang, cases[3].data)
	if strings.Contains(e.HTML, "<Kim>") || !strings.Contains(e.HTML, "Minji &lt;Kim&gt;") || !strings.Contains(e.Text, "Minji <Kim>") {
		t.Error("HTML part does not escape the member's name")
	}
	// A language without templates falls back to Korean.
	e, _ = delivery.TemplateContent("confirm", "fr", delivery.ConfirmData{Name: "x", Link: "https://x.example/"})
	if !strings.Contains(e.Subject, "이메일 주소를 확인해 주세요") {
		t.Errorf("fallback subject = %q", e.Subject)
	}
	if _, err := delivery.TemplateContent("nope", "ko", nil); err == nil {
		t.Error("unknown template rendered")
	}
}

func TestMailer_Configured(t *testing.T) {
	var none *delivery.Mailer
	if none.Configured() || delivery.NewMailer(nil, "no-reply@fanmail.example", nil).Configured() {
		t.Error("Configured() = true without a sender")
	}
}
