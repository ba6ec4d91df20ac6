package throttle

import (
	"context"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// Limit is at most Max failures within Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// SignInLimits are the three limits of password sign-ins (see SignIn).
type SignInLimits struct {
	Pair    Limit // one client guessing one account's password
	Client  Limit // one client trying passwords on many accounts (spraying)
	Account Limit // many clients guessing one account's password
}

// DefaultSignInLimits are the limits of staff and member sign-ins: a
// handful of tries per client and account, a few accounts' worth per
// client, and for the account, from all clients together, enough that
// typing errors never reach it.
var DefaultSignInLimits = SignInLimits{
	Pair:    Limit{Max: 5, Window: 15 * time.Minute},
	Client:  Limit{Max: 20, Window: 15 * time.Minute},
	Account: Limit{Max: 30, Window: time.Hour},
}

// Refusals of SignIn.Check (ETOOMANY). ErrAccountLocked refuses the
// rightful owner too, who can sign in with a mailed link instead.
var (
	ErrTooMany       = fanmail.Errorf(fanmail.ETOOMANY, "Too many failed sign-ins. Try again in 15 minutes.")
	ErrAccountLocked = fanmail.Errorf(fanmail.ETOOMANY, "Too many failed sign-ins for this account. Sign in with a link by e-mail, or try again later.")
)

// SignIn throttles password sign-ins by who tries (the client, e.g. an IP
// address) and which account (the normalized address):
//
//   - per client and account: a guesser is stopped after a few tries, while
//     the account's owner, elsewhere, can still sign in;
//   - per client: one client trying many accounts (password spraying) is
//     stopped whichever accounts it tries;
//   - per account: guesses from many clients (a botnet) lock the password
//     sign-in of the account for everyone, and the owner signs in with a
//     mailed link.
//
// Unknown accounts count like known ones, so a refusal says nothing about
// which accounts exist.
type SignIn struct {
	pair, client, account *Failures
}

// NewSignIn returns the throttle of scope (e.g. "staff"; scopes count
// apart) with limits l.
func NewSignIn(db *store.DB, scope string, l SignInLimits) *SignIn {
	return &SignIn{
		pair:    New(db, scope, l.Pair.Max, l.Pair.Window),
		client:  New(db, scope+".client", l.Client.Max, l.Client.Window),
		account: New(db, scope+".account", l.Account.Max, l.Account.Window),
	}
}

func pairKey(client, account string) string { return client + "\x00" + account }

// Check returns nil when client may try a password for account at now, else
// ErrTooMany (this client, for this account or for all) or
// ErrAccountLocked (this account, from every client).
func (g *SignIn) Check(ctx context.Context, client, account string, now time.Time) error {
	for _, c := range []struct {
		f   *Failures
		key string
		err error
	}{
		{g.pair, pairKey(client, account), ErrTooMany},
		{g.client, client, ErrTooMany},
		{g.account, account, ErrAccountLocked},
	} {
		blocked, err := c.f.Blocked(ctx, c.key, now)
		if err != nil {
			return err
		}
		if blocked {
			return c.err
		}
	}
	return nil
}

// Fail records a wrong password from client for account at now.
func (g *SignIn) Fail(ctx context.Context, client, account string, now time.Time) error {
	if err := g.pair.Fail(ctx, pairKey(client, account), now); err != nil {
		return err
	}
	if err := g.client.Fail(ctx, client, now); err != nil {
		return err
	}
	return g.account.Fail(ctx, account, now)
}

// Succeeded forgets client's failures for account after a success. The
// client's failures on other accounts and the account's failures from other
// clients stay: a guesser who knows one password must not clear them.
func (g *SignIn) Succeeded(ctx context.Context, client, account string) error {
	return g.pair.Forget(ctx, pairKey(client, account))
}
