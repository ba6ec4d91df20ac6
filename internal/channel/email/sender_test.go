package email_test

import (
	"fmt"
	"log/slog"
	"mime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail/internal/channel"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/channel/email"
)

const wait = 5 * time.Second

func TestSender_SendEmail(t *testing.T) {
	tests := map[string]channel.Email{
		"ASCII": {
			FromName: "Fanmail", FromAddress: "hello@fanmail.example", To: "jin72@example.com",
			Subject:   "Please confirm your sign-up",
			Text:      "Hello Jin,\nconfirm here: https://fanmail.example/confirm?t=abc\n",
			HTML:      `<p>Hello Jin,</p><p><a href="https://fanmail.example/confirm?t=abc">Confirm</a></p>`,
			MessageID: "m1.abc@fanmail.example", ReturnPath: "bounce+m1@bounce.fanmail.example",
		},
		"Korean": {
			FromName: "팬메일 고객센터", FromAddress: "hello@fanmail.example", To: "minji.kim@example.com",
			ReplyTo: "support@fanmail.example",
			Subject: "김민지님, 가입을 확인해 주세요",
			Text:    "김민지님, 안녕하세요.\n아래 링크를 눌러 가입을 확인해 주세요:\nhttps://fanmail.example/confirm?t=abc&m=1\n",
			HTML:    `<p>김민지님, 안녕하세요.</p><p><a href="https://fanmail.example/confirm?t=abc&amp;m=1">가입 확인</a></p>`,
			Headers: map[string]string{
				"List-Unsubscribe":      "<https://fanmail.example/u/abc>",
				"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
				"X-Fanmail-Campaign":    "봄 신제품 안내",
			},
			MessageID: "m42.abc@fanmail.example", ReturnPath: "bounce+m42@bounce.fanmail.example",
		},
		"LongHeaders": { // folded across several lines
			FromName: "팬메일 고객센터", FromAddress: "hello@fanmail.example", To: "minji.kim@example.com",
			Subject: "김민지님, 봄 신제품 안내와 특별 혜택을 놓치지 마세요! 지금 바로 확인하세요 — 팬메일",
			Text:    "본문", HTML: "<p>본문</p>",
			Headers: map[string]string{
				"List-Unsubscribe": "<https://fanmail.example/unsubscribe/0123456789abcdefghijklmnopqrstuvwxyz>, " +
					"<mailto:unsubscribe+0123456789abcdef@fanmail.example?subject=unsubscribe>",
			},
			MessageID: "m43.abc@fanmail.example", ReturnPath: "bounce+m43@bounce.fanmail.example",
		},
	}
	for name, e := range tests {
		t.Run(name, func(t *testing.T) {
			srv := channeltest.NewSMTPServer(t)
			s := newSender(t, srv.URL())
			if err := s.SendEmail(t.Context(), e); err != nil {
				t.Fatalf("SendEmail: %v", err)
			}
			got := srv.WaitFor(t, 1, wait)[0]

			if got.From != e.ReturnPath {
				t.Errorf("envelope from = %q, want %q", got.From, e.ReturnPath)
			}
			if diff := cmp.Diff([]string{e.To}, got.To); diff != "" {
				t.Errorf("envelope to (-want +got):\n%s", diff)
			}
			if got.Subject != e.Subject {
				t.Errorf("Subject = %q, want %q", got.Subject, e.Subject)
			}
			if got.Text != e.Text {
				t.Errorf("text body = %q, want %q", got.Text, e.Text)
			}
			if got.HTML != e.HTML {
				t.Errorf("HTML body = %q, want %q", got.HTML, e.HTML)
			}
			from, err := got.Header.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Name != e.FromName || from[0].Address != e.FromAddress {
				t.Errorf("From header %q decodes to %v, %v", got.Header.Get("From"), from, err)
			}
			if want := "<" + e.MessageID + ">"; got.Header.Get("Message-Id") != want {
				t.Errorf("Message-ID = %q, want %q", got.Header.Get("Message-Id"), want)
			}
			if e.ReplyTo != "" {
				replyTo, err := got.Header.AddressList("Reply-To")
				if err != nil || len(replyTo) != 1 || replyTo[0].Address != e.ReplyTo {
					t.Errorf("Reply-To header %q decodes to %v, %v", got.Header.Get("Reply-To"), replyTo, err)
				}
			}
			if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
				t.Errorf("Content-Type = %q, want multipart/alternative", ct)
			}
			for name, want := range e.Headers {
				v, err := new(mime.WordDecoder).DecodeHeader(got.Header.Get(name))
				if err != nil || v != want {
					t.Errorf("header %s = %q (%v), want %q", name, v, err, want)
				}
			}
			if !strings.Contains(string(got.Raw), "charset=UTF-8") {
				t.Errorf("raw message does not declare UTF-8:\n%s", got.Raw)
			}
		})
	}
}

