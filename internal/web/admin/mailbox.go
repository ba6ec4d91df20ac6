package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/mailbox"
	"github.com/fanmail/fanmail/internal/web"
)

// The mailbox holds whole mails to members: reading it is viewing members.
const permMailbox = fanmail.PermViewMembers

// mailboxRoutes registers the built-in mailbox: the list, one message, its
// HTML for a sandboxed frame and its raw text.
func (h *Handler) mailboxRoutes(mux *http.ServeMux) {
	page := func(fn web.HandlerFunc) http.Handler { return h.page(permMailbox, fn) }
	mux.Handle("GET /admin/mailbox", page(h.listMailbox))
	mux.Handle("GET /admin/mailbox/{id}", page(h.showMailboxMessage))
	mux.Handle("GET /admin/mailbox/{id}/html", page(h.mailboxMessageHTML))
	mux.Handle("GET /admin/mailbox/{id}/raw", page(h.mailboxMessageRaw))
}

type mailboxPage struct {
	On     bool // mail goes to the mailbox now
	Query  string
	Before int64
	mailbox.Page
}

func (h *Handler) listMailbox(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	pg := mailboxPage{On: h.Mailbox.On(), Query: strings.TrimSpace(q.Get("q")), Before: before}
	var err error
	if pg.Page, err = h.Mailbox.List(r.Context(), pg.Query, before); err != nil {
		return err
	}
	ids := make([]int64, len(pg.Messages))
	for i, m := range pg.Messages {
		ids[i] = m.ID
	}
	if err := h.logAccess(r, fanmail.AccessSearch, accesslog.MailboxTarget(pg.Query, before, ids), len(ids), ""); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "mailbox", trTitle(r, "Mailbox"), pg)
}

// mailboxMessage returns the message of the path and records reading it
// (part: "" for the page, "html" for its frame, "raw" for the download).
func (h *Handler) mailboxMessage(r *http.Request, part string) (mailbox.Message, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return mailbox.Message{}, err
	}
	m, err := h.Mailbox.Message(r.Context(), id)
	if err != nil {
		return m, err
	}
	return m, h.logAccess(r, fanmail.AccessView, strings.TrimSpace(accesslog.MailboxMessageTarget(id)+" "+part), 1, "")
}

func (h *Handler) showMailboxMessage(w http.ResponseWriter, r *http.Request) error {
	m, err := h.mailboxMessage(r, "")
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "mailbox_message", m.Subject, m)
}

// mailboxHTMLPolicy is the policy of a kept mail's HTML in its frame: like
// the campaign preview's (previewCSP), but images only from fanmail's media,
// so that reading a mail fetches neither its open pixel (staff reading it
// is no open) nor anything from elsewhere.
func (h *Handler) mailboxHTMLPolicy() string {
	return "default-src 'none'; style-src 'unsafe-inline'; img-src data: " + h.Config.BaseURL + "/media/; " +
		"frame-ancestors 'self'; sandbox"
}

// mailboxMessageHTML serves the HTML part alone, for the sandboxed frame of
// the message page (see previewHTML for why not srcdoc).
func (h *Handler) mailboxMessageHTML(w http.ResponseWriter, r *http.Request) error {
	m, err := h.mailboxMessage(r, "html")
	if err != nil {
		return err
	}
	return writeFramedHTML(w, h.mailboxHTMLPolicy(), m.HTML)
}

// mailboxMessageRaw downloads the message as it arrived, as an .eml file.
func (h *Handler) mailboxMessageRaw(w http.ResponseWriter, r *http.Request) error {
	m, err := h.mailboxMessage(r, "raw")
	if err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", "message/rfc822")
	hd.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="fanmail-mailbox-%d.eml"`, m.ID))
	hd.Set("Cache-Control", "no-store")
	_, err = w.Write(m.Raw)
	return err
}
