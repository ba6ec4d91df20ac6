// Package tracking owns what happens after a campaign mail is sent: opens,
// clicks, one-click unsubscribes, bounces and complaints, the suppression list,
// and the signed URLs that lead back to fanmail.
package tracking

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// NewSendToken returns a fresh unguessable token for a sends row: 26 characters
// of base32 (130 bits), safe in URLs and in a VERP local part.
func NewSendToken() string { return strings.ToLower(rand.Text()) }

// URLs builds and checks the links carried by campaign mail. Every link holds
// the send's token and an HMAC over it, so a guessed or altered link is refused
// before any database look-up.
type URLs struct {
	Base   string // public base URL, e.g. https://fan.example.com
	Secret []byte // HMAC key, from the settings table
}

func (u URLs) sign(parts ...string) string {
	m := hmac.New(sha256.New, u.Secret)
	m.Write([]byte(strings.Join(parts, "|")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
}

// Valid reports whether sig signs parts.
func (u URLs) Valid(sig string, parts ...string) bool {
	return hmac.Equal([]byte(sig), []byte(u.sign(parts...)))
}

// Open returns the open-pixel URL of a send: /t/o/{token}/{sig}.gif
func (u URLs) Open(token string) string {
	return u.Base + "/t/o/" + token + "/" + u.sign("o", token) + ".gif"
}

// Click returns the redirect URL for link linkID of a send:
// /t/c/{token}/{linkID}/{sig}
func (u URLs) Click(token string, linkID int64) string {
	id := strconv.FormatInt(linkID, 10)
	return u.Base + "/t/c/" + token + "/" + id + "/" + u.sign("c", token, id)
}

// Unsubscribe returns the unsubscribe URL of a send: /u/{token}/{sig}. GET shows
// a confirmation page; POST (RFC 8058 one-click) unsubscribes at once.
func (u URLs) Unsubscribe(token string) string {
	return u.Base + "/u/" + token + "/" + u.sign("u", token)
}

// VERP returns the envelope sender that maps a bounce to its send:
// bounce+{token}@{domain}.
func VERP(token, domain string) string { return "bounce+" + token + "@" + domain }

// TokenFromVERP extracts the send token from a VERP recipient address, or "".
func TokenFromVERP(addr string) string {
	local, _, ok := strings.Cut(strings.ToLower(strings.Trim(addr, "<> ")), "@")
	if !ok {
		return ""
	}
	tok, ok := strings.CutPrefix(local, "bounce+")
	if !ok {
		return ""
	}
	return tok
}
