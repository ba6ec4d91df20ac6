// Package fan runs the fan program of seed 000 as a flow of durable steps:
// a brand selected by a confirmed member with marketing consent earns a
// welcome mania chip and a mail of the brand's new products carrying it,
// and an invitation to the brand's deep survey; an answered survey earns
// another chip and a fan decision; a new fan gets a fan-registration notice
// with a gift certificate. Each step is an event handler (jobs.On) that
// writes its ledger entries, outbox messages and next events in one
// transaction, keyed so that a retried step never acts twice.
package fan

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/jobs"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
)

// Options configure the fan program. Zero values mean the defaults.
type Options struct {
	BaseURL        string
	WelcomeChips   int64         // chips for selecting a brand (default 1)
	SurveyChips    int64         // chips for answering a brand survey (default 1)
	RewardValue    int64         // won on a new fan's gift certificate (default 10,000)
	RewardValidity time.Duration // how long the certificate is valid (default 90 days)
	// Invite invites the member to the brand's deep survey inside tx (the
	// survey service's InviteTx); nil leaves the step out.
	Invite func(ctx context.Context, tx *store.Tx, memberID, brandID int64, cause string) error
	// AfterCommit runs after each step commits (wakes the outbox and the
	// event relay).
	AfterCommit func()
}

// Service runs the fan program's steps.
type Service struct {
	db     *store.DB
	logger *slog.Logger
	opts   Options
	links  *link.Signer
}

// New returns the fan program over db.
func New(db *store.DB, logger *slog.Logger, opts Options) *Service {
	if opts.WelcomeChips <= 0 {
		opts.WelcomeChips = 1
	}
	if opts.SurveyChips <= 0 {
		opts.SurveyChips = 1
	}
	if opts.RewardValue <= 0 {
		opts.RewardValue = 10_000
	}
	if opts.RewardValidity <= 0 {
		opts.RewardValidity = 90 * 24 * time.Hour
	}
	if opts.AfterCommit == nil {
		opts.AfterCommit = func() {}
	}
	return &Service{db: db, logger: logger, opts: opts, links: link.New(db)}
}

// Register adds the program's event handlers to events.
func (s *Service) Register(events *jobs.Events) {
	jobs.On(events, "fan.welcome_chip", s.BrandSelected)
	jobs.On(events, "fan.survey_answered", s.SurveyAnswered)
}

// chipData is the Data of a chip message.
type chipData struct {
	EntryID int64 `json:"entry_id"`
}

// fanData is the Data of a fan notice.
type fanData struct {
	CertificateID int64 `json:"certificate_id"`
}

