// Package mailbox owns the built-in mailbox: with no SMTP relay configured,
// fanmail sends its mail to an SMTP server inside the process, on 127.0.0.1,
// that keeps each message in the database for staff to read. Every sending
// path (outbox, campaigns, test mails) runs unchanged and records its mail
// as sent, so mail kept here is never sent again once a relay is set.
package mailbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/store"
)

// DefaultKeep is how many messages the mailbox keeps when not told.
const DefaultKeep = 5000

// MaxMessageBytes bounds one message; a campaign with images is far smaller.
const MaxMessageBytes = 10 << 20

// Server is the in-process SMTP server that keeps what it receives. Open
// starts it; Close stops it.
type Server struct {
	db     *store.DB
	logger *slog.Logger
	keep   int
	srv    *smtp.Server
	ln     net.Listener
	served sync.WaitGroup
}

// Open starts a mailbox server on a free port of 127.0.0.1 that keeps the
// newest keep messages (DefaultKeep when keep < 1).
func Open(db *store.DB, logger *slog.Logger, keep int) (*Server, error) {
	if keep < 1 {
		keep = DefaultKeep
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mailbox: %w", err)
	}
	s := &Server{db: db, logger: logger, keep: keep, ln: ln}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	s.srv.Domain = "mailbox.fanmail.localhost"
	s.srv.MaxMessageBytes = MaxMessageBytes
	s.srv.MaxRecipients = 100
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	s.srv.ErrorLog = smtpLog{logger}
	s.served.Go(func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			logger.Warn("mailbox smtp stopped", "err", err)
		}
	})
	return s, nil
}

// Config is the SMTP configuration that reaches the server: plain text on
// loopback, no credentials.
func (s *Server) Config() email.Config {
	port := s.ln.Addr().(*net.TCPAddr).Port
	return email.Config{Transport: email.TransportSMTP, Host: "127.0.0.1", Port: port, TLS: email.TLSNone, Timeout: email.DefaultTimeout}
}

// URL is Config as a relay URL (smtp://127.0.0.1:PORT?tls=none).
func (s *Server) URL() string {
	return "smtp://127.0.0.1:" + strconv.Itoa(s.Config().Port) + "?tls=none"
}

// Close stops accepting mail and waits for messages being received.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	s.served.Wait()
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// store keeps one received message.
func (s *Server) store(ctx context.Context, from string, to []string, raw []byte) error {
	m := store.MailboxMessage{ReceivedAt: s.db.Now(), From: from, To: strings.Join(to, ", "), Raw: raw}
	if msg, err := mail.ReadMessage(strings.NewReader(string(raw))); err == nil {
		m.Subject = decodeHeader(msg.Header.Get("Subject"))
		m.Kind, err = s.kind(ctx, msg.Header)
		if err != nil {
			return err
		}
	}
	_, err := s.db.AddMailboxMessage(ctx, m, s.keep)
	return err
}

// kind names what a message is by its Message-ID: a campaign test mail
// ("test." IDs), else what its token names (store.DB.MailKindByToken).
func (s *Server) kind(ctx context.Context, h mail.Header) (string, error) {
	id := strings.Trim(h.Get("Message-Id"), "<> ")
	token, _, _ := strings.Cut(id, "@")
	if strings.HasPrefix(token, "test.") {
		return "campaign_test", nil
	}
	return s.db.MailKindByToken(ctx, token)
}

func decodeHeader(v string) string {
	d, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ss.s.store(ctx, ss.from, ss.to, raw); err != nil {
		// 451: the client keeps the message and tries again.
		ss.s.logger.Warn("mailbox message not kept", "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Message not kept, try again"}
	}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// smtpLog carries go-smtp's own messages (a dropped connection) to the log.
type smtpLog struct{ logger *slog.Logger }

func (l smtpLog) Printf(format string, v ...any) {
	l.logger.Warn("mailbox smtp", "msg", fmt.Sprintf(format, v...))
}

func (l smtpLog) Println(v ...any) {
	l.logger.Warn("mailbox smtp", "msg", strings.TrimSpace(fmt.Sprintln(v...)))
}
