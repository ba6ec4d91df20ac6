// Package channel defines the message envelope and the sender contract shared
// by every transport.
//
// Transports live in subpackages (email, and later sms); channeltest holds
// real in-process servers that record what arrived, for tests.
package channel

import "context"

// Email is one outgoing e-mail, fully rendered. Addresses are bare
// (jin72@example.com), without display names or angle brackets.
type Email struct {
	FromName    string // display name, may be Korean ("팬메일 고객센터")
	FromAddress string
	To          string
	ReplyTo     string // optional
	Subject     string // plain UTF-8; the transport encodes it (RFC 2047)
	HTML        string // optional if Text is set
	Text        string // optional if HTML is set; send both when you can

	// Headers are extra header fields such as List-Unsubscribe. Values are
	// plain UTF-8; the transport encodes them when needed.
	Headers map[string]string

	// MessageID is the Message-ID without angle brackets
	// ("m42.7f3a@mail.example.com"). The transport generates one when empty.
	MessageID string

	// ReturnPath is the envelope sender (SMTP MAIL FROM) that receives
	// bounces, typically a VERP address. FromAddress is used when empty.
	ReturnPath string
}

// EmailSender delivers e-mails. Implementations say whether they are safe for
// concurrent use; SendEmail errors never contain e-mail addresses or
// credentials, so callers may log and store them.
type EmailSender interface {
	// SendEmail hands one e-mail to the transport. A nil error means the
	// next hop accepted it, not that it reached the inbox.
	SendEmail(ctx context.Context, e Email) error

	// Close releases connections. The sender must not be used afterwards.
	Close() error
}
