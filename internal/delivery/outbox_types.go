package delivery

import (
	"context"

	"github.com/fanmail/fanmail/internal/store"
)

// Content is one message rendered by its kind's Renderer, before the outbox
// frames it: the layout, and for marketing the "(광고)" subject prefix, the
// legal footer, the unsubscribe headers, VERP and DKIM.
type Content struct {
	Subject string
	Text    string // plain-text body
	HTML    string // HTML body fragment, placed inside the mail layout
	// BrandID names the brand the message speaks for, if any; the outbox
	// skips the message when that brand is no longer published.
	BrandID int64
	// Document says HTML is a whole document already (the transactional
	// templates' own layout); it then gets no layout and no footer, so it
	// must not be marketing.
	Document bool
}

// Renderer renders one claimed message for its member. It returns a
// fanmail.Error with code ENOTFOUND or EEXPIRED when what the message is
// about is gone (the message is then skipped, not retried); any other error
// is retried.
type Renderer func(ctx context.Context, c *store.OutboxClaim) (Content, error)
