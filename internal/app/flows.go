package app

import (
	"context"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/fan"
	"github.com/fanmail/fanmail/internal/jobs"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/survey"
	"github.com/fanmail/fanmail/internal/tracking"
)

// openFlows builds the outbox, the event relay, the survey service, the fan
// program and the loyalty service, and registers their renderers and
// handlers. It runs before openQueue, which adds the handlers to the queue.
func (a *App) openFlows(ctx context.Context) error {
	urls, err := tracking.LoadURLs(ctx, a.db, a.cfg.BaseURL)
	if err != nil {
		return err
	}
	opts := delivery.OutboxOptions{From: a.cfg.MailFrom, BounceDomain: baseHost(a.cfg.BaseURL), URLs: urls,
		DKIM: a.dkim, Sender: a.footerSender}
	if a.cfg.SMTPURL == "console" {
		opts.Console = a.sender
	} else {
		cfg, err := a.smtpConfig()
		if err != nil {
			return err
		}
		opts.SMTP = &cfg
	}
	a.Outbox = delivery.NewOutbox(a.db, a.logger, opts)
	a.Events = jobs.NewEvents(a.db, a.logger)
	a.Surveys = survey.New(a.db, a.logger, survey.Options{AgeBands: a.cfg.AgeBands, BaseURL: a.cfg.BaseURL,
		AfterCommit: a.afterCommit})
	a.Outbox.Register(fanmail.MessageSurveyInvitation, a.Surveys.Render)
	// A selected brand's welcome chip comes with an invitation to the
	// brand's deep survey, in the same transaction.
	a.Fan = fan.New(a.db, a.logger, fan.Options{BaseURL: a.cfg.BaseURL, AfterCommit: a.afterCommit,
		Invite: a.Surveys.InviteBrandDeep})
	a.Fan.Register(a.Events)
	a.Outbox.RegisterAll(a.Fan.Renderers())
	a.Outbox.RegisterAll(a.Members.Renderers())
	a.Outbox.RegisterAll(a.Staff.Renderers())
	a.Outbox.RegisterAll(a.Orders.Renderers())
	a.Loyalty = loyalty.New(a.db, a.logger, loyalty.Options{BaseURL: a.cfg.BaseURL, AfterCommit: a.afterCommit})
	a.Outbox.RegisterAll(a.Loyalty.Renderers())
	a.openCompliance()
	return nil
}

// afterCommit wakes the outbox and the event relay after a transaction
// wrote messages or events.
func (a *App) afterCommit() {
	a.Outbox.Notify()
	a.Events.Kick()
}

// footerSender is who the legal footer of marketing messages names: the
// first sender staff set up (brand, shop or centre).
func (a *App) footerSender(ctx context.Context) (fanmail.Sender, error) {
	ss, err := a.db.Senders(ctx)
	if err != nil {
		return fanmail.Sender{}, err
	}
	if len(ss) == 0 {
		return fanmail.Sender{Name: "fanmail"}, nil
	}
	return ss[0], nil
}

// runFlows runs the outbox and the event relay until ctx ends.
func (a *App) runFlows(ctx context.Context) {
	a.engine.Go(func() { a.Outbox.Run(ctx) })
	a.engine.Go(func() { a.Events.Run(ctx, time.Second) })
}
