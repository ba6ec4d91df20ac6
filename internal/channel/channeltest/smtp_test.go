package channeltest_test

import (
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fanmail/fanmail/internal/channel/channeltest"
)

// A hand-written message, so the parser is tested against more than go-mail's
// output: B-encoded subject, base64 text part, quoted-printable HTML part.
const rawKorean = "From: =?UTF-8?B?7Yys66mU7J28?= <hello@fanmail.example>\r\n" +
	"To: minji.kim@example.com\r\n" +
	"Subject: =?UTF-8?B?6rmA66+87KeA64uYLCDqsIDsnoXsnYQg7ZmV7J247ZW0IOyjvOyEuOyalA==?=\r\n" +
	"Message-ID: <m1@fanmail.example>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=b1\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"7JWE656YIOunge2BrDoKaHR0cHM6Ly9mYW5tYWlsLmV4YW1wbGUvY29uZmlybT90PWFi\r\n" +
	"Yw==\r\n" +
	"--b1\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"<a href=3D\"https://fanmail.example/confirm?t=3Dabc&amp;m=3D1\">=ED=99=95=EC=\r\n" +
	"=9D=B8</a>\r\n" +
	"--b1--\r\n"

func TestSMTPServer_Receive(t *testing.T) {
	srv := channeltest.NewSMTPServer(t)
	err := smtp.SendMail(srv.Addr(), nil, "bounce@fanmail.example", []string{"minji.kim@example.com"}, []byte(rawKorean))
	if err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	got := srv.WaitFor(t, 1, 5*time.Second)
	want := []channeltest.Message{{
		From:    "bounce@fanmail.example",
		Body:    "8BITMIME", // net/smtp declares it, as the server offers it
		To:      []string{"minji.kim@example.com"},
		Raw:     []byte(rawKorean),
		Subject: "김민지님, 가입을 확인해 주세요",
		Text:    "아래 링크:\nhttps://fanmail.example/confirm?t=abc",
		HTML:    `<a href="https://fanmail.example/confirm?t=abc&amp;m=1">확인</a>`,
	}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(channeltest.Message{}, "Header", "RcptAt")); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if id := got[0].Header.Get("Message-Id"); id != "<m1@fanmail.example>" {
		t.Errorf("Message-ID = %q", id)
	}
	if diff := cmp.Diff(got, srv.Messages(), cmpopts.IgnoreFields(channeltest.Message{}, "Header")); diff != "" {
		t.Errorf("Messages() differs from WaitFor (-waitfor +messages):\n%s", diff)
	}
}

func TestSMTPServer_WaitFor(t *testing.T) {
	srv := channeltest.NewSMTPServer(t)
	sent := make(chan error, 1)
	go func() {
		var err error
		for i := 0; i < 3 && err == nil; i++ {
			err = smtp.SendMail(srv.Addr(), nil, "a@fanmail.example", []string{"b@example.com"}, []byte("Subject: x\r\n\r\nbody\r\n"))
		}
		sent <- err
	}()
	if got := srv.WaitFor(t, 3, 5*time.Second); len(got) != 3 {
		t.Errorf("WaitFor returned %d messages, want 3", len(got))
	}
	if err := <-sent; err != nil {
		t.Errorf("SendMail: %v", err)
	}
}

func TestSMTPServer_RejectNext(t *testing.T) {
	srv := channeltest.NewSMTPServer(t)
	send := func() error {
		return smtp.SendMail(srv.Addr(), nil, "a@fanmail.example", []string{"b@example.com"}, []byte("Subject: x\r\n\r\nbody\r\n"))
	}
	srv.RejectNext(2, 451)
	for i := range 2 {
		if err := send(); err == nil || !strings.HasPrefix(err.Error(), "451") {
			t.Errorf("send %d: error = %v, want 451", i, err)
		}
	}
	if err := send(); err != nil {
		t.Errorf("send after the rejections: %v", err)
	}
	srv.RejectNext(1, 550)
	if err := send(); err == nil || !strings.HasPrefix(err.Error(), "550") {
		t.Errorf("error = %v, want 550", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages recorded, want 1", n)
	}
	if n := srv.Connections(); n != 4 {
		t.Errorf("Connections() = %d, want 4", n)
	}
}

// RejectData refuses a recipient's messages after their data; WithDelay
// slows every RCPT, and RcptAt says when each arrived.
func TestSMTPServer_RejectDataAndDelay(t *testing.T) {
	srv := channeltest.NewSMTPServer(t, channeltest.WithDelay(20*time.Millisecond))
	send := func(to string) error {
		return smtp.SendMail(srv.Addr(), nil, "a@fanmail.example", []string{to}, []byte("Subject: x\r\n\r\nbody\r\n"))
	}
	srv.RejectData("gone@example.com", 550, "5.1.1")
	if err := send("gone@example.com"); err == nil || !strings.HasPrefix(err.Error(), "550") || !strings.Contains(err.Error(), "5.1.1") {
		t.Errorf("error = %v, want 550 5.1.1 after the data", err)
	}
	before := time.Now()
	if err := send("b@example.com"); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "b@example.com" || msgs[0].RcptAt.Before(before) || msgs[0].RcptAt.After(time.Now()) {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestSMTPServer_Auth(t *testing.T) {
	srv := channeltest.NewSMTPServer(t, channeltest.WithAuth("fanmail", "s3cret"))
	send := func(auth smtp.Auth) error {
		return smtp.SendMail(srv.Addr(), auth, "a@fanmail.example", []string{"b@example.com"}, []byte("Subject: x\r\n\r\nbody\r\n"))
	}
	if err := send(nil); err == nil {
		t.Error("send without AUTH succeeded")
	}
	if err := send(smtp.PlainAuth("", "fanmail", "wrong", "127.0.0.1")); err == nil || !strings.HasPrefix(err.Error(), "535") {
		t.Errorf("send with a wrong password: error = %v, want 535", err)
	}
	if err := send(smtp.PlainAuth("", "fanmail", "s3cret", "127.0.0.1")); err != nil {
		t.Errorf("send with the right password: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages recorded, want 1", n)
	}
}

func TestLinks(t *testing.T) {
	tests := []struct {
		body string
		want []string
	}{
		{"no links here", nil},
		{"확인: https://fanmail.example/c?t=1.\n또는 http://fanmail.example/x).",
			[]string{"https://fanmail.example/c?t=1", "http://fanmail.example/x"}},
		{`<a href="https://fanmail.example/c?t=1&amp;m=2">확인</a> <a href='https://fanmail.example/c?t=1&amp;m=2'>again</a>`,
			[]string{"https://fanmail.example/c?t=1&m=2"}},
		{"<https://fanmail.example/u/abc>, mailto:u@fanmail.example", []string{"https://fanmail.example/u/abc"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, channeltest.Links(tt.body)); diff != "" {
			t.Errorf("Links(%q) (-want +got):\n%s", tt.body, diff)
		}
	}
}
