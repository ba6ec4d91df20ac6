package tracking

import (
	"context"
	"crypto/rand"
	"log/slog"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// Event kinds stored in the events table.
const (
	KindDelivered   = "delivered"
	KindOpen        = "open"
	KindClick       = "click"
	KindBounceHard  = "bounce_hard"
	KindBounceSoft  = "bounce_soft"
	KindComplaint   = "complaint"
	KindUnsubscribe = "unsubscribe"
	KindReply       = "reply"
)

// Options configure the tracking service; zero fields take the defaults.
type Options struct {
	URLs URLs
	// BotWindow: a click this soon after the send left is taken for a link
	// scanner's (default 10s; config FANMAIL_SCANNER_WINDOW): recorded and
	// shown as flagged, left out of the figures. HEAD requests are always
	// bots.
	BotWindow time.Duration
	// SoftBounceLimit soft bounces within SoftBounceWindow suppress an address
	// (defaults 3 and 30 days).
	SoftBounceLimit  int
	SoftBounceWindow time.Duration
	Writer           WriterOptions
	// CacheSize bounds the token → send cache of the click endpoint
	// (default 100000 entries; negative disables it).
	CacheSize int
	CacheTTL  time.Duration // default 5 minutes
}

// Service records opens, clicks, unsubscribes, bounces, complaints and
// replies, keeps the suppression list and answers campaign statistics.
type Service struct {
	db     *store.DB
	logger *slog.Logger
	opts   Options
	w      *writer
	cache  *sendCache
}

// New returns a running service; Close it to store buffered events.
func New(db *store.DB, logger *slog.Logger, opts Options) *Service {
	if opts.BotWindow <= 0 {
		opts.BotWindow = 10 * time.Second
	}
	if opts.SoftBounceLimit <= 0 {
		opts.SoftBounceLimit = 3
	}
	if opts.SoftBounceWindow <= 0 {
		opts.SoftBounceWindow = 30 * 24 * time.Hour
	}
	if opts.CacheSize == 0 {
		opts.CacheSize = 100000
	}
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = 5 * time.Minute
	}
	return &Service{
		db:     db,
		logger: logger,
		opts:   opts,
		w:      newWriter(db.InsertTokenEvents, logger, opts.Writer),
		cache:  newSendCache(opts.CacheSize, opts.CacheTTL),
	}
}

// BotWindow returns how soon after a send left a click is flagged as a
// link scanner's.
func (s *Service) BotWindow() time.Duration { return s.opts.BotWindow }

// URLs returns the signer the service checks links with.
func (s *Service) URLs() URLs { return s.opts.URLs }

// Flush returns once every event recorded before the call is stored.
func (s *Service) Flush(ctx context.Context) error { return s.w.sync(ctx) }

// Close stops taking open and click events and stores those still buffered;
// it returns ctx's error if ctx ends first.
func (s *Service) Close(ctx context.Context) error {
	return s.w.close(ctx)
}

// WriterCounts reports what the event writer did so far.
func (s *Service) WriterCounts() WriterCounts { return s.w.counts() }

var errNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Page not found.")

// TrackingSecretSetting and WebhookSecretSetting name the settings rows that
// hold the HMAC keys when the configuration gives none.
const (
	TrackingSecretSetting = "tracking_secret"
	WebhookSecretSetting  = "webhook_secret"
)

// LoadURLs returns the URL signer for base with the key of the settings row
// "tracking_secret", creating the key the first time. Every node of one
// database gets the same key.
func LoadURLs(ctx context.Context, db *store.DB, base string) (URLs, error) {
	secret, err := db.SettingOrInit(ctx, TrackingSecretSetting, func() string { return rand.Text() + rand.Text() })
	if err != nil {
		return URLs{}, err
	}
	return NewURLs(base, []byte(secret)), nil
}

// WebhookSecret returns configured when set, else the settings row
// "webhook_secret", creating a random one the first time (the staff UI can show
// it to paste into the provider's console).
func WebhookSecret(ctx context.Context, db *store.DB, configured string) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	secret, err := db.SettingOrInit(ctx, WebhookSecretSetting, func() string { return rand.Text() + rand.Text() })
	if err != nil {
		return nil, err
	}
	return []byte(secret), nil
}
