// Package member owns members: registration with the profile survey, consent
// records, double opt-in, favourite brands, the member portal's sign-in, and
// CSV import and export.
package member

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/throttle"
)

// Job kinds this package handles (see JobHandlers).
const (
	JobConfirmationMail = "member.confirmation_mail" // payload MailJob: send the double opt-in link
	JobSignInMail       = "member.signin_mail"       // payload MailJob: send a magic sign-in link
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

	// Enqueue, when set, hands mail jobs to the durable queue (kinds
	// JobConfirmationMail and JobSignInMail, handled by JobHandlers). When
	// nil, mails are sent synchronously after the transaction commits.
	Enqueue func(ctx context.Context, kind string, payload any) error

	// AfterCommit, when set, runs after a change that wrote flow events
	// (a confirmed member, new favourite brands), to wake their relay.
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

	signIns *throttle.Failures // wrong passwords per address
}

// New returns a Service over db sending mail through mailer (which may be nil
// or unconfigured: members then stay pending until staff act).
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
		signIns: throttle.New(db, "member", MaxSignInFailures, SignInWindow), links: link.New(db)}
}

// SetEnqueue sets Options.Enqueue after construction: the queue needs
// JobHandlers before it exists, the service needs the queue afterwards. Call
// it before serving requests.
func (s *Service) SetEnqueue(fn func(ctx context.Context, kind string, payload any) error) {
	s.opts.Enqueue = fn
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

// MailJob is the payload of the mail jobs.
type MailJob struct {
	MemberID int64 `json:"member_id"`
}

// JobHandlers returns the handlers of this package's job kinds, for the queue.
func (s *Service) JobHandlers() map[string]func(ctx context.Context, payload json.RawMessage) error {
	decode := func(fn func(ctx context.Context, memberID int64) error) func(context.Context, json.RawMessage) error {
		return func(ctx context.Context, payload json.RawMessage) error {
			var j MailJob
			if err := json.Unmarshal(payload, &j); err != nil {
				return fmt.Errorf("decode mail job: %w", err)
			}
			return fn(ctx, j.MemberID)
		}
	}
	return map[string]func(context.Context, json.RawMessage) error{
		JobConfirmationMail: decode(s.SendConfirmation),
		JobSignInMail:       decode(s.sendSignIn),
	}
}

// mailLater enqueues a mail job, or sends at once when there is no queue.
// Failures are logged, not returned: the data is stored either way.
func (s *Service) mailLater(ctx context.Context, kind string, memberID int64) {
	if !s.mailer.Configured() {
		s.logger.Warn("mail not configured; nothing sent", "kind", kind, "member_id", memberID)
		return
	}
	var err error
	if s.opts.Enqueue != nil {
		err = s.opts.Enqueue(ctx, kind, MailJob{MemberID: memberID})
	} else {
		err = s.JobHandlers()[kind](ctx, mustJSON(MailJob{MemberID: memberID}))
	}
	if err != nil {
		s.logger.Error("mail failed", "kind", kind, "member_id", memberID, "err", err)
	}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
