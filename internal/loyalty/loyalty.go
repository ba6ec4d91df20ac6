// Package loyalty owns the chip and point ledger as members and staff use
// it: balances and history, redemption of chips and gift certificates
// against the reward catalogue (idempotent, never negative, never spent
// twice, with a receipt mail through the outbox), reversals, expiry, the
// catalogue itself and the brands' fan rules. Chips are issued by the fan
// program (internal/fan); this package spends, corrects and expires them.
package loyalty

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/jobs"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
)

// JobExpire expires chips, points and gift certificates past their
// validity; periodic.
const JobExpire = "loyalty.expire"

// Options configure a Service. Zero values mean the defaults.
type Options struct {
	// BaseURL is the public site, for links in the receipt mail.
	BaseURL string
	// CertificateValidity is how long a gift certificate bought with chips
	// is valid (default one year).
	CertificateValidity time.Duration
	// ExpireEvery is how often JobExpire runs (default hourly).
	ExpireEvery time.Duration
	// AfterCommit runs after a transaction that wrote outbox messages
	// commits (wakes the outbox).
	AfterCommit func()
}

// Service spends, corrects and expires what the ledger holds, and keeps the
// reward catalogue and the fan rules. Its clock is the database's (db.Now).
type Service struct {
	db     *store.DB
	logger *slog.Logger
	opts   Options
	links  *link.Signer
}

// New returns the loyalty service over db.
func New(db *store.DB, logger *slog.Logger, opts Options) *Service {
	if opts.CertificateValidity <= 0 {
		opts.CertificateValidity = 365 * 24 * time.Hour
	}
	if opts.ExpireEvery <= 0 {
		opts.ExpireEvery = time.Hour
	}
	if opts.AfterCommit == nil {
		opts.AfterCommit = func() {}
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{db: db, logger: logger, opts: opts, links: link.New(db)}
}

// JobHandlers returns the handlers of this package's job kinds.
func (s *Service) JobHandlers() map[string]jobs.Handler {
	return map[string]jobs.Handler{
		JobExpire: func(ctx context.Context, _ json.RawMessage) error {
			_, err := s.ExpireDue(ctx, s.db.Now())
			return err
		},
	}
}

// Periodic returns the periodic jobs this package needs.
func (s *Service) Periodic() []jobs.Periodic {
	return []jobs.Periodic{{Kind: JobExpire, Every: s.opts.ExpireEvery, RunOnStart: true}}
}

// Now returns the service's clock, the database's.
func (s *Service) Now() time.Time { return s.db.Now() }

// Balances returns a member's balances with their brands' names.
func (s *Service) Balances(ctx context.Context, memberID int64) ([]store.BalanceLine, error) {
	return s.db.Balances(ctx, memberID)
}

// Balance returns a member's balance of unit for a brand; 0 when nothing
// was ever issued.
func (s *Service) Balance(ctx context.Context, memberID, brandID int64, unit string) (int64, error) {
	return s.db.Balance(ctx, memberID, brandID, unit)
}

// History returns the ledger entries f selects (a member's, newest first),
// each saying why: its reason, its cause (Ref) and, for corrections, the
// entry it negates.
func (s *Service) History(ctx context.Context, f store.EntryFilter) ([]store.EntryLine, error) {
	if f.MemberID == 0 {
		return nil, fanmail.FieldError("member", "The entry needs a member.")
	}
	return s.db.LedgerEntries(ctx, f)
}

// Entry returns ledger entry id, or ENOTFOUND.
func (s *Service) Entry(ctx context.Context, id int64) (fanmail.LedgerEntry, error) {
	return s.db.LedgerEntryByID(ctx, id)
}

// Certificates returns a member's gift certificates, newest first.
func (s *Service) Certificates(ctx context.Context, memberID int64) ([]fanmail.Certificate, error) {
	return s.db.Certificates(ctx, memberID)
}

// Redemptions returns a member's redemptions, newest first.
func (s *Service) Redemptions(ctx context.Context, memberID int64) ([]fanmail.Redemption, error) {
	return s.db.Redemptions(ctx, memberID)
}
