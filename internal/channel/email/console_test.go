package email_test

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail/internal/channel"
	"github.com/fanmail/fanmail/internal/channel/email"
)

func TestConsoleSender_SendEmail(t *testing.T) {
	var out bytes.Buffer
	c := email.NewConsoleSender(&out)
	e := channel.Email{
		FromName: "팬메일", FromAddress: "hello@fanmail.example", To: "minji.kim@example.com",
		Subject: "김민지님, 가입을 확인해 주세요",
		Text:    "아래 링크를 눌러 주세요:\nhttps://fanmail.example/confirm?t=abc\n",
		HTML:    "<p>아래 링크를 눌러 주세요</p>",
		Headers: map[string]string{"List-Unsubscribe": "<https://fanmail.example/u/abc>"},

		MessageID: "m42@fanmail.example",
	}
	if err := c.SendEmail(t.Context(), e); err != nil {
		t.Fatalf("SendEmail: %v", err)
	}
	want := `----- e-mail (FANMAIL_SMTP_URL=console: not sent) -----
From: 팬메일 <hello@fanmail.example>
To: minji.kim@example.com
Message-ID: m42@fanmail.example
Subject: 김민지님, 가입을 확인해 주세요
List-Unsubscribe: <https://fanmail.example/u/abc>

아래 링크를 눌러 주세요:
https://fanmail.example/confirm?t=abc
[HTML part: 40 bytes]
----- end -----
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}

	e.To = "not an address"
	if err := c.SendEmail(t.Context(), e); err == nil {
		t.Error("SendEmail accepted an invalid To address")
	}
}

func TestNew(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	t.Run("Console", func(t *testing.T) {
		s, err := email.New(email.Config{Transport: email.TransportConsole}, logger)
		if _, ok := s.(*email.ConsoleSender); !ok || err != nil {
			t.Fatalf("New = %T, %v; want *ConsoleSender", s, err)
		}
	})
	t.Run("SMTP", func(t *testing.T) {
		cfg, err := email.ParseURL("smtp://127.0.0.1:1025?tls=none")
		if err != nil {
			t.Fatal(err)
		}
		s, err := email.New(cfg, logger)
		if _, ok := s.(*email.Sender); !ok || err != nil {
			t.Fatalf("New = %T, %v; want *Sender", s, err)
		}
		s.Close()
	})
	t.Run("ErrNotConfigured", func(t *testing.T) {
		cfg, err := email.ParseURL("")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := email.New(cfg, logger); !errors.Is(err, email.ErrNotConfigured) {
			t.Fatalf("New error = %v, want ErrNotConfigured", err)
		}
	})
}
