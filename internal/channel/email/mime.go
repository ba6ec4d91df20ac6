package email

import (
	"bytes"
	"encoding/base64"
	"unicode/utf8"
)

// Builder assembles MIME messages into a buffer that is reused from message
// to message, so building one allocates nothing once the buffer has grown.
// Lines end in CRLF. Header values must not contain CR or LF; non-ASCII
// values are written as RFC 2047 encoded words.
type Builder struct {
	// EightBit lets Alternative send a part as it is, "8bit" (RFC 6152),
	// when its lines fit the 998-octet limit: set it when the server offers
	// 8BITMIME. Korean text then travels as its UTF-8 bytes instead of
	// base64, a quarter shorter, and costs no encoding.
	EightBit bool

	buf []byte
}

// Reset empties the buffer, keeping its memory.
func (b *Builder) Reset() { b.buf = b.buf[:0] }

// Bytes returns the message built so far; it is valid until the next Reset.
func (b *Builder) Bytes() []byte { return b.buf }

// Raw appends p unchanged (pre-encoded header lines).
func (b *Builder) Raw(p []byte) { b.buf = append(b.buf, p...) }

// Header appends "name: value", encoding value when it is not plain ASCII.
func (b *Builder) Header(name string, value []byte) {
	b.buf = append(b.buf, name...)
	b.buf = append(b.buf, ':', ' ')
	b.buf = appendEncodedWords(b.buf, value, len(name)+2)
	b.buf = append(b.buf, '\r', '\n')
}

// HeaderString is Header for a string value.
func (b *Builder) HeaderString(name, value string) {
	b.buf = append(b.buf, name...)
	b.buf = append(b.buf, ':', ' ')
	b.buf = appendEncodedWords(b.buf, []byte(value), len(name)+2)
	b.buf = append(b.buf, '\r', '\n')
}

// Address appends an address header: "name: display <addr>", or only the
// address when display is empty.
func (b *Builder) Address(name, display, addr string) {
	b.buf = append(b.buf, name...)
	b.buf = append(b.buf, ':', ' ')
	if display != "" {
		b.buf = AppendDisplayName(b.buf, display)
		b.buf = append(b.buf, ' ')
	}
	b.buf = append(b.buf, '<')
	b.buf = append(b.buf, addr...)
	b.buf = append(b.buf, '>', '\r', '\n')
}

// Alternative appends the MIME headers and a multipart/alternative body with
// a text/plain and a text/html part, each 8bit when b.EightBit allows it,
// else quoted-printable or base64, whichever is shorter. boundary must not
// occur in the parts: one starting with "=_" never occurs in an encoded part,
// and callers sending 8bit choose one their bodies do not contain.
func (b *Builder) Alternative(boundary string, text, html []byte) {
	b.buf = append(b.buf, "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\""...)
	b.buf = append(b.buf, boundary...)
	b.buf = append(b.buf, "\"\r\n\r\n"...)
	b.part(boundary, "text/plain", text)
	b.part(boundary, "text/html", html)
	b.buf = append(b.buf, "--"...)
	b.buf = append(b.buf, boundary...)
	b.buf = append(b.buf, "--\r\n"...)
}

func (b *Builder) part(boundary, mediaType string, body []byte) {
	b.buf = append(b.buf, "--"...)
	b.buf = append(b.buf, boundary...)
	b.buf = append(b.buf, "\r\nContent-Type: "...)
	b.buf = append(b.buf, mediaType...)
	if b.EightBit {
		start := len(b.buf)
		b.buf = append(b.buf, "; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"...)
		var ok bool
		if b.buf, ok = appendEightBit(b.buf, body); ok {
			return
		}
		b.buf = b.buf[:start]
	}
	if preferBase64(body) {
		b.buf = append(b.buf, "; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"...)
		b.buf = AppendBase64Lines(b.buf, body)
	} else {
		b.buf = append(b.buf, "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"...)
		b.buf = AppendQuotedPrintable(b.buf, body)
		b.buf = append(b.buf, '\r', '\n')
	}
}

// maxLine is the longest line SMTP carries, without its CRLF (RFC 5321
// §4.5.3.1.6).
const maxLine = 998

