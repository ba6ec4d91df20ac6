package email

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"regexp"
	"strings"

	mail "github.com/wneessen/go-mail"
)

// Error is a failed attempt to send one e-mail. Its text never contains
// e-mail addresses or credentials, so it may be logged and stored.
type Error struct {
	Code      int    // SMTP reply code such as 450 or 550; 0 when the server sent none
	Enhanced  string // RFC 3463 enhanced status code of the reply, such as "5.1.1"; "" when none
	Temporary bool   // worth retrying later; see IsTemporary
	msg       string
}

func (e *Error) Error() string { return e.msg }

// IsTemporary reports whether sending may succeed if retried later: true for
// 4xx replies, for failures to connect, greet or log in (they say nothing
// about the message, and an operator can fix them), and for a cancelled
// context; false for 5xx replies to the message and for invalid messages.
func IsTemporary(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// IsHardBounce reports whether err, an outcome of Pipe, is a permanent
// refusal of the recipient's address, which must not be mailed again: a
// 5xx reply to RCPT or to the message (DATA or its end) whose enhanced
// status code blames the address (X.1.x addressing, X.2.x mailbox) or that
// has none. Not a hard bounce: 4xx replies; X.2.2 mailbox full and X.2.3
// message too big for the mailbox (RFC 3463 calls mailbox full persistent
// but transient, as the DSN parser does); and refusals for the sender, the
// content or policy (X.3 to X.7: message too big, spam, DMARC, relaying
// denied), which say nothing about the address and would otherwise
// suppress a whole list when the relay turns against the campaign.
func IsHardBounce(err error) bool {
	if at := RefusedAt(err); at != "RCPT" && at != "DATA" {
		return false
	}
	var e *Error
	if !errors.As(err, &e) || e.Code < 500 || e.Code > 599 {
		return false
	}
	if e.Enhanced == "" {
		return true
	}
	_, rest, _ := strings.Cut(e.Enhanced, ".")
	subject, detail, _ := strings.Cut(rest, ".")
	switch subject {
	case "1":
		return true
	case "2":
		return detail != "2" && detail != "3"
	}
	return false
}

// enhancedStatus returns the RFC 3463 status code that starts a reply's
// text ("5.1.1 No such user"), or "".
func enhancedStatus(text string) string {
	code, _, _ := strings.Cut(text, " ")
	parts := strings.Split(code, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || parts[0][0] < '2' || parts[0][0] > '5' {
		return ""
	}
	for _, p := range parts[1:] {
		if len(p) == 0 || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return ""
		}
	}
	return code
}

// invalid reports a message that no server would accept. It names the
// field, never its value.
func invalid(field string) error {
	return &Error{msg: fmt.Sprintf("email: invalid %s", field)}
}

// connectError wraps a failure to dial, greet, start TLS or authenticate.
func connectError(err error, password string) error {
	e := &Error{Temporary: true, msg: "smtp connect: " + redact(err.Error(), password)}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		e.Code = reply.Code
	}
	return e
}

// sendError wraps an error from go-mail's SendWithSMTPClient.
func sendError(err error, password string) error {
	var se *mail.SendError
	if !errors.As(err, &se) {
		return &Error{Temporary: true, msg: "smtp send: " + redact(err.Error(), password)}
	}
	// go-mail appends the recipients and the Message-ID to its text.
	text, _, _ := strings.Cut(se.Error(), ", affected recipient(s): ")
	text, _, _ = strings.Cut(text, ", affected message ID: ")
	e := &Error{Code: se.ErrorCode(), msg: "smtp: " + redact(text, password)}
	switch {
	case e.Code >= 400 && e.Code < 500:
		e.Temporary = true
	case e.Code == 0:
		// No reply: the connection broke mid-transaction. (Addresses were
		// checked before sending, so go-mail's own checks cannot fail here.)
		e.Temporary = true
	}
	return e
}

// connectionLost reports whether err means the connection was gone before the
// transaction started, so the message can safely be sent on a new connection.
func connectionLost(err error) bool {
	var se *mail.SendError
	return errors.As(err, &se) && se.Reason == mail.ErrConnCheck
}

// hasReply reports whether err carries an SMTP reply, which means the
// connection is still in a known state and can be reused.
func hasReply(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code != 0
}

// addressLike matches anything shaped like an e-mail address or a Message-ID.
var addressLike = regexp.MustCompile(`[^\s<>()\[\]",;:]+@[^\s<>()\[\]",;:]+`)

// redact removes addresses (servers often echo the recipient) and the
// password from an error text. Passwords under 4 bytes are left alone:
// replacing every "p" would garble the text and protect nothing.
func redact(s, password string) string {
	if len(password) >= 4 {
		s = strings.ReplaceAll(s, password, "xxxxx")
	}
	return addressLike.ReplaceAllString(s, "[address]")
}
