// Package inbound receives mail that comes back to fanmail: bounces (DSNs) at
// VERP addresses bounce+{token}@…, complaint reports (ARF) and replies, through
// an embedded SMTP server, and hands them to the tracking service.
//
// The server only ever delivers locally: recipients other than bounce+…,
// reply+… and the configured replies address are refused, so it cannot relay.
// A bounce for a send that does not exist is logged (without the address) and
// accepted, so the remote server does not retry it; a database failure
// answers 451 so the remote server retries later.
package inbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/tracking"
)

// Options configure the receiver; zero fields take the defaults.
type Options struct {
	Addr            string        // listen address, e.g. ":2525"
	Domain          string        // host name in the greeting; default "localhost"
	RepliesAddress  string        // mailbox that takes replies (and ARF reports); "" for none
	MaxMessageBytes int64         // default 10 MiB
	MaxRecipients   int           // per message; default 10
	MaxConnections  int           // at once; default 100
	ReadTimeout     time.Duration // default 60s
	WriteTimeout    time.Duration // default 60s
}

// Server is the embedded SMTP receiver.
type Server struct {
	tracking *tracking.Service
	logger   *slog.Logger
	opts     Options
	srv      *smtp.Server
	ln       net.Listener
}

// New returns a receiver that passes what arrives to t; call Listen, then Serve.
func New(t *tracking.Service, logger *slog.Logger, opts Options) *Server {
	if opts.Domain == "" {
		opts.Domain = "localhost"
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = 10 << 20
	}
	if opts.MaxRecipients <= 0 {
		opts.MaxRecipients = 10
	}
	if opts.MaxConnections <= 0 {
		opts.MaxConnections = 100
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = 60 * time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 60 * time.Second
	}
	opts.RepliesAddress = strings.ToLower(strings.TrimSpace(opts.RepliesAddress))
	s := &Server{tracking: t, logger: logger, opts: opts}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	s.srv.Domain = opts.Domain
	s.srv.MaxMessageBytes = opts.MaxMessageBytes
	s.srv.MaxRecipients = opts.MaxRecipients
	s.srv.ReadTimeout = opts.ReadTimeout
	s.srv.WriteTimeout = opts.WriteTimeout
	s.srv.ErrorLog = smtpLog{logger}
	return s
}

// Listen binds the listen address; Addr is known afterwards.
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("inbound smtp: %w", err)
	}
	s.ln = &limitListener{Listener: ln, slots: make(chan struct{}, s.opts.MaxConnections)}
	return nil
}

// Addr returns the bound address, e.g. 127.0.0.1:2525.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve accepts connections until Shutdown or Close; it then returns nil.
func (s *Server) Serve() error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	s.logger.Info("inbound smtp listening", "addr", s.Addr())
	err := s.srv.Serve(s.ln)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits for open sessions to end
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the server at once, dropping open sessions.
func (s *Server) Close() error {
	err := s.srv.Close()
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// rcpt is an accepted recipient.
type rcpt struct {
	token string // from bounce+TOKEN@ or reply+TOKEN@
	reply bool   // a reply mailbox (reply+TOKEN@ or the replies address)
}

type session struct {
	s   *Server
	to  []rcpt
	got bool // MAIL FROM seen
}

var errNoSuchUser = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}

var errTryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.got = true
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	addr := strings.ToLower(strings.Trim(strings.TrimSpace(to), "<>"))
	local, _, ok := strings.Cut(addr, "@")
	if !ok {
		return errNoSuchUser
	}
	switch {
	case strings.HasPrefix(local, "bounce+"):
		tok := tracking.TokenFromVERP(addr)
		if !isToken(tok) {
			return errNoSuchUser
		}
		ss.to = append(ss.to, rcpt{token: tok})
	case strings.HasPrefix(local, "reply+"):
		tok := strings.TrimPrefix(local, "reply+")
		if !isToken(tok) {
			return errNoSuchUser
		}
		ss.to = append(ss.to, rcpt{token: tok, reply: true})
	case ss.s.opts.RepliesAddress != "" && addr == ss.s.opts.RepliesAddress:
		ss.to = append(ss.to, rcpt{reply: true})
	default:
		return errNoSuchUser
	}
	return nil
}

// isToken reports whether t looks like a send token (lower-case hex derived
// from the send id, or a stored token of lower-case base32 or hex), so junk
// never reaches the database.
func isToken(t string) bool {
	if t == "" || len(t) > 64 {
		return false
	}
	for _, c := range t {
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // too large, or the connection broke: go-smtp answers
	}
	rep, err := ParseReport(bytes.NewReader(raw))
	if err != nil {
		ss.s.logger.Info("inbound message unreadable, dropped", "bytes", len(raw))
		return nil
	}
	for _, to := range ss.to {
		if err := ss.s.handle(context.Background(), to, rep); err != nil {
			ss.s.logger.Error("inbound message not processed", "err", err)
			return errTryLater
		}
	}
	return nil
}

