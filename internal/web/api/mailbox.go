package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/mailbox"
	"github.com/fanmail/fanmail/internal/store"
)

// The built-in mailbox: with no SMTP relay set, every mail fanmail sends is
// kept there. Its mails hold members' personal data, so reading them needs
// members.view.

const msgMailboxNotFound = "Mailbox message not found."

// mailboxService returns the mailbox, or EUNAVAILABLE on a server built
// without one.
func (h *Handler) mailboxService() (*mailbox.Box, error) {
	if h.Mailbox == nil {
		return nil, fanmail.Errorf(fanmail.EUNAVAILABLE, "The mailbox is not available on this server.")
	}
	return h.Mailbox, nil
}

// mailboxListJSON is a page of GET /api/v1/mailbox.
type mailboxListJSON struct {
	On         bool                 `json:"on"`
	Dropped    int64                `json:"dropped"`
	NextBefore *int64               `json:"next_before"`
	Data       []mailboxSummaryJSON `json:"data"`
}

type mailboxSummaryJSON struct {
	ID         int64     `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Subject    string    `json:"subject"`
	Kind       string    `json:"kind"`
	Size       int       `json:"size"`
}

// mailboxMessageJSON is GET /api/v1/mailbox/{id}.
type mailboxMessageJSON struct {
	mailboxSummaryJSON
	Headers []mailbox.Header `json:"headers"`
	Text    string           `json:"text"`
	HTML    string           `json:"html"`
}

func mailboxSummaryOut(m store.MailboxMessage) mailboxSummaryJSON {
	return mailboxSummaryJSON{ID: m.ID, ReceivedAt: m.ReceivedAt, From: m.From, To: m.To, Subject: m.Subject, Kind: m.Kind, Size: m.Size}
}

func (h *Handler) listMailbox(w http.ResponseWriter, r *http.Request) error {
	box, err := h.mailboxService()
	if err != nil {
		return err
	}
	before, err := queryInt64(r, "before")
	if err != nil {
		return err
	}
	p, err := box.List(r.Context(), r.URL.Query().Get("q"), before)
	if err != nil {
		return err
	}
	if n := noteAccess(r); n != nil {
		ids := make([]int64, len(p.Messages))
		for i, m := range p.Messages {
			ids[i] = m.ID
		}
		n.Count, n.Target = len(ids), accesslog.MailboxTarget(r.URL.Query().Get("q"), before, ids)
	}
	out := mailboxListJSON{On: box.On(), Dropped: p.Dropped, Data: []mailboxSummaryJSON{}}
	if p.Next != 0 {
		out.NextBefore = &p.Next
	}
	for _, m := range p.Messages {
		out.Data = append(out.Data, mailboxSummaryOut(m))
	}
	return writeJSON(w, http.StatusOK, out)
}

// getMailboxMessage answers the message taken apart, or with ?format=raw
// as it arrived (message/rfc822).
func (h *Handler) getMailboxMessage(w http.ResponseWriter, r *http.Request) error {
	box, err := h.mailboxService()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id", msgMailboxNotFound)
	if err != nil {
		return err
	}
	format := strings.TrimSpace(r.URL.Query().Get("format"))
	if format != "" && format != "raw" && format != "json" {
		return invalidField("format", "This parameter must be raw or json.")
	}
	m, err := box.Message(r.Context(), id)
	if err != nil {
		return err
	}
	if n := noteAccess(r); n != nil {
		n.Target = accesslog.MailboxMessageTarget(id)
		if format == "raw" {
			n.Target += " raw"
		}
	}
	if format == "raw" {
		w.Header().Set("Content-Type", "message/rfc822")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="fanmail-mailbox-%d.eml"`, m.ID))
		w.Header().Set("Cache-Control", "no-store")
		_, err = w.Write(m.Raw)
		return err
	}
	headers := m.Headers
	if headers == nil {
		headers = []mailbox.Header{}
	}
	return writeJSON(w, http.StatusOK, mailboxMessageJSON{mailboxSummaryJSON: mailboxSummaryOut(m.MailboxMessage),
		Headers: headers, Text: m.Text, HTML: m.HTML})
}
