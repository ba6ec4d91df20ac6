// Package email sends fanmail's e-mail over SMTP, or prints it to the console
// for local use. The transport is chosen by FANMAIL_SMTP_URL (see ParseURL).
package email

import (
	"errors"
	"log/slog"
	"os"

	"github.com/fanmail/fanmail/internal/channel"
)

// ErrNotConfigured is returned by New when FANMAIL_SMTP_URL is empty.
var ErrNotConfigured = errors.New(`e-mail is not configured: set FANMAIL_SMTP_URL to smtp://…, smtps://… or "console"`)

// New returns the sender cfg asks for: a *Sender for SMTP or a
// *ConsoleSender writing to standard output. It returns ErrNotConfigured for
// TransportNone.
func New(cfg Config, logger *slog.Logger) (channel.EmailSender, error) {
	switch cfg.Transport {
	case TransportSMTP:
		return NewSender(cfg, logger)
	case TransportConsole:
		logger.Info("e-mail goes to standard output, not sent (FANMAIL_SMTP_URL=console)")
		return NewConsoleSender(os.Stdout), nil
	default:
		return nil, ErrNotConfigured
	}
}
