package admin

import (
	"context"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/privacy"
	"log/slog"
	"testing"
	"time"

	"github.com/fanmail/fanmail/internal/campaign"
	"github.com/fanmail/fanmail/internal/catalog"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/mailbox"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/order"
	"github.com/fanmail/fanmail/internal/segment"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/survey"
	"github.com/fanmail/fanmail/internal/tracking"
	"github.com/fanmail/fanmail/internal/web"
)

// FullDeps returns every service the staff UI needs, over db, as the app
// wires them: campaign test mails go to cfg.SMTPURL's relay, mail of the
// outbox waits for a test's own outbox. A test replaces the ones it holds.
func FullDeps(t testing.TB, db *store.DB, cfg config.Config, logger *slog.Logger) Deps {
	t.Helper()
	relays, err := email.ParseRelayURLs(cfg.SMTPURL)
	if err != nil {
		relays = nil // "console"
	}
	mailer := delivery.NewMailer(nil, cfg.MailFrom, logger)
	tr := tracking.New(db, logger, tracking.Options{BotWindow: cfg.ScannerWindow})
	t.Cleanup(func() { tr.Close(context.Background()) })
	return Deps{
		Config: cfg, Logger: logger,
		Sessions:  &web.Sessions{DB: db, Cookie: "fanmail_staff", Path: "/admin", TTL: time.Hour},
		Staff:     staff.New(db, logger, staff.Options{BaseURL: cfg.BaseURL}),
		Catalog:   catalog.New(db, cfg.MediaDir, logger),
		Members:   member.New(db, mailer, member.Options{AgeBands: cfg.AgeBands, BaseURL: cfg.BaseURL}, logger),
		Campaigns: campaign.New(db, campaign.Options{BaseURL: cfg.BaseURL, Relays: relays}, logger),
		Segments:  segment.New(db, cfg.AgeBands, logger),
		Tracking:  tr,
		Orders:    order.New(db, mailer, order.Options{}, logger),
		Surveys:   survey.New(db, logger, survey.Options{AgeBands: cfg.AgeBands, BaseURL: cfg.BaseURL}),
		Loyalty:   loyalty.New(db, logger, loyalty.Options{BaseURL: cfg.BaseURL}),
		Mailbox:   mailbox.NewBox(db, cfg.SMTPURL == ""),
		Access:    accesslog.New(db, cfg.ExportReasonAbove),
		Privacy:   privacy.New(db, nil, nil),
	}
}
