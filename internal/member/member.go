// Package member owns members: registration with the profile survey, consent
// records, double opt-in, favourite brands, the member portal's sign-in, and
// CSV import and export.
package member

import (
	"log/slog"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/throttle"
)

// Default link lifetimes, used when Options leave them zero.
const (
	DefaultConfirmTTL   = 72 * time.Hour
	DefaultMagicLinkTTL = 30 * time.Minute
)

// Options configure a member Service.
type Options struct {
	AgeBands     []fanmail.AgeBand
	BaseURL      string        // links in mails start with it, e.g. "https://fan.example.com"
	ConfirmTTL   time.Duration // how long a confirmation link works
	MagicLinkTTL time.Duration // how long a sign-in link works

	// AfterCommit, when set, runs after a change that wrote outbox messages
	// or flow events (a registration, a sign-in request, a confirmed member,
	// new favourite brands), to wake the outbox and the event relay.
	AfterCommit func()
}

// Service manages members. Its clock is the database's (db.Now), so tests
// move both together.
type Service struct {
	db     *store.DB
	mailer *delivery.Mailer
	opts   Options
	logger *slog.Logger

	links *link.Signer

	signIns  *throttle.SignIn   // wrong passwords per client and address
	requests *throttle.Requests // sign-in link requests per address and client
}

// New returns a Service over db. Its mails go through the outbox (see
// Renderers); mailer only tells whether mail is configured (nil or
// unconfigured: members then stay pending until staff act, and their mails
// wait in the outbox).
func New(db *store.DB, mailer *delivery.Mailer, opts Options, logger *slog.Logger) *Service {
	if opts.ConfirmTTL <= 0 {
		opts.ConfirmTTL = DefaultConfirmTTL
	}
	if opts.MagicLinkTTL <= 0 {
		opts.MagicLinkTTL = DefaultMagicLinkTTL
	}
	if len(opts.AgeBands) == 0 {
		opts.AgeBands = fanmail.DefaultAgeBands
	}
	return &Service{db: db, mailer: mailer, opts: opts, logger: logger,
		signIns:  throttle.NewSignIn(db, "member", throttle.DefaultSignInLimits),
		requests: throttle.NewRequests(db, "member.link", throttle.DefaultRequestLimits),
		links:    link.New(db)}
}

func (s *Service) afterCommit() {
	if s.opts.AfterCommit != nil {
		s.opts.AfterCommit()
	}
}

// MailConfigured reports whether the service can send mail.
func (s *Service) MailConfigured() bool { return s.mailer.Configured() }

func (s *Service) now() time.Time { return s.db.Now() }

func (s *Service) ageBand(birthYear int) string {
	return fanmail.AgeBandOf(s.opts.AgeBands, birthYear, s.now())
}
