package inbound

import (
	"bufio"
	"errors"
	"io"
	"net/textproto"
	"strings"

	"github.com/emersion/go-message"

	"github.com/fanmail/fanmail/internal/tracking"
)

// Report is what a received message says about a mail fanmail sent.
type Report struct {
	// Kind is tracking.KindBounceHard, KindBounceSoft or KindComplaint, or ""
	// when the message reports no failure (a reply, an auto-reply, a
	// "delivered" DSN).
	Kind         string
	Action       string // DSN Action of the worst recipient: failed, delayed, …
	Status       string // DSN Status, e.g. 5.1.1
	Diagnostic   string // DSN Diagnostic-Code; may quote the address
	FeedbackType string // ARF Feedback-Type, e.g. abuse

	// Headers of the original message, when the report includes them (they
	// attribute reports that did not come through the VERP address).
	OriginalReturnPath      string
	OriginalListUnsubscribe string
	OriginalMessageID       string

	// Of the message itself, for replies.
	AutoSubmitted bool     // Auto-Submitted other than "no", or a Precedence of bulk/junk/list
	InReplyTo     []string // In-Reply-To and References message IDs, without brackets
}

// ParseReport reads a received message: an RFC 3464 delivery status
// notification (multipart/report; report-type=delivery-status), an RFC 5965
// ARF feedback report (report-type=feedback-report), or anything else (then
// Kind is ""). It fails only on a message whose header cannot be read.
//
// Classification: Action "failed" with Status 5.x.x is a hard bounce, except
// X.2.2 "mailbox full", which RFC 3463 calls a persistent transient failure;
// "failed" with 4.x.x and "delayed" are soft. Feedback types other than
// not-spam and auth-failure are complaints.
func ParseReport(r io.Reader) (Report, error) {
	var rep Report
	e, err := message.Read(r)
	if err != nil && e == nil {
		return rep, err
	}
	rep.AutoSubmitted = isAutoSubmitted(e.Header)
	rep.InReplyTo = messageIDs(e.Header.Get("In-Reply-To") + " " + e.Header.Get("References"))

	var recipients []textproto.MIMEHeader
	var feedback textproto.MIMEHeader
	isReport := false
	// Walk stops at a broken MIME structure; what was read before still counts.
	_ = e.Walk(func(_ []int, part *message.Entity, _ error) error {
		if part == nil {
			return nil
		}
		t, _, _ := part.Header.ContentType()
		switch t {
		case "multipart/report":
			isReport = true
		case "message/delivery-status", "message/global-delivery-status":
			groups := readFieldGroups(part.Body)
			if len(groups) > 1 {
				recipients = append(recipients, groups[1:]...) // the first group is per message
			}
		case "message/feedback-report":
			groups := readFieldGroups(part.Body)
			if len(groups) > 0 {
				feedback = groups[0]
			}
		case "message/rfc822", "text/rfc822-headers", "message/rfc822-headers", "message/global", "message/global-headers":
			h, err := readHeader(part.Body)
			if err == nil {
				rep.OriginalReturnPath = h.Get("Return-Path")
				rep.OriginalListUnsubscribe = h.Get("List-Unsubscribe")
				rep.OriginalMessageID = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
			}
		}
		return nil
	})
	if !isReport {
		return rep, nil
	}
	if feedback != nil {
		rep.FeedbackType = strings.ToLower(strings.TrimSpace(feedback.Get("Feedback-Type")))
		switch rep.FeedbackType {
		case "not-spam", "auth-failure":
		default:
			rep.Kind = tracking.KindComplaint
		}
		return rep, nil
	}
	for _, rcpt := range recipients {
		kind, action, status := classify(rcpt)
		if worse(kind, rep.Kind) {
			rep.Kind, rep.Action, rep.Status = kind, action, status
			rep.Diagnostic = strings.TrimSpace(rcpt.Get("Diagnostic-Code"))
		}
	}
	return rep, nil
}

// classify reads one per-recipient DSN field group.
func classify(h textproto.MIMEHeader) (kind, action, status string) {
	action = strings.ToLower(firstWord(h.Get("Action")))
	status = firstWord(h.Get("Status"))
	switch action {
	case "failed":
		switch {
		case strings.HasPrefix(status, "4."), strings.HasSuffix(status, ".2.2"):
			return tracking.KindBounceSoft, action, status
		default:
			// 5.x.x, or no status at all: a failure that will not go away.
			return tracking.KindBounceHard, action, status
		}
	case "delayed":
		return tracking.KindBounceSoft, action, status
	}
	return "", action, status // delivered, relayed, expanded
}

// worse reports whether bounce kind a outranks b (hard > soft > none).
func worse(a, b string) bool {
	rank := func(k string) int {
		switch k {
		case tracking.KindBounceHard:
			return 2
		case tracking.KindBounceSoft:
			return 1
		}
		return 0
	}
	return rank(a) > rank(b)
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// readFieldGroups reads blank-line separated groups of header fields, the
// body of message/delivery-status and message/feedback-report.
func readFieldGroups(r io.Reader) []textproto.MIMEHeader {
	tp := textproto.NewReader(bufio.NewReader(io.LimitReader(r, 1<<20)))
	var groups []textproto.MIMEHeader
	for range 1000 {
		h, err := tp.ReadMIMEHeader()
		if len(h) > 0 {
			groups = append(groups, h)
		}
		if err != nil {
			break
		}
	}
	return groups
}

// readHeader reads the header block of an embedded message.
func readHeader(r io.Reader) (textproto.MIMEHeader, error) {
	tp := textproto.NewReader(bufio.NewReader(io.LimitReader(r, 1<<20)))
	h, err := tp.ReadMIMEHeader()
	if err != nil && !errors.Is(err, io.EOF) && len(h) == 0 {
		return nil, err
	}
	return h, nil
}

func isAutoSubmitted(h message.Header) bool {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "junk", "list", "auto_reply":
		return true
	}
	return h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != ""
}

// messageIDs extracts <id> tokens from In-Reply-To / References values.
func messageIDs(s string) []string {
	var ids []string
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			return ids
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return ids
		}
		if id := strings.TrimSpace(s[i+1 : i+j]); id != "" && len(ids) < 20 {
			ids = append(ids, id)
		}
		s = s[i+j+1:]
	}
}
