package app

import (
	"context"
	"errors"
	"fmt"
	"github.com/fanmail/fanmail"
	"net/url"

	"github.com/fanmail/fanmail/internal/campaign"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/inbound"
	"github.com/fanmail/fanmail/internal/order"
	"github.com/fanmail/fanmail/internal/segment"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/tracking"
)

// openCampaigns builds the campaign engine's services: segments, tracking,
// campaigns (sending through the SMTP relays of FANMAIL_SMTP_URL), orders, and
// the embedded bounce receiver when configured.
func (a *App) openCampaigns(ctx context.Context) error {
	urls, err := tracking.LoadURLs(ctx, a.db, a.cfg.BaseURL)
	if err != nil {
		return fmt.Errorf("tracking secret: %w", err)
	}
	var relays []email.Relay
	switch {
	case a.cfg.CampaignSMTPURLs != "":
		if relays, err = email.ParseRelayURLs(a.cfg.CampaignSMTPURLs); err != nil {
			return fmt.Errorf("campaign smtp urls: %w", err)
		}
	case a.sender != nil:
		// "console" has no relay: campaigns then wait until SMTP is set.
		if r, err := email.ParseRelayURLs(a.smtpURL()); err == nil {
			relays = r
		}
	}
	var dkim *email.DKIM
	if a.cfg.DKIMDomain != "" {
		if dkim, err = campaign.LoadDKIM(a.cfg.DKIMDomain, a.cfg.DKIMSelector, a.cfg.DKIMKeyFile); err != nil {
			return err
		}
	}
	a.dkim = dkim
	a.Segments = segment.New(a.db, a.cfg.AgeBands, a.logger)
	a.Tracking = tracking.New(a.db, a.logger, tracking.Options{URLs: urls, BotWindow: a.cfg.ScannerWindow})
	a.Campaigns = campaign.New(a.db, campaign.Options{BaseURL: a.cfg.BaseURL, URLs: urls, Relays: relays, DKIM: dkim}, a.logger)
	a.Campaigns.SetAdOverrideHook(a.auditAdOverride)
	a.Orders = order.New(a.db, a.Mailer, order.Options{SupportPhone: a.cfg.SupportPhone, AfterCommit: func() { a.afterCommit() }}, a.logger)
	if a.cfg.InboundSMTPAddr != "" {
		a.inbound = inbound.New(a.Tracking, a.logger, inbound.Options{
			Addr: a.cfg.InboundSMTPAddr, RepliesAddress: a.cfg.RepliesAddress, Domain: baseHost(a.cfg.BaseURL),
		})
		if err := a.inbound.Listen(); err != nil {
			return fmt.Errorf("inbound smtp: %w", err)
		}
	}
	return nil
}

// startBackground joins the nodes sending mail and runs the campaign engine
// and the bounce receiver until ctx ends.
func (a *App) startBackground(ctx context.Context) {
	a.joinNode(ctx)
	a.engine.Go(func() {
		err := a.Campaigns.Run(ctx)
		if err != nil && !errors.Is(err, context.Canceled) {
			a.logger.Warn("campaign engine not running", "err", err)
		}
	})
	if a.inbound != nil {
		a.engine.Go(func() {
			if err := a.inbound.Serve(); err != nil {
				a.logger.Error("inbound smtp stopped", "err", err)
			}
		})
		a.logger.Info("inbound smtp listening", "addr", a.inbound.Addr())
	}
}

// joinNode makes this process a node with a lease, renewed until ctx ends,
// so that its claims are taken over within seconds if it dies (store.Node).
// Without a node, claims wait for their locks to expire.
func (a *App) joinNode(ctx context.Context) {
	name := a.cfg.Node(a.Addr())
	n, err := a.db.JoinNode(ctx, name, store.DefaultNodeLease)
	if err != nil {
		a.logger.Error("joining the sending nodes failed; claims of a crash will wait for their locks", "node", name, "err", err)
		return
	}
	a.logger.Info("node joined", "node", name, "node_id", n.ID, "claims_freed", n.Freed)
	if n.WasLeased {
		a.logger.Warn("node's previous lease had not lapsed: if another process runs under this name, give each its own FANMAIL_NODE_NAME", "node", name)
	}
	wake := func() {
		a.Campaigns.Wake()
		a.Outbox.Notify()
	}
	if n.Freed > 0 {
		wake()
	}
	a.engine.Go(func() {
		n.Run(ctx, wake, func(err error) { a.logger.Warn("node heartbeat", "node", name, "err", err) })
	})
}

// stopBackground waits for the engine to record what it sent, stops the
// receiver and flushes buffered tracking events.
func (a *App) stopBackground(ctx context.Context) {
	if a.inbound != nil {
		a.inbound.Shutdown(ctx)
	}
	a.engine.Wait()
	if err := a.Tracking.Close(ctx); err != nil {
		a.logger.Warn("tracking flush", "err", err)
	}
}

// baseHost returns the host name of a base URL ("https://fan.example.com:8443" → "fan.example.com").
func baseHost(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return "localhost"
	}
	return u.Hostname()
}

// auditAdOverride writes an ad-rule override (content with ad signals let
// out as non-advertising mail) to the tamper-evident access log, in the
// transaction that records it on campaign c.
func (a *App) auditAdOverride(ctx context.Context, tx *store.Tx, c fanmail.Campaign) error {
	o := c.AdOverride
	if o == nil {
		return nil
	}
	actor := "api"
	if o.UserID != 0 {
		u, err := a.db.UserByID(ctx, o.UserID)
		if err != nil {
			return err
		}
		actor = u.Email
	}
	_, err := tx.AppendAccess(ctx, fanmail.AccessEntry{UserID: o.UserID, Actor: actor, Action: fanmail.AccessAdOverride,
		Target: fmt.Sprintf("campaign:%d", c.ID), Reason: o.Reason})
	return err
}
