package app

import (
	"fmt"

	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/mailbox"
)

// openMail sets up how mail leaves: through the relay of FANMAIL_SMTP_URL,
// to the console, or, with no relay set, into the built-in mailbox, an
// SMTP server on 127.0.0.1 that every sender then uses as its relay.
func (a *App) openMail() error {
	if a.cfg.SMTPURL == "" {
		mb, err := mailbox.Open(a.db, a.logger, a.cfg.MailboxKeep)
		if err != nil {
			return err
		}
		a.mailbox = mb
		a.logger.Info("no SMTP relay set (FANMAIL_SMTP_URL): mail is kept in the admin mailbox and does not leave this machine")
	}
	scfg, err := a.smtpConfig()
	if err != nil {
		return err
	}
	a.sender, err = email.New(scfg, a.logger)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	a.Mailbox = mailbox.NewBox(a.db, a.mailbox != nil)
	return nil
}

// smtpConfig is the relay of every outbox message: FANMAIL_SMTP_URL's, or
// the mailbox's.
func (a *App) smtpConfig() (email.Config, error) {
	if a.mailbox != nil {
		return a.mailbox.Config(), nil
	}
	cfg, err := email.ParseURL(a.cfg.SMTPURL)
	if err != nil {
		return cfg, fmt.Errorf("smtp url: %w", err)
	}
	return cfg, nil
}

// smtpURL is FANMAIL_SMTP_URL, or the mailbox's relay URL.
func (a *App) smtpURL() string {
	if a.mailbox != nil {
		return a.mailbox.URL()
	}
	return a.cfg.SMTPURL
}

// MailboxOn reports whether mail is kept in the built-in mailbox.
func (a *App) MailboxOn() bool { return a.mailbox != nil }
