package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	mail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/fanmail/fanmail/internal/channel"
)

// Sender sends e-mail over one SMTP connection, opened by the first message
// and kept open for the next ones; when the server has closed it in between,
// Sender reconnects. Sender is safe for concurrent use but sends one message
// at a time: to send in parallel, give each worker its own Sender.
type Sender struct {
	cfg    Config
	logger *slog.Logger
	client *mail.Client // settings only: connections are dialed from it

	mu     sync.Mutex
	conn   *smtp.Client // nil when not connected
	raw    net.Conn     // the socket under conn, closed if the handshake fails
	closed bool
}

var _ channel.EmailSender = (*Sender)(nil)

// NewSender returns a Sender for an SMTP configuration. It does not connect:
// the first SendEmail does, so fanmail starts while the SMTP server is down.
func NewSender(cfg Config, logger *slog.Logger) (*Sender, error) {
	if cfg.Transport != TransportSMTP {
		return nil, errors.New("email: NewSender needs an smtp:// or smtps:// configuration")
	}
	s := &Sender{cfg: cfg, logger: logger}
	opts := []mail.Option{
		mail.WithPort(cfg.Port),
		mail.WithTimeout(cfg.timeout()),
		mail.WithDialContextFunc(s.dial),
	}
	switch cfg.tlsMode() {
	case TLSRequired:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case TLSOpportunistic:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	default:
		// No STARTTLS: either plain text or s.dial already speaks TLS.
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if cfg.Username != "" {
		// PLAIN and LOGIN refuse to send the password over an unencrypted
		// connection (except to localhost) unless the operator chose tls=none.
		plain, login := mail.SMTPAuthPlain, mail.SMTPAuthLogin
		if cfg.tlsMode() == TLSNone {
			plain, login = mail.SMTPAuthPlainNoEnc, mail.SMTPAuthLoginNoEnc
		}
		opts = append(opts,
			mail.WithOpportunisticSMTPAuth(mail.SMTPAuthSCRAMSHA256, mail.SMTPAuthSCRAMSHA1, plain, login, mail.SMTPAuthCramMD5),
			mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password))
	}
	client, err := mail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("email: new SMTP client: %w", err)
	}
	s.client = client
	return s, nil
}

// SendEmail sends e, connecting first if needed. ctx bounds connecting;
// Config.Timeout bounds each SMTP command. Errors are *Error (see
// IsTemporary), ctx's error, or a plain error after Close.
func (s *Sender) SendEmail(ctx context.Context, e channel.Email) error {
	msg, err := buildMessage(e)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("email: sender is closed")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.conn != nil {
		err := s.client.SendWithSMTPClient(s.conn, msg)
		if !connectionLost(err) {
			return s.result(err)
		}
		// The NOOP before MAIL FROM failed, so nothing was sent yet.
		s.logger.Debug("smtp connection lost, reconnecting", "host", s.cfg.Host)
		s.disconnect()
	}
	if err := s.connect(ctx); err != nil {
		return err
	}
	return s.result(s.client.SendWithSMTPClient(s.conn, msg))
}

// Close says QUIT and closes the connection. Errors while quitting are
// ignored: the server may have closed the connection already.
func (s *Sender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.disconnect()
	return nil
}

func (s *Sender) connect(ctx context.Context) error {
	conn, err := s.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		// go-mail leaves the socket open when the greeting, TLS or AUTH fails.
		if s.raw != nil {
			s.raw.Close()
			s.raw = nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return connectError(err, s.cfg.Password)
	}
	s.conn = conn
	s.logger.Debug("smtp connected", "host", s.cfg.Host, "port", s.cfg.Port)
	return nil
}

// result classifies a send error and drops the connection unless the server
// answered with a reply, which leaves the session in a known state.
func (s *Sender) result(err error) error {
	if err == nil {
		return nil
	}
	err = sendError(err, s.cfg.Password)
	if !hasReply(err) {
		s.disconnect()
	}
	return err
}

func (s *Sender) disconnect() {
	if s.conn == nil {
		return
	}
	if err := s.conn.Quit(); err != nil {
		s.conn.Close()
	}
	s.conn, s.raw = nil, nil
}

// dial opens the socket for go-mail and remembers it. Implicit TLS is done
// here too; go-mail sees a *tls.Conn and so knows the connection is encrypted.
func (s *Sender) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	var conn net.Conn
	var err error
	if s.cfg.tlsMode() == TLSImplicit {
		td := tls.Dialer{NetDialer: &d, Config: &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}}
		conn, err = td.DialContext(ctx, network, addr)
	} else {
		conn, err = d.DialContext(ctx, network, addr)
	}
	s.raw = conn
	return conn, err
}
