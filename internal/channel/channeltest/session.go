package channeltest

import (
	"io"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// session is one client connection.
type session struct {
	srv    *SMTPServer
	conn   *smtp.Conn
	authed bool
	from   string
	body   string
	to     []string
	rcptAt time.Time
}

func (ss *session) AuthMechanisms() []string {
	if ss.srv.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.srv.user == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, password string) error {
		if user != ss.srv.user || password != ss.srv.password {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	if ss.srv.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from, ss.body = from, ""
	if opts != nil {
		ss.body = string(opts.Body)
	}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if len(ss.to) == 0 {
		ss.rcptAt = time.Now()
		if ss.srv.delay > 0 {
			time.Sleep(ss.srv.delay)
		}
		if err := ss.srv.rejection(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return ss.srv.receive(ss.from, ss.body, ss.to, ss.rcptAt, raw)
}

func (ss *session) Reset() { ss.from, ss.body, ss.to, ss.rcptAt = "", "", nil, time.Time{} }

func (ss *session) Logout() error {
	ss.srv.forget(ss.conn)
	ss.srv.sessions.Done()
	return nil
}

// testLog forwards the server's error log to the test output until stop:
// writing to a finished test panics.
type testLog struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w == nil {
		return len(p), nil
	}
	return l.w.Write(p)
}

func (l *testLog) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w = nil
}
