// Package survey owns fanmail's surveys: their definitions and questions as
// staff edit them, the defaults of a fresh install (the registration profile
// survey and seed 000's deep brand survey), personal invitations mailed
// through the outbox with a signed single-use link, the answer page's
// validation, typed answers counted by gender and age band, and the results.
// An answered survey is announced with the root event SurveyAnswered; the
// fan program pays its chip and decides on fan membership.
package survey

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
)

// DefaultInvitationTTL is how long an invitation's link works when Options
// leave it zero.
const DefaultInvitationTTL = 30 * 24 * time.Hour

// Options configure a survey Service. Zero values mean the defaults.
type Options struct {
	AgeBands      []fanmail.AgeBand // answers are counted by these (default fanmail.DefaultAgeBands)
	BaseURL       string            // links in mails start with it, e.g. "https://fan.example.com"
	InvitationTTL time.Duration     // how long an invitation can be answered (default 30 days)
	// AfterCommit runs after an answer is stored (wakes the event relay).
	AfterCommit func()
}

// Service manages surveys, invitations and answers. Its clock is the
// database's (db.Now).
type Service struct {
	db     *store.DB
	logger *slog.Logger
	opts   Options
	links  *link.Signer
	cache  viewCache
}

// New returns a Service over db.
func New(db *store.DB, logger *slog.Logger, opts Options) *Service {
	if len(opts.AgeBands) == 0 {
		opts.AgeBands = fanmail.DefaultAgeBands
	}
	if opts.InvitationTTL <= 0 {
		opts.InvitationTTL = DefaultInvitationTTL
	}
	if opts.AfterCommit == nil {
		opts.AfterCommit = func() {}
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	return &Service{db: db, logger: logger, opts: opts, links: link.New(db)}
}

// Surveys returns every survey, oldest first.
func (s *Service) Surveys(ctx context.Context) ([]fanmail.Survey, error) {
	return s.db.Surveys(ctx, 0)
}

// Survey returns survey id, or ENOTFOUND.
func (s *Service) Survey(ctx context.Context, id int64) (fanmail.Survey, error) {
	return s.db.SurveyByID(ctx, id)
}

// SurveyByKey returns the survey with key, or ENOTFOUND.
func (s *Service) SurveyByKey(ctx context.Context, key string) (fanmail.Survey, error) {
	return s.db.SurveyByKey(ctx, key)
}

// CreateSurvey stores a new survey and returns it with its id. It returns
// EINVALID naming the field at fault (see fanmail.Survey.Validate, and
// "brand_id" for an unknown brand) and ECONFLICT on the field "key" when
// another survey has the key.
func (s *Service) CreateSurvey(ctx context.Context, sv fanmail.Survey) (fanmail.Survey, error) {
	sv = trimSurvey(sv)
	if err := s.checkSurvey(ctx, sv); err != nil {
		return sv, err
	}
	var out fanmail.Survey
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.CreateSurvey(ctx, sv)
		return err
	})
	if fanmail.ErrorCode(err) == fanmail.ECONFLICT {
		return sv, &fanmail.Error{Code: fanmail.ECONFLICT, Field: "key", Message: "Another survey has this key."}
	}
	return out, err
}

// UpdateSurvey writes the titles, introductions, brand, chip reward and
// active flag of survey sv.ID (not its key). The profile survey is always
// active and about no brand. Errors are those of CreateSurvey, and
// ENOTFOUND.
func (s *Service) UpdateSurvey(ctx context.Context, sv fanmail.Survey) error {
	old, err := s.db.SurveyByID(ctx, sv.ID)
	if err != nil {
		return err
	}
	sv.Key = old.Key
	sv = trimSurvey(sv)
	if err := s.checkSurvey(ctx, sv); err != nil {
		return err
	}
	return s.db.UpdateSurvey(ctx, sv)
}

func trimSurvey(sv fanmail.Survey) fanmail.Survey {
	sv.Key = strings.TrimSpace(sv.Key)
	for _, f := range []*string{&sv.TitleKo, &sv.TitleEn, &sv.IntroKo, &sv.IntroEn} {
		*f = strings.TrimSpace(*f)
	}
	if sv.Key == fanmail.SurveyProfile {
		// Registration asks the profile survey whatever staff set here.
		sv.Active, sv.BrandID, sv.ChipReward = true, 0, 0
	}
	return sv
}

func (s *Service) checkSurvey(ctx context.Context, sv fanmail.Survey) error {
	if err := sv.Validate(); err != nil {
		return err
	}
	if sv.BrandID != 0 {
		if _, err := s.db.BrandByID(ctx, sv.BrandID, false); fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
			return fanmail.FieldError("brand_id", "Unknown brand.")
		} else if err != nil {
			return err
		}
	}
	return nil
}

// ageBand returns the label of the age band of someone born in birthYear.
func (s *Service) ageBand(birthYear int, now time.Time) string {
	return fanmail.AgeBandOf(s.opts.AgeBands, birthYear, now)
}
