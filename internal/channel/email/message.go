package email

import (
	"crypto/rand"
	"maps"
	netmail "net/mail"
	"slices"
	"strings"

	mail "github.com/wneessen/go-mail"

	"github.com/fanmail/fanmail/internal/channel"
)

// buildMessage turns e into a MIME message: multipart/alternative when both
// bodies are set, UTF-8, quoted-printable bodies, RFC 2047 encoded headers.
// Errors name the bad field, never its value.
func buildMessage(e channel.Email) (*mail.Msg, error) {
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())

	from, ok := bareAddress(e.FromAddress)
	if !ok {
		return nil, invalid("From address")
	}
	from.Name = e.FromName
	m.FromMailAddress(from)
	to, ok := bareAddress(e.To)
	if !ok {
		return nil, invalid("To address")
	}
	m.ToMailAddress(to)
	if e.ReplyTo != "" {
		addr, ok := bareAddress(e.ReplyTo)
		if !ok {
			return nil, invalid("Reply-To address")
		}
		m.ReplyToMailAddress(addr)
	}
	if e.ReturnPath != "" {
		addr, ok := bareAddress(e.ReturnPath)
		if !ok {
			return nil, invalid("return path")
		}
		m.EnvelopeFromMailAddress(addr)
	}

	m.Subject(e.Subject) // go-mail Q-encodes non-ASCII and control characters
	id := strings.Trim(e.MessageID, "<>")
	if id == "" {
		_, domain, _ := strings.Cut(from.Address, "@")
		id = rand.Text() + "@" + domain
	}
	m.SetMessageIDWithValue(id)
	m.SetDate()
	for _, name := range slices.Sorted(maps.Keys(e.Headers)) {
		if !validHeaderName(name) {
			return nil, invalid("header name")
		}
		m.SetGenHeader(mail.Header(name), e.Headers[name])
	}

	switch {
	case e.Text != "" && e.HTML != "":
		m.SetBodyString(mail.TypeTextPlain, e.Text)
		m.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	case e.Text != "":
		m.SetBodyString(mail.TypeTextPlain, e.Text)
	case e.HTML != "":
		m.SetBodyString(mail.TypeTextHTML, e.HTML)
	default:
		return nil, invalid("body (HTML and text are both empty)")
	}
	return m, nil
}

// bareAddress parses an address without a display name.
func bareAddress(s string) (*netmail.Address, bool) {
	addr, err := netmail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return nil, false
	}
	return addr, true
}

// validHeaderName accepts the letters, digits and hyphens that real header
// names use, which also rules out header injection through the name.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
