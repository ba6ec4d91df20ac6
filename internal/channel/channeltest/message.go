package channeltest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Message is one message as the SMTP server received it.
type Message struct {
	From    string      // envelope sender (MAIL FROM)
	Body    string      // MAIL FROM's BODY parameter: "8BITMIME", "7BIT" or ""
	To      []string    // envelope recipients (RCPT TO)
	RcptAt  time.Time   // when the server read the first RCPT TO
	Raw     []byte      // the message as sent: header and body, CRLF line ends
	Header  mail.Header // top-level header fields, values as sent (still encoded)
	Subject string      // decoded from RFC 2047
	Text    string      // first text/plain part, decoded, with \n line ends
	HTML    string      // first text/html part, decoded, with \n line ends
}

// parseMessage decodes what tests look at. On error the fields read so far
// are kept, Raw always.
func parseMessage(raw []byte) (Message, error) {
	msg := Message{Raw: raw}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return msg, err
	}
	msg.Header = m.Header
	msg.Subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return msg, fmt.Errorf("subject: %w", err)
	}
	return msg, msg.readPart(textproto.MIMEHeader(m.Header), m.Body)
}

// readPart walks a MIME entity, keeping the first text and HTML bodies.
func (msg *Message) readPart(h textproto.MIMEHeader, body io.Reader) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("content type %q: %w", ct, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", mediaType, err)
			}
			if err := msg.readPart(part.Header, part); err != nil {
				return err
			}
		}
	}
	if mediaType != "text/plain" && mediaType != "text/html" {
		return nil
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		return fmt.Errorf("%s: unsupported charset %q", mediaType, cs)
	}
	switch cte := strings.ToLower(h.Get("Content-Transfer-Encoding")); cte {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks
	case "", "7bit", "8bit":
	default:
		return fmt.Errorf("%s: unsupported transfer encoding %q", mediaType, cte)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	if mediaType == "text/plain" && msg.Text == "" {
		msg.Text = text
	}
	if mediaType == "text/html" && msg.HTML == "" {
		msg.HTML = text
	}
	return nil
}

var linkPattern = regexp.MustCompile(`https?://[^\s"'<>]+`)

// Links returns the distinct http and https URLs in a text or HTML body, in
// order of appearance, with HTML entities such as &amp; decoded and
// sentence punctuation after a URL dropped.
func Links(body string) []string {
	var links []string
	for _, m := range linkPattern.FindAllString(body, -1) {
		link := html.UnescapeString(strings.TrimRight(m, ".,;:!?)"))
		if !slices.Contains(links, link) {
			links = append(links, link)
		}
	}
	return links
}
