// Package app wires fanmail together: database, services, job queue and HTTP
// surfaces, and runs them until the context is cancelled.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/campaign"
	"github.com/fanmail/fanmail/internal/catalog"
	"github.com/fanmail/fanmail/internal/channel"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/compliance"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/fan"
	"github.com/fanmail/fanmail/internal/inbound"
	"github.com/fanmail/fanmail/internal/jobs"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/mailbox"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/order"
	"github.com/fanmail/fanmail/internal/privacy"
	"github.com/fanmail/fanmail/internal/segment"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/survey"
	"github.com/fanmail/fanmail/internal/tracking"
	"github.com/fanmail/fanmail/internal/web"
	"github.com/fanmail/fanmail/internal/web/admin"
	"github.com/fanmail/fanmail/internal/web/api"
	"github.com/fanmail/fanmail/internal/web/portal"
	"github.com/fanmail/fanmail/internal/web/track"
)

// App is one fanmail process.
type App struct {
	cfg    config.Config
	logger *slog.Logger
	db     *store.DB
	sender channel.EmailSender // the relay, the console or the mailbox
	// mailbox keeps the mail when no relay is set (FANMAIL_SMTP_URL empty);
	// nil otherwise.
	mailbox *mailbox.Server

	Catalog *catalog.Service
	Members *member.Service
	Staff   *staff.Service
	Mailer  *delivery.Mailer

	Campaigns *campaign.Service
	Segments  *segment.Service
	Tracking  *tracking.Service
	Orders    *order.Service
	Outbox    *delivery.Outbox
	Events    *jobs.Events
	Fan       *fan.Service
	Surveys   *survey.Service
	Loyalty   *loyalty.Service
	Mailbox   *mailbox.Box       // reads the built-in mailbox
	Access    *accesslog.Service // the access log of personal data
	Privacy   *privacy.Service   // the privacy policy and officer
	dkim      *email.DKIM
	inbound   *inbound.Server
	engine    sync.WaitGroup

	// Compliance writes the Network Act's consent notices and applies
	// the retention periods.
	Compliance *compliance.Service

	queue        *jobs.Queue
	handler      http.Handler
	metrics      *prometheus.Registry
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	listener     net.Listener
	server       *http.Server

	metricsListener net.Listener // nil unless cfg.MetricsAddr is set
	metricsServer   *http.Server

	// pageOut has Run give memory back each time the process goes idle
	// after being busy (the serve command's process; not tests, which run
	// many apps in one process). See trimWhenIdle.
	pageOut bool
}

