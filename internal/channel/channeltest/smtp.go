// Package channeltest runs real in-process servers that record what fanmail
// sent, for tests: an SMTP server now, an SMSC later.
package channeltest

import (
	"fmt"
	"log"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// SMTPServer is a real SMTP server on 127.0.0.1 that accepts every message
// (unless told to reject some) and records it. Create it with NewSMTPServer.
type SMTPServer struct {
	t        testing.TB
	srv      *smtp.Server
	addr     string
	user     string // AUTH PLAIN required when set
	password string

	mu          sync.Mutex
	closed      bool
	sessions    sync.WaitGroup
	conns       []*smtp.Conn // open connections
	connections int          // connections ever greeted
	messages    []Message
	arrived     chan struct{}  // closed and replaced whenever a message arrives
	reject      int            // reject this many more messages...
	rejectCode  int            // ...with this reply code
	rejectTo    map[string]int // recipients always refused, with their reply code
	rejectData  map[string]*smtp.SMTPError
	delay       time.Duration // before answering each RCPT
}

// Option configures an SMTPServer.
type Option func(*SMTPServer)

// WithAuth makes the server advertise AUTH PLAIN and refuse MAIL FROM until
// the client has logged in as user with password.
func WithAuth(user, password string) Option {
	return func(s *SMTPServer) { s.user, s.password = user, password }
}

// WithDelay makes the server wait d before answering each RCPT, as a slow
// or distant relay does: a client then needs about d per message and
// connection.
func WithDelay(d time.Duration) Option {
	return func(s *SMTPServer) { s.delay = d }
}

// NewSMTPServer starts a server on 127.0.0.1:0; t.Cleanup stops it.
func NewSMTPServer(t testing.TB, opts ...Option) *SMTPServer {
	t.Helper()
	s := &SMTPServer{t: t, arrived: make(chan struct{})}
	for _, opt := range opts {
		opt(s)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("channeltest: listen: %v", err)
	}
	s.addr = l.Addr().String()

	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "channeltest.local"
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.MaxRecipients = 50
	s.srv.AllowInsecureAuth = true // plain text on loopback
	errLog := &testLog{w: t.Output()}
	s.srv.ErrorLog = log.New(errLog, "channeltest smtp: ", 0)

	served := make(chan struct{})
	go func() {
		defer close(served)
		s.srv.Serve(l)
	}()
	t.Cleanup(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.srv.Close()
		// Serve may not have registered the listener yet, in which case
		// srv.Close closes nothing and Serve would accept forever.
		l.Close()
		<-served
		s.sessions.Wait() // no session calls t.Errorf after the test
		errLog.stop()
	})
	return s
}

// Addr returns the host:port the server listens on.
func (s *SMTPServer) Addr() string { return s.addr }

// URL returns a FANMAIL_SMTP_URL for this server (plain text, no credentials).
func (s *SMTPServer) URL() string { return "smtp://" + s.addr + "?tls=none" }

// Messages returns the messages received so far, oldest first.
func (s *SMTPServer) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// WaitFor waits until at least n messages have arrived and returns all of
// them, or fails the test after timeout.
func (s *SMTPServer) WaitFor(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	return s.WaitForMatching(t, n, timeout, func(Message) bool { return true })
}

// Connections returns how many SMTP sessions clients have opened so far.
func (s *SMTPServer) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}

// RejectNext makes the server refuse the recipient of the next n messages
// with code: 4xx (e.g. 451, greylisting) or 5xx (e.g. 550, no such user).
func (s *SMTPServer) RejectNext(n, code int) {
	if code < 400 || code > 599 {
		panic(fmt.Sprintf("channeltest: RejectNext code %d is not 4xx or 5xx", code))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject, s.rejectCode = n, code
}

// RejectRecipient makes the server refuse every message to addr with code:
// 4xx or 5xx. Unlike RejectNext it does not depend on the order in which a
// pipelining client's commands reach the server.
func (s *SMTPServer) RejectRecipient(addr string, code int) {
	if code < 400 || code > 599 {
		panic(fmt.Sprintf("channeltest: RejectRecipient code %d is not 4xx or 5xx", code))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rejectTo == nil {
		s.rejectTo = map[string]int{}
	}
	s.rejectTo[addr] = code
}

// RejectData makes the server take every message to addr up to its end of
// data and then refuse it with code (4xx or 5xx) and enhanced status code
// enhanced (RFC 3463, e.g. "5.1.1" or "5.7.1"), as relays do that check
// recipients or content only after the data.
func (s *SMTPServer) RejectData(addr string, code int, enhanced string) {
	if code < 400 || code > 599 {
		panic(fmt.Sprintf("channeltest: RejectData code %d is not 4xx or 5xx", code))
	}
	var ec smtp.EnhancedCode
	if _, err := fmt.Sscanf(enhanced, "%d.%d.%d", &ec[0], &ec[1], &ec[2]); err != nil {
		panic(fmt.Sprintf("channeltest: RejectData enhanced code %q: %v", enhanced, err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rejectData == nil {
		s.rejectData = map[string]*smtp.SMTPError{}
	}
	s.rejectData[addr] = &smtp.SMTPError{Code: code, EnhancedCode: ec, Message: "Refused after the data"}
}

// CloseConnections closes every open connection from the server side, as
// servers do with idle clients.
func (s *SMTPServer) CloseConnections() {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

func (s *SMTPServer) newSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("server is shutting down")
	}
	s.sessions.Add(1)
	s.connections++
	s.conns = append(s.conns, c)
	return &session{srv: s, conn: c}, nil
}

// receive records a message and wakes WaitFor, unless RejectData refuses it.
func (s *SMTPServer) receive(from, body string, to []string, rcptAt time.Time, raw []byte) error {
	s.mu.Lock()
	refusal := s.rejectData[to[0]]
	s.mu.Unlock()
	if refusal != nil {
		return refusal
	}
	msg, err := parseMessage(raw)
	if err != nil {
		s.t.Errorf("channeltest: received a message that is not valid MIME: %v", err)
	}
	msg.From, msg.Body, msg.To, msg.RcptAt = from, body, to, rcptAt
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, msg)
	close(s.arrived)
	s.arrived = make(chan struct{})
	return nil
}

// rejection returns the reply refusing recipient to, or nil.
func (s *SMTPServer) rejection(to string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	code, ok := s.rejectTo[to]
	if !ok {
		if s.reject == 0 {
			return nil
		}
		s.reject--
		code = s.rejectCode
	}
	if code < 500 {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted, try again later"}
	}
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
}

func (s *SMTPServer) forget(c *smtp.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns = slices.DeleteFunc(s.conns, func(x *smtp.Conn) bool { return x == c })
}

// WaitForMatching waits until n messages that keep accepts have arrived and
// returns those, in order of arrival. It fails the test after timeout.
func (s *SMTPServer) WaitForMatching(t testing.TB, n int, timeout time.Duration, keep func(Message) bool) []Message {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		msgs, arrived := slices.Clone(s.messages), s.arrived
		s.mu.Unlock()
		msgs = slices.DeleteFunc(msgs, func(m Message) bool { return !keep(m) })
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("channeltest: %d of %d messages arrived within %v", len(msgs), n, timeout)
		}
	}
}
