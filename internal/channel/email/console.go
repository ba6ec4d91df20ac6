package email

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/fanmail/fanmail/internal/channel"
)

// ConsoleSender prints each e-mail (headers and text body) to a writer
// instead of sending it, for local use with FANMAIL_SMTP_URL=console.
// It is safe for concurrent use.
type ConsoleSender struct {
	mu sync.Mutex
	w  io.Writer
}

var _ channel.EmailSender = (*ConsoleSender)(nil)

// NewConsoleSender returns a ConsoleSender writing to w.
func NewConsoleSender(w io.Writer) *ConsoleSender {
	return &ConsoleSender{w: w}
}

// SendEmail writes a readable rendering of e. It rejects the same invalid
// e-mails as Sender, so mistakes show up before production.
func (c *ConsoleSender) SendEmail(ctx context.Context, e channel.Email) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := buildMessage(e); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("----- e-mail (FANMAIL_SMTP_URL=console: not sent) -----\n")
	line := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%s: %s\n", name, value)
		}
	}
	from := e.FromAddress
	if e.FromName != "" {
		from = fmt.Sprintf("%s <%s>", e.FromName, e.FromAddress)
	}
	line("From", from)
	line("To", e.To)
	line("Reply-To", e.ReplyTo)
	line("Return-Path", e.ReturnPath)
	line("Message-ID", e.MessageID)
	line("Subject", e.Subject)
	for _, name := range slices.Sorted(maps.Keys(e.Headers)) {
		line(name, e.Headers[name])
	}
	b.WriteString("\n")
	if e.Text != "" {
		b.WriteString(strings.TrimRight(e.Text, "\n") + "\n")
	}
	if e.HTML != "" {
		fmt.Fprintf(&b, "[HTML part: %d bytes]\n", len(e.HTML))
	}
	b.WriteString("----- end -----\n")

	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := io.WriteString(c.w, b.String())
	return err
}

// Close does nothing; it exists to satisfy channel.EmailSender.
func (c *ConsoleSender) Close() error { return nil }
