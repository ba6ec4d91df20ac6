package throttle

import (
	"context"
	"time"

	"github.com/fanmail/fanmail/internal/store"
)

// RequestLimits are the limits of requests for mailed links.
type RequestLimits struct {
	Address Limit // mails to one address, whoever asks
	Client  Limit // requests from one client, whatever addresses it names
}

// DefaultRequestLimits are the limits of sign-in link requests: a few mails
// an hour to one address, and per client a few addresses' worth.
var DefaultRequestLimits = RequestLimits{
	Address: Limit{Max: 5, Window: time.Hour},
	Client:  Limit{Max: 20, Window: time.Hour},
}

// Requests limits requests for mailed links (sign-in links) per address
// and per client, so the form cannot be used to flood one mailbox, nor to
// mail many. The caller answers the same whether or not a request was
// allowed, so the limits tell nothing about who has an account.
type Requests struct {
	address, client *Failures
}

// NewRequests returns the limits of scope (e.g. "staff.link"; scopes count
// apart).
func NewRequests(db *store.DB, scope string, l RequestLimits) *Requests {
	return &Requests{
		address: New(db, scope, l.Address.Max, l.Address.Window),
		client:  New(db, scope+".client", l.Client.Max, l.Client.Window),
	}
}

// Allow counts a request from client for address (normalized) at now and
// reports whether it is within both limits. A refused request is not
// counted.
func (q *Requests) Allow(ctx context.Context, client, address string, now time.Time) (bool, error) {
	for _, c := range []struct {
		f   *Failures
		key string
	}{{q.address, address}, {q.client, client}} {
		blocked, err := c.f.Blocked(ctx, c.key, now)
		if err != nil || blocked {
			return false, err
		}
	}
	if err := q.address.Fail(ctx, address, now); err != nil {
		return false, err
	}
	return true, q.client.Fail(ctx, client, now)
}
