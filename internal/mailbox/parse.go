package mailbox

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Header is one header field of a message, decoded for reading.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Parsed is a message taken apart for reading: its header fields in order
// and its text and HTML bodies (UTF-8, as fanmail writes them).
type Parsed struct {
	Headers []Header
	Text    string
	HTML    string
}

// Parse takes a raw message apart. A message it cannot read is an error
// only when even its header cannot be read; a body it does not understand
// is left empty.
func Parse(raw []byte) (Parsed, error) {
	var p Parsed
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return p, fmt.Errorf("mailbox: read message: %w", err)
	}
	p.Headers = headers(raw)
	p.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, 0)
	return p, nil
}

// headers returns the header fields in the order they were written (a
// mail.Header is a map), unfolded and decoded.
func headers(raw []byte) []Header {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(raw)
	}
	var out []Header
	for _, line := range strings.Split(string(raw[:end]), "\r\n") {
		if (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")) && len(out) > 0 {
			out[len(out)-1].Value += " " + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		out = append(out, Header{Name: name, Value: strings.TrimSpace(value)})
	}
	for i := range out {
		out[i].Value = decodeHeader(out[i].Value)
	}
	return out
}

// walk finds the first text/plain and text/html parts under a part.
func (p *Parsed) walk(contentType, encoding string, body io.Reader, depth int) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mediaType = "text/plain"
	}
	if strings.HasPrefix(mediaType, "multipart/") && depth < 5 {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err != nil {
				return
			}
			p.walk(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part, depth+1)
		}
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, newlineSkipper{body})
	}
	b, err := io.ReadAll(io.LimitReader(body, MaxMessageBytes))
	if err != nil {
		return
	}
	switch {
	case mediaType == "text/plain" && p.Text == "":
		p.Text = string(b)
	case mediaType == "text/html" && p.HTML == "":
		p.HTML = string(b)
	}
}

// newlineSkipper drops CR and LF, which base64 bodies are wrapped with.
type newlineSkipper struct{ r io.Reader }

func (n newlineSkipper) Read(b []byte) (int, error) {
	k, err := n.r.Read(b)
	out := b[:0]
	for _, c := range b[:k] {
		if c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	return len(out), err
}