func TestSender_SendEmail_Defaults(t *testing.T) {
	srv := channeltest.NewSMTPServer(t)
	s := newSender(t, srv.URL())
	e := channel.Email{FromAddress: "hello@fanmail.example", To: "jin72@example.com", Subject: "Hi", Text: "Only text."}
	if err := s.SendEmail(t.Context(), e); err != nil {
		t.Fatalf("SendEmail: %v", err)
	}
	got := srv.WaitFor(t, 1, wait)[0]
	if got.From != e.FromAddress {
		t.Errorf("envelope from = %q, want the From address %q", got.From, e.FromAddress)
	}
	if id := got.Header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@fanmail.example>") {
		t.Errorf("generated Message-ID = %q, want <random@fanmail.example>", id)
	}
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}
	// A single-part body keeps the CRLF that ends every SMTP message.
	if got.Text != "Only text.\n" || got.HTML != "" {
		t.Errorf("bodies = %q, %q; want only the text", got.Text, got.HTML)
	}
}

func TestSender_ReusesConnection(t *testing.T) {
	srv := channeltest.NewSMTPServer(t)
	s := newSender(t, srv.URL())
	for i := range 3 {
		if err := s.SendEmail(t.Context(), testEmail(i)); err != nil {
			t.Fatalf("SendEmail %d: %v", i, err)
		}
	}
	srv.WaitFor(t, 3, wait)
	if n := srv.Connections(); n != 1 {
		t.Fatalf("3 messages used %d connections, want 1", n)
	}

	srv.CloseConnections() // as a server does with an idle client
	if err := s.SendEmail(t.Context(), testEmail(3)); err != nil {
		t.Fatalf("SendEmail after the server closed the connection: %v", err)
	}
	srv.WaitFor(t, 4, wait)
	if n := srv.Connections(); n != 2 {
		t.Errorf("after reconnecting: %d connections, want 2", n)
	}
}

func TestSender_Concurrent(t *testing.T) {
	srv := channeltest.NewSMTPServer(t)
	s := newSender(t, srv.URL())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := s.SendEmail(t.Context(), testEmail(i)); err != nil {
				t.Errorf("SendEmail %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if got := len(srv.WaitFor(t, 8, wait)); got != 8 {
		t.Errorf("%d messages arrived, want 8", got)
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

func newSender(t *testing.T, rawURL string) *email.Sender {
	t.Helper()
	cfg, err := email.ParseURL(rawURL)
	if err != nil {
		t.Fatalf("ParseURL: %v", err)
	}
	cfg.Timeout = wait
	s, err := email.NewSender(cfg, slog.New(slog.NewTextHandler(t.Output(), nil)))
	if err != nil {
		t.Fatalf("NewSender: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testEmail(i int) channel.Email {
	return channel.Email{
		FromName: "팬메일", FromAddress: "hello@fanmail.example",
		To:      fmt.Sprintf("member%d@example.com", i),
		Subject: fmt.Sprintf("안내 %d", i), Text: "본문", HTML: "<p>본문</p>",
		MessageID: fmt.Sprintf("m%d@fanmail.example", i),
	}
}

func assertNoSecrets(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%q contains %q", text, s)
		}
	}
}