// appendEightBit appends body as 8bit MIME content, with CRLF line ends and
// a final line break, and reports whether body could be sent so: no line
// longer than maxLine octets, no NUL and no CR but before LF. When it cannot,
// dst holds garbage past its original length.
func appendEightBit(dst, body []byte) ([]byte, bool) {
	for len(body) > 0 {
		line := body
		i := bytes.IndexByte(body, '\n')
		if i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) > maxLine || bytes.IndexByte(line, 0) >= 0 || bytes.IndexByte(line, '\r') >= 0 {
			return dst, false
		}
		dst = append(dst, line...)
		dst = append(dst, '\r', '\n')
	}
	return dst, true
}

// preferBase64 reports whether base64 encodes body shorter than
// quoted-printable: each non-ASCII byte costs 3 bytes in QP, every byte 4/3
// in base64, so base64 wins once a fifth of the bytes are non-ASCII.
func preferBase64(body []byte) bool {
	high := 0
	for _, c := range body {
		if c >= 0x80 {
			high++
		}
	}
	return high*5 > len(body)-high
}

const upperHex = "0123456789ABCDEF"

// AppendQuotedPrintable appends src quoted-printable encoded (RFC 2045
// §6.7): lines of at most 76 characters, CRLF (or LF) in src kept as line
// breaks, written as CRLF.
func AppendQuotedPrintable(dst, src []byte) []byte {
	n := 0 // characters on the current output line
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\n' || c == '\r' && i+1 < len(src) && src[i+1] == '\n' {
			if c == '\r' {
				i++
			}
			dst = append(dst, '\r', '\n')
			n = 0
			continue
		}
		enc := c == '=' || c > '~' || c < ' ' && c != '\t'
		if c == ' ' || c == '\t' {
			// White space before a line break would be lost in transit.
			enc = i+1 == len(src) || src[i+1] == '\n' || src[i+1] == '\r'
		}
		w := 1
		if enc {
			w = 3
		}
		if n+w > 75 {
			dst = append(dst, '=', '\r', '\n')
			n = 0
		}
		if enc {
			dst = append(dst, '=', upperHex[c>>4], upperHex[c&15])
		} else {
			dst = append(dst, c)
		}
		n += w
	}
	return dst
}

// AppendBase64Lines appends src base64 encoded in lines of 76 characters,
// each ending in CRLF.
func AppendBase64Lines(dst, src []byte) []byte {
	const in = 57 // bytes per 76-character line
	for len(src) > 0 {
		n := min(len(src), in)
		dst = base64.StdEncoding.AppendEncode(dst, src[:n])
		dst = append(dst, '\r', '\n')
		src = src[n:]
	}
	return dst
}

// AppendDisplayName appends a display name for an address header: as is
// when it is plain words, quoted when it has specials, RFC 2047 encoded when
// it is not ASCII.
func AppendDisplayName(dst []byte, name string) []byte {
	plain, quote := true, false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 0x80 || c < ' ' || c == 0x7f:
			plain = false
		case !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == ' ' ||
			c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' || c == '+' ||
			c == '-' || c == '/' || c == '=' || c == '?' || c == '^' || c == '_' || c == '`' || c == '{' ||
			c == '|' || c == '}' || c == '~'):
			quote = true
		}
	}
	if !plain {
		return appendEncodedWords(dst, []byte(name), 0)
	}
	if !quote {
		return append(dst, name...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(name); i++ {
		if name[i] == '"' || name[i] == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, name[i])
	}
	return append(dst, '"')
}

func isPlainASCII(s []byte) bool {
	for _, c := range s {
		if c >= 0x80 || c < ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// appendEncodedWords appends value as is when it is printable ASCII, else as
// RFC 2047 "B" encoded words, folded onto continuation lines so no line
// passes 78 characters, never splitting a UTF-8 sequence. used is how much of
// the first line is taken already ("Subject: ").
func appendEncodedWords(dst, value []byte, used int) []byte {
	if isPlainASCII(value) {
		return append(dst, value...)
	}
	// "=?UTF-8?B?" and "?=" take 12 characters; 4 base64 characters carry 3 bytes.
	limit := min(45, max(3, (78-used-12)/4*3))
	first := true
	for len(value) > 0 {
		n := min(len(value), limit)
		for n < len(value) && n > 0 && !utf8.RuneStart(value[n]) {
			n--
		}
		if n == 0 {
			n = min(len(value), limit)
		}
		if !first {
			dst = append(dst, '\r', '\n', ' ')
		}
		first, limit = false, 45
		dst = append(dst, "=?UTF-8?B?"...)
		dst = base64.StdEncoding.AppendEncode(dst, value[:n])
		dst = append(dst, '?', '=')
		value = value[n:]
	}
	return dst
}