// Open connects to the database, migrates it and builds the services. It does
// not load demo data or start serving; see Prepare and Run.
func Open(ctx context.Context, cfg config.Config, logger *slog.Logger) (*App, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.SetLogger(logger)
	a := &App{cfg: cfg, logger: logger, db: db}
	if err := a.openMail(); err != nil {
		a.Close()
		return nil, err
	}
	a.Mailer = delivery.NewMailer(a.sender, cfg.MailFrom, logger)
	a.Catalog = catalog.New(db, cfg.MediaDir, logger, catalog.MaxImageBytes(cfg.MaxUploadBytes))
	a.Staff = staff.New(db, logger, staff.Options{BaseURL: cfg.BaseURL, LinkTTL: cfg.MagicLinkTTL,
		MailConfigured: a.Mailer.Configured, AfterCommit: func() { a.afterCommit() }})
	a.Members = member.New(db, a.Mailer, member.Options{
		AgeBands: cfg.AgeBands, BaseURL: cfg.BaseURL, ConfirmTTL: cfg.ConfirmTTL, MagicLinkTTL: cfg.MagicLinkTTL,
		AfterCommit: func() { a.afterCommit() },
	}, logger)
	a.Access = accesslog.New(db, cfg.ExportReasonAbove)
	a.Privacy = privacy.New(db, privacyRetention(cfg.Retention), nil)
	if err := a.openCampaigns(ctx); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.openFlows(ctx); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.openQueue(ctx); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.buildHandler(); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// DB returns the database; the CLI and tests use it.
func (a *App) DB() *store.DB { return a.db }

// Handler returns the whole HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

func (a *App) buildHandler() error {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", web.Static())
	a.opsRoutes(mux)
	ad, err := admin.New(admin.Deps{
		Config: a.cfg, Logger: a.logger,
		Sessions: &web.Sessions{DB: a.db, Cookie: "fanmail_staff", Path: "/admin", TTL: a.cfg.SessionTTL, Secure: a.cfg.SecureCookies()},
		Staff:    a.Staff, Catalog: a.Catalog, Members: a.Members,
		Campaigns: a.Campaigns, Segments: a.Segments, Tracking: a.Tracking, Orders: a.Orders, Surveys: a.Surveys,
		Loyalty: a.Loyalty, Mailbox: a.Mailbox, AfterCommit: func() { a.afterCommit() }, Compliance: a.Compliance,
		Access: a.Access, Privacy: a.Privacy,
	})
	if err != nil {
		return err
	}
	ad.Routes(mux)
	po, err := portal.New(portal.Deps{
		Config: a.cfg, Logger: a.logger,
		Sessions: &web.Sessions{DB: a.db, Cookie: "fanmail_member", Path: "/", TTL: a.cfg.SessionTTL, Secure: a.cfg.SecureCookies()},
		Catalog:  a.Catalog, Members: a.Members, Surveys: a.Surveys, Loyalty: a.Loyalty, Privacy: a.Privacy,
	})
	if err != nil {
		return err
	}
	po.Routes(mux)
	api.New(api.Deps{Config: a.cfg, Logger: a.logger, Staff: a.Staff, Members: a.Members, Catalog: a.Catalog, Orders: a.Orders,
		Surveys: a.Surveys, Loyalty: a.Loyalty, Campaigns: a.Campaigns, Compliance: a.Compliance, Mailbox: a.Mailbox,
		Access: a.Access}).Routes(mux)
	secret, err := tracking.WebhookSecret(context.Background(), a.db, a.cfg.WebhookSecret)
	if err != nil {
		return err
	}
	tr, err := track.New(track.Deps{Logger: a.logger, Tracking: a.Tracking, WebhookSecret: secret})
	if err != nil {
		return err
	}
	tr.Routes(mux)
	var h http.Handler = web.LangSwitch(mux)
	h = web.SecurityHeaders(a.cfg.SecureCookies(), h) // HSTS with an https base URL
	h = a.accessLog(h)
	if a.cfg.TrustProxy {
		h = web.TrustProxy(h)
	}
	a.handler = h
	return nil
}

// Listen binds the HTTP address; Addr then reports the bound address (tests
// listen on 127.0.0.1:0).
func (a *App) Listen() error {
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	a.listener = ln
	return nil
}

// Addr returns the bound listen address, after Listen.
func (a *App) Addr() string { return a.listener.Addr().String() }

// Run serves HTTP and runs background work until ctx is cancelled, then stops
// taking requests, waits for running jobs and closes the database.
func (a *App) Run(ctx context.Context) error {
	if a.listener == nil {
		if err := a.Listen(); err != nil {
			return err
		}
	}
	if err := a.ListenMetrics(); err != nil {
		a.Close()
		return err
	}
	a.server = &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // CSV uploads
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	// The queue starts first so a request that enqueues work finds it running.
	if err := a.queue.Start(ctx); err != nil {
		a.Close()
		return fmt.Errorf("start queue: %w", err)
	}
	a.startBackground(ctx)
	a.runFlows(ctx)
	errc := make(chan error, 1)
	go func() { errc <- a.server.Serve(a.listener) }()
	if a.metricsListener != nil {
		a.serveMetrics()
	}
	a.logger.Info("fanmail serving", "addr", a.Addr(), "base_url", a.cfg.BaseURL, "database", a.db.Engine())
	// Start-up (migrations, demo pictures, parsing every template) leaves
	// tens of MB of garbage that an idle process would otherwise keep until
	// the runtime's scavenger returns it, a little at a time: return it now.
	debug.FreeOSMemory()
	if a.pageOut {
		a.engine.Go(func() { a.trimWhenIdle(ctx) })
	}
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			a.queue.Stop(context.WithoutCancel(ctx))
			a.stopBackground(context.WithoutCancel(ctx))
			a.Close()
			return fmt.Errorf("serve: %w", err)
		}
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := a.server.Shutdown(shutdownCtx); err != nil {
		a.logger.Warn("http shutdown", "err", err)
	}
	if a.metricsServer != nil {
		a.metricsServer.Shutdown(shutdownCtx) // only scrapes in flight are lost
	}
	// Running jobs (a mail being sent) finish; nothing new starts.
	if err := a.queue.Stop(context.WithoutCancel(ctx)); err != nil {
		a.logger.Warn("queue stop", "err", err)
	}
	a.stopBackground(shutdownCtx)
	a.logger.Info("fanmail stopped")
	return a.Close()
}

// Close releases the listener (when Run never served on it), the mail
// connection and the database.
func (a *App) Close() error {
	if a.listener != nil {
		a.listener.Close() // an error only says Serve has closed it already
	}
	if a.metricsListener != nil {
		a.metricsListener.Close()
	}
	if a.sender != nil {
		a.sender.Close()
	}
	if a.mailbox != nil {
		a.mailbox.Close()
	}
	return a.db.Close()
}

// UseListener makes Run serve on ln instead of binding HTTPAddr; tests that
// must know the port before Open (for BaseURL in mailed links) use it.
func (a *App) UseListener(ln net.Listener) { a.listener = ln }
