package email_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/channel/email"
)

func rawMessage(to, subject string) []byte {
	return []byte("From: news@ozsecond.example\r\nTo: " + to + "\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + subject + "@ozsecond.example>\r\n\r\n" +
		"안녕하세요.\r\n.a line that starts with a dot\r\n..and two\r\n")
}

type outcome struct {
	tag  int
	code int
	temp bool
	at   string // the refused command
}

func dialPipe(t *testing.T, rawURL string) (*email.Pipe, *[]outcome) {
	t.Helper()
	r, err := email.ParseRelayURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := email.DialPipe(context.Background(), r.Config, "fanmail.test")
	if err != nil {
		t.Fatal(err)
	}
	var outs []outcome
	p.Done = func(tag int, err error) {
		o := outcome{tag: tag}
		if err != nil {
			o.code, o.temp, o.at = codeOf(err), email.IsTemporary(err), email.RefusedAt(err)
			if o.code == 0 {
				o.code = -1
			}
		}
		outs = append(outs, o)
	}
	t.Cleanup(func() { p.Close() })
	return p, &outs
}

func codeOf(err error) int {
	var e *email.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func TestPipe(t *testing.T) {
	srv := channeltest.NewSMTPServer(t)
	p, outs := dialPipe(t, srv.URL())
	if !p.Pipelining() {
		t.Fatal("the test server offers PIPELINING")
	}
	send := func(tag int, to string) {
		t.Helper()
		if err := p.Send(tag, "bounce+tok"+fmt.Sprint(tag)+"@fan.example.com", to, rawMessage(to, fmt.Sprint("m", tag))); err != nil {
			t.Fatal(err)
		}
	}
	srv.RejectRecipient("busy@example.com", 450)
	srv.RejectRecipient("nobody@example.com", 550)
	send(0, "minji.kim@example.com")
	send(1, "jin72@example.com")
	send(2, "busy@example.com")
	send(3, "nobody@example.com")
	send(4, "seoyeon@example.com")
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	want := []outcome{{tag: 0}, {tag: 1}, {tag: 2, code: 450, temp: true, at: "RCPT"}, {tag: 3, code: 550, at: "RCPT"}, {tag: 4}}
	if diff := cmp.Diff(want, *outs, cmp.AllowUnexported(outcome{}), sortOutcomes); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	msgs := srv.WaitFor(t, 3, 5*time.Second)
	if len(msgs) != 3 || srv.Connections() != 1 {
		t.Fatalf("%d messages over %d connections, want 3 over 1", len(msgs), srv.Connections())
	}
	m := msgs[2]
	if m.From != "bounce+tok4@fan.example.com" || m.To[0] != "seoyeon@example.com" {
		t.Errorf("envelope = %s → %v", m.From, m.To)
	}
	if !p.EightBit() || m.Body != "8BITMIME" {
		t.Errorf("server offers 8BITMIME: EightBit() = %v, MAIL FROM BODY=%q", p.EightBit(), m.Body)
	}
	if want := "안녕하세요.\n.a line that starts with a dot\n..and two\n"; m.Text != want {
		t.Errorf("body = %q, want %q (dot-stuffing undone)", m.Text, want)
	}
}

// sortOutcomes orders outcomes by tag: a refused envelope is reported before
// the final reply to the message sent before it.
var sortOutcomes = cmp.Transformer("sort", func(in []outcome) []outcome {
	out := append([]outcome(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j].tag < out[i].tag {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

func TestPipe_ConnectionLost(t *testing.T) {
	srv := channeltest.NewSMTPServer(t)
	p, outs := dialPipe(t, srv.URL())
	send := func(tag int, to string) error {
		return p.Send(tag, "bounce@fan.example.com", to, rawMessage(to, fmt.Sprint("m", tag)))
	}
	if err := send(0, "minji.kim@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	// Message 1 is handed over (its data buffered, its reply due), then the
	// server goes away.
	if err := send(1, "jin72@example.com"); err != nil {
		t.Fatal(err)
	}
	srv.CloseConnections()
	// Send reads the replies of the message before and writes this one
	// without waiting: the server's close shows on this Send, or (when its
	// replies to message 1 came first and the write still went through) on
	// the Flush after it.
	want := []outcome{{tag: 0}, {tag: 1, code: -1, temp: true}}
	err := send(2, "seoyeon@example.com")
	if err == nil {
		err = p.Flush()
		want = append(want, outcome{tag: 2, code: -1, temp: true})
	}
	if err == nil || !email.IsTemporary(err) {
		t.Fatalf("send and flush on a closed connection: %v, want a temporary error", err)
	}
	// The outcome of what was handed over is unknown: reported as
	// temporary, worth retrying.
	if diff := cmp.Diff(want, *outs, cmp.AllowUnexported(outcome{})); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if err := send(3, "x@example.com"); err == nil {
		t.Error("send after the connection broke succeeded")
	}
}

func TestDialPipe_Auth(t *testing.T) {
	srv := channeltest.NewSMTPServer(t, channeltest.WithAuth("mailer", "s3cret-비밀"))
	addr := srv.Addr()
	p, outs := dialPipe(t, "smtp://mailer:s3cret-%EB%B9%84%EB%B0%80@"+addr+"?tls=none")
	if err := p.Send(0, "bounce@fan.example.com", "minji.kim@example.com", rawMessage("minji.kim@example.com", "m0")); err != nil {
		t.Fatal(err)
	}
	p.Flush()
	if len(*outs) != 1 || (*outs)[0].code != 0 {
		t.Errorf("outcomes = %+v", *outs)
	}
	r, _ := email.ParseRelayURL("smtp://mailer:wrong-password@" + addr + "?tls=none")
	_, err := email.DialPipe(context.Background(), r.Config, "fanmail.test")
	if err == nil || codeOf(err) != 535 || strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("wrong password: %v", err)
	}
}

// lockstepServer is a minimal SMTP server without PIPELINING that records
// the order of commands, so the test sees the client wait for each reply.
func lockstepServer(t *testing.T) (addr string, received func() []string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var log []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		tp := textproto.NewConn(c)
		tp.PrintfLine("220 lockstep ready")
		for {
			line, err := tp.ReadLine()
			if err != nil {
				return
			}
			// Nothing may be queued behind a command: the client waits.
			if n := tp.R.Buffered(); n > 0 {
				mu.Lock()
				log = append(log, "PIPELINED "+line)
				mu.Unlock()
			}
			verb := strings.ToUpper(strings.Fields(line + " x")[0])
			mu.Lock()
			if _, param, ok := strings.Cut(line, "> "); ok {
				log = append(log, verb+" "+param) // BODY=8BITMIME, which this server does not offer
			} else {
				log = append(log, verb)
			}
			mu.Unlock()
			switch verb {
			case "EHLO":
				tp.PrintfLine("250-lockstep\r\n250 SIZE 10000000")
			case "MAIL":
				if strings.Contains(line, "<refused@") {
					tp.PrintfLine("550 5.7.1 Sender not allowed")
				} else {
					tp.PrintfLine("250 OK")
				}
			case "RSET", "NOOP":
				tp.PrintfLine("250 OK")
			case "RCPT":
				if strings.Contains(line, "nobody@") {
					tp.PrintfLine("550 5.1.1 No such user")
				} else {
					tp.PrintfLine("250 OK")
				}
			case "DATA":
				tp.PrintfLine("354 go ahead")
				if _, err := tp.ReadDotBytes(); err != nil {
					return
				}
				tp.PrintfLine("250 queued")
			case "QUIT":
				tp.PrintfLine("221 bye")
				return
			default:
				tp.PrintfLine("502 unknown")
			}
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
	})
	return l.Addr().String(), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), log...)
	}
}

func TestPipe_Lockstep(t *testing.T) {
	addr, received := lockstepServer(t)
	p, outs := dialPipe(t, "smtp://"+addr+"?tls=none")
	if p.Pipelining() || p.EightBit() {
		t.Fatal("the lockstep server offers neither PIPELINING nor 8BITMIME")
	}
	for i, to := range []string{"minji.kim@example.com", "nobody@example.com", "jin72@example.com", "seoyeon@example.com"} {
		from := "bounce@fan.example.com"
		if i == 3 {
			from = "refused@fan.example.com"
		}
		if err := p.Send(i, from, to, rawMessage(to, fmt.Sprint("m", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	want := []outcome{{tag: 0}, {tag: 1, code: 550, at: "RCPT"}, {tag: 2}, {tag: 3, code: 550, at: "MAIL"}}
	if diff := cmp.Diff(want, *outs, cmp.AllowUnexported(outcome{})); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	wantLog := []string{"EHLO", "MAIL", "RCPT", "DATA", "MAIL", "RCPT", "RSET", "MAIL", "RCPT", "DATA", "MAIL", "QUIT"}
	if diff := cmp.Diff(wantLog, received()); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
}

func TestDialPipe_Refused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r, _ := email.ParseRelayURL("smtp://" + addr + "?tls=none")
	if _, err := email.DialPipe(context.Background(), r.Config, "fanmail.test"); err == nil || !email.IsTemporary(err) {
		t.Errorf("dial a closed port: %v, want a temporary error", err)
	}
}
