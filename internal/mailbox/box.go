package mailbox

import (
	"context"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// Box reads the mailbox for staff (admin UI, API).
type Box struct {
	db *store.DB
	on bool
}

// NewBox returns the reader of the mailbox in db; on says whether mail is
// being kept in it now (no relay set).
func NewBox(db *store.DB, on bool) *Box { return &Box{db: db, on: on} }

// On reports whether outgoing mail goes to the mailbox instead of a relay.
func (b *Box) On() bool { return b != nil && b.on }

// PageSize is how many messages a page of the mailbox lists.
const PageSize = 50

// Page is one page of the mailbox, newest first.
type Page struct {
	Messages []store.MailboxMessage
	// Next is the Before of the next page, 0 on the last.
	Next int64
	// Dropped counts the older messages removed to keep the mailbox small.
	Dropped int64
}

// List returns the page of messages whose recipient or subject contain
// query, older than before (0: from the newest). EINVALID for a query with
// a NUL byte.
func (b *Box) List(ctx context.Context, query string, before int64) (Page, error) {
	query = strings.TrimSpace(query)
	if strings.ContainsRune(query, 0) {
		return Page{}, fanmail.Errorf(fanmail.EINVALID, "The text holds characters that are not allowed.")
	}
	ms, err := b.db.MailboxMessages(ctx, store.MailboxFilter{Query: query, Before: before, Limit: PageSize + 1})
	if err != nil {
		return Page{}, err
	}
	var p Page
	if len(ms) > PageSize {
		ms = ms[:PageSize]
		p.Next = ms[PageSize-1].ID
	}
	p.Messages = ms
	p.Dropped, err = b.db.MailboxDropped(ctx)
	return p, err
}

// Message is one message of the mailbox with its parts.
type Message struct {
	store.MailboxMessage
	Parsed
}

// Message returns message id, raw and taken apart; ENOTFOUND when there is
// none (or it was removed to keep the mailbox small).
func (b *Box) Message(ctx context.Context, id int64) (Message, error) {
	m, err := b.db.MailboxMessageByID(ctx, id)
	if err != nil {
		return Message{}, err
	}
	p, err := Parse(m.Raw)
	if err != nil {
		// Shown raw: the headers could not be read.
		p = Parsed{}
	}
	return Message{MailboxMessage: m, Parsed: p}, nil
}
