package delivery_test

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/channel/email"
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

func TestMailer_Render(t *testing.T) {
	m := delivery.NewMailer(nil, "팬메일 <no-reply@fanmail.example>", slog.New(slog.NewTextHandler(t.Output(), nil)))
	cases := []delivery.Mail{
		{Template: "confirm", Lang: "ko", To: "minji@example.com", Data: delivery.ConfirmData{Name: "김민지", Link: "https://fan.example/confirm?token=abc.def", ValidHours: 72}},
		{Template: "confirm", Lang: "en", To: "minji@example.com", Data: delivery.ConfirmData{Name: "Minji Kim", Link: "https://fan.example/confirm?token=abc.def", ValidHours: 72}},
		{Template: "signin", Lang: "ko", To: "minji@example.com", Data: delivery.SignInData{Name: "김민지", Link: "https://fan.example/login/link?token=abc&x=<1>", ValidMinutes: 30}},
		{Template: "signin", Lang: "en", To: "minji@example.com", Data: delivery.SignInData{Name: "Minji <Kim>", Link: "https://fan.example/login/link?token=abc", ValidMinutes: 30}},
	}
	for _, c := range cases {
		t.Run(c.Template+"."+c.Lang, func(t *testing.T) {
			e, err := m.Render(c)
			if err != nil {
				t.Fatal(err)
			}
			if e.FromName != "팬메일" || e.FromAddress != "no-reply@fanmail.example" || e.To != c.To {
				t.Errorf("envelope: %q <%s> to %s", e.FromName, e.FromAddress, e.To)
			}
			golden(t, c.Template+"."+c.Lang+".txt", "Subject: "+e.Subject+"\n\n"+e.Text)
			golden(t, c.Template+"."+c.Lang+".html", e.HTML)
		})
	}
	// HTML escapes the data; the text part keeps it as typed.
	e, _ := m.Render(cases[3])
	if strings.Contains(e.HTML, "<Kim>") || !strings.Contains(e.HTML, "Minji &lt;Kim&gt;") || !strings.Contains(e.Text, "Minji <Kim>") {
		t.Error("HTML part does not escape the member's name")
	}
	// A language without templates falls back to Korean.
	e, _ = m.Render(delivery.Mail{Template: "confirm", Lang: "fr", Data: delivery.ConfirmData{Name: "x", Link: "https://x.example/"}})
	if !strings.Contains(e.Subject, "이메일 주소를 확인해 주세요") {
		t.Errorf("fallback subject = %q", e.Subject)
	}
	if _, err := m.Render(delivery.Mail{Template: "nope", Lang: "ko"}); err == nil {
		t.Error("unknown template rendered")
	}
}

func TestMailer_Send(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	ctx := context.Background()
	t.Run("NotConfigured", func(t *testing.T) {
		m := delivery.NewMailer(nil, "no-reply@fanmail.example", logger)
		if m.Configured() {
			t.Error("Configured() = true without a sender")
		}
		err := m.Send(ctx, delivery.Mail{Template: "confirm", Lang: "ko", To: "a@example.com", Data: delivery.ConfirmData{}})
		if fanmail.ErrorCode(err) != fanmail.EUNAVAILABLE {
			t.Errorf("Send without sender: %v, want EUNAVAILABLE", err)
		}
	})
	t.Run("SMTP", func(t *testing.T) {
		srv := channeltest.NewSMTPServer(t)
		cfg, err := email.ParseURL(srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		sender, err := email.New(cfg, logger)
		if err != nil {
			t.Fatal(err)
		}
		defer sender.Close()
		m := delivery.NewMailer(sender, "팬메일 <no-reply@fanmail.example>", logger)
		link := "http://127.0.0.1:8080/confirm?token=abc.def"
		err = m.Send(ctx, delivery.Mail{Template: "confirm", Lang: "ko", To: "minji@example.com",
			Data: delivery.ConfirmData{Name: "김민지", Link: link, ValidHours: 72}})
		if err != nil {
			t.Fatal(err)
		}
		msg := srv.WaitFor(t, 1, 10*time.Second)[0]
		if msg.Subject != "[fanmail] 이메일 주소를 확인해 주세요" {
			t.Errorf("subject = %q", msg.Subject)
		}
		if diff := cmp.Diff([]string{"minji@example.com"}, msg.To); diff != "" {
			t.Errorf("recipients (-want +got):\n%s", diff)
		}
		if !strings.Contains(msg.Text, "김민지님") || !cmp.Equal(channeltest.Links(msg.Text), []string{link}) {
			t.Errorf("text part: %q", msg.Text)
		}
		if !cmp.Equal(channeltest.Links(msg.HTML), []string{link}) {
			t.Errorf("links in HTML part = %v", channeltest.Links(msg.HTML))
		}
	})
}