// BrandSelected issues the welcome chip for a brand the member selected and
// queues its mail and the brand's deep-survey invitation, all in one
// transaction; each of the two only when the brand's step is on. Members who are not confirmed, have no e-mail marketing
// consent, or chose an unpublished brand get nothing (the portal tells them
// why); a repeated event changes nothing.
func (s *Service) BrandSelected(ctx context.Context, ev fanmail.BrandSelected) error {
	ok, err := s.eligible(ctx, ev.MemberID, ev.BrandID)
	if err != nil || !ok {
		return err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		welcome, err := tx.BrandStep(ctx, ev.BrandID, fanmail.StepWelcomeChip)
		if err != nil {
			return err
		}
		invite, err := tx.BrandStep(ctx, ev.BrandID, fanmail.StepSurveyInvitation)
		if err != nil {
			return err
		}
		if invite.Enabled && s.opts.Invite != nil {
			if err := s.opts.Invite(ctx, tx, ev.MemberID, ev.BrandID, "welcome"); err != nil {
				return err
			}
		}
		// The chip last: drawing its number locks the chip counter until
		// the commit, so concurrent steps wait on it as briefly as possible.
		if welcome.Enabled {
			ref := fmt.Sprintf("welcome:member:%d:brand:%d", ev.MemberID, ev.BrandID)
			return s.awardChip(ctx, tx, ev.MemberID, ev.BrandID, s.opts.WelcomeChips, fanmail.ReasonBrandWelcome, ref)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("welcome chip for member %d, brand %d: %w", ev.MemberID, ev.BrandID, err)
	}
	s.opts.AfterCommit()
	return nil
}

// eligible reports whether the member may get the brand's chip mail now.
func (s *Service) eligible(ctx context.Context, memberID, brandID int64) (bool, error) {
	m, err := s.db.MemberByID(ctx, memberID)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if m.Status != fanmail.MemberActive {
		return false, nil
	}
	consent, err := s.db.MarketingConsent(ctx, memberID)
	if err != nil || !consent {
		return false, err
	}
	if _, err := s.db.BrandByID(ctx, brandID, true); err != nil {
		if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// awardChip issues chips under ref and queues the chip mail carrying them.
func (s *Service) awardChip(ctx context.Context, tx *store.Tx, memberID, brandID, n int64, reason, ref string) error {
	e, created, err := tx.Issue(ctx, fanmail.LedgerEntry{MemberID: memberID, BrandID: brandID, Unit: fanmail.UnitChip,
		Amount: n, Reason: reason, Ref: ref})
	if err != nil || !created {
		return err
	}
	data, _ := json.Marshal(chipData{EntryID: e.ID})
	if _, _, err := tx.EnqueueMessage(ctx, fanmail.Message{Kind: fanmail.MessageChip, Purpose: fanmail.PurposeMarketing,
		MemberID: memberID, BrandID: brandID, Ref: "chip:entry:" + strconv.FormatInt(e.ID, 10), Data: data}); err != nil {
		return err
	}
	return tx.Emit(ctx, fanmail.ChipAwarded{EntryID: e.ID, MemberID: memberID, BrandID: brandID, ChipNumber: e.ChipNumber, Reason: reason})
}

// SurveyAnswered pays the chip promised for a brand survey, decides on fan
// membership by the brand's rule and, for a new fan, issues a gift
// certificate and queues the fan-registration notice; all in one
// transaction, once per response.
func (s *Service) SurveyAnswered(ctx context.Context, ev fanmail.SurveyAnswered) error {
	if ev.BrandID == 0 {
		return nil
	}
	in, err := s.fanInput(ctx, ev)
	if err != nil {
		return err
	}
	// The certificate code is drawn before the transaction: on SQLite the
	// signing key must not be read on another connection while it holds
	// the write lock.
	code, err := s.links.NewCode(ctx, link.Certificate)
	if err != nil {
		return err
	}
	// The chips the invitation promised: the survey's own reward, or the
	// program's default.
	chips := s.opts.SurveyChips
	if sv, err := s.db.SurveyByID(ctx, ev.SurveyID); err == nil && sv.ChipReward > 0 {
		chips = int64(sv.ChipReward)
	} else if err != nil && fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
		return err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		ref := "survey:response:" + strconv.FormatInt(ev.ResponseID, 10)
		if err := s.awardChip(ctx, tx, ev.MemberID, ev.BrandID, chips, fanmail.ReasonSurveyAnswered, ref); err != nil {
			return err
		}
		n, err := tx.CountLedgerEntries(ctx, ev.MemberID, ev.BrandID, fanmail.ReasonSurveyAnswered)
		if err != nil {
			return err
		}
		in.SurveysAnswered = n
		decide, err := tx.BrandStep(ctx, ev.BrandID, fanmail.StepFanDecision)
		if err != nil || !decide.Enabled {
			return err
		}
		return s.decide(ctx, tx, ev, in, code)
	})
	if err != nil {
		return fmt.Errorf("survey response %d: %w", ev.ResponseID, err)
	}
	s.opts.AfterCommit()
	return nil
}

// DefaultRule is the fan rule of a brand whose staff set none.
var DefaultRule = fanmail.DefaultFanRule

func (s *Service) decide(ctx context.Context, tx *store.Tx, ev fanmail.SurveyAnswered, in fanmail.FanInput, code string) error {
	rule, err := tx.FanRule(ctx, ev.BrandID)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		rule, err = DefaultRule, nil
		rule.BrandID = ev.BrandID
	}
	if err != nil {
		return err
	}
	isFan, why := rule.Decide(in)
	d, created, err := tx.RecordFanDecision(ctx, fanmail.FanDecision{MemberID: ev.MemberID, BrandID: ev.BrandID,
		IsFan: isFan, Rule: rule.String(), Values: why, ResponseID: ev.ResponseID})
	if err != nil || !created {
		return err
	}
	newFan := false
	if isFan {
		if newFan, err = tx.AddFanMembership(ctx, ev.MemberID, ev.BrandID); err != nil {
			return err
		}
	}
	if newFan {
		step, err := tx.BrandStep(ctx, ev.BrandID, fanmail.StepFanReward)
		if err != nil {
			return err
		}
		if step.Enabled {
			if err := s.reward(ctx, tx, ev.MemberID, ev.BrandID, code); err != nil {
				return err
			}
		}
	}
	return tx.Emit(ctx, fanmail.FanDecided{DecisionID: d.ID, MemberID: ev.MemberID, BrandID: ev.BrandID,
		ResponseID: ev.ResponseID, IsFan: isFan, NewFan: newFan})
}

// reward issues a new fan's gift certificate with code and queues the fan
// notice.
func (s *Service) reward(ctx context.Context, tx *store.Tx, memberID, brandID int64, code string) error {
	exp := tx.Now.Add(s.opts.RewardValidity)
	ref := fmt.Sprintf("fan:member:%d:brand:%d", memberID, brandID)
	c, _, err := tx.IssueCertificate(ctx, fanmail.Certificate{Code: code, MemberID: memberID, BrandID: brandID,
		Value: s.opts.RewardValue, Reason: fanmail.ReasonFanReward, Ref: ref, ExpiresAt: &exp})
	if err != nil {
		return err
	}
	data, _ := json.Marshal(fanData{CertificateID: c.ID})
	_, _, err = tx.EnqueueMessage(ctx, fanmail.Message{Kind: fanmail.MessageFanNotice, Purpose: fanmail.PurposeMarketing,
		MemberID: memberID, BrandID: brandID, Ref: ref, Data: data})
	return err
}

// fanInput turns the answers of ev into what fan rules decide on, with each
// chosen option's position in its question.
func (s *Service) fanInput(ctx context.Context, ev fanmail.SurveyAnswered) (fanmail.FanInput, error) {
	pos, err := s.db.OptionPositions(ctx, ev.SurveyID)
	if err != nil {
		return fanmail.FanInput{}, err
	}
	in := fanmail.FanInput{Answers: map[string]fanmail.FanAnswer{}}
	for _, a := range ev.Answers {
		var fa fanmail.FanAnswer
		for _, v := range a.Options {
			fa.Options = append(fa.Options, fanmail.FanOption{Value: v, Position: pos[a.Question][v]})
		}
		if a.Number != nil {
			n := float64(*a.Number)
			fa.Number = &n
		}
		in.Answers[a.Question] = fa
	}
	return in, nil
}