func (ss *session) Reset() { ss.to, ss.got = nil, false }

func (ss *session) Logout() error { return nil }

// handle passes one recipient's copy of a message to tracking. It returns an
// error only when the remote server should retry (the database failed).
func (s *Server) handle(ctx context.Context, to rcpt, rep Report) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if rep.Kind != "" {
		token := to.token
		if token == "" || to.reply {
			token = s.originalToken(rep)
		}
		if token == "" {
			s.logger.Warn("report without a send dropped", "kind", rep.Kind)
			return nil
		}
		source := "dsn"
		if rep.Kind == tracking.KindComplaint {
			source = "arf"
		}
		res, err := s.tracking.ApplyBounce(ctx, tracking.Bounce{Kind: rep.Kind, Token: token, Source: source,
			Detail: strings.TrimSpace(rep.Status + " " + rep.Action + " " + rep.FeedbackType + " " + rep.Diagnostic)})
		switch fanmail.ErrorCode(err) {
		case "":
			s.logger.Debug("report applied", "kind", rep.Kind, "campaign_id", res.CampaignID, "duplicate", res.Duplicate)
			return nil
		case fanmail.ENOTFOUND:
			s.logger.Warn("report for unknown send dropped", "kind", rep.Kind)
			return nil
		}
		return err
	}
	if !to.reply {
		// Auto-replies and "delivered" notices sent to the return path.
		s.logger.Debug("non-report at bounce address dropped")
		return nil
	}
	if rep.AutoSubmitted {
		s.logger.Debug("automatic reply dropped")
		return nil
	}
	tokens := []string{to.token}
	if to.token == "" {
		tokens = tokensFromMessageIDs(rep.InReplyTo)
	}
	for _, tok := range tokens {
		err := s.tracking.Reply(ctx, tok)
		switch fanmail.ErrorCode(err) {
		case "":
			return nil
		case fanmail.ENOTFOUND:
			continue
		}
		return err
	}
	s.logger.Info("reply without a known send received")
	return nil
}

// originalToken finds the send a report is about from the original message's
// headers: the VERP return path, else a correctly signed unsubscribe URL.
func (s *Server) originalToken(rep Report) string {
	if tok := tracking.TokenFromVERP(rep.OriginalReturnPath); isToken(tok) {
		return tok
	}
	for _, part := range strings.Split(rep.OriginalListUnsubscribe, ",") {
		u, err := url.Parse(strings.Trim(strings.TrimSpace(part), "<>"))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			continue
		}
		f := strings.Split(strings.Trim(u.Path, "/"), "/")
		if len(f) >= 3 && f[len(f)-3] == "u" {
			tok, sig := f[len(f)-2], f[len(f)-1]
			if isToken(tok) && s.tracking.URLs().Valid(sig, "u", tok) {
				return tok
			}
		}
	}
	if tok := tokenFromMessageID(rep.OriginalMessageID); tok != "" {
		return tok
	}
	return ""
}

// tokensFromMessageIDs returns the send tokens that message IDs of the form
// <TOKEN@host> or <TOKEN.anything@host> may carry.
func tokensFromMessageIDs(ids []string) []string {
	var toks []string
	for _, id := range ids {
		if tok := tokenFromMessageID(id); tok != "" {
			toks = append(toks, tok)
		}
	}
	return toks
}

func tokenFromMessageID(id string) string {
	local, _, ok := strings.Cut(strings.ToLower(id), "@")
	if !ok {
		return ""
	}
	tok, _, _ := strings.Cut(local, ".")
	// 32 digits derived from the send id, or 26 stored before migration 0020.
	if len(tok) != 32 && len(tok) != 26 || !isToken(tok) {
		return ""
	}
	return tok
}

// limitListener accepts at most cap(slots) connections at once.
type limitListener struct {
	net.Listener
	slots chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	l.slots <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// smtpLog sends go-smtp's error log to slog.
type smtpLog struct{ logger *slog.Logger }

func (l smtpLog) Printf(format string, v ...any) {
	l.logger.Warn("inbound smtp", "msg", fmt.Sprintf(format, v...))
}

func (l smtpLog) Println(v ...any) {
	l.logger.Warn("inbound smtp", "msg", strings.TrimSpace(fmt.Sprintln(v...)))
}
