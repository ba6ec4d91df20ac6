// Package campaign owns campaigns: senders, drafts and their templates,
// scheduling (in the company's or each member's time zone), the send-time
// compliance check, and the engine that sends a campaign's mail in batches
// claimed from the sends table, resumably and without doubles, over
// pipelined SMTP connections to one or more relays.
package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/jobs"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/tracking"
)

// Job kinds this package handles (see JobHandlers).
const (
	// JobTick starts due campaigns and finishes completed ones; periodic.
	JobTick = "campaign.tick"
	// JobStart starts one campaign now if it is due (payload StartJob);
	// enqueued when a campaign is scheduled for now.
	JobStart = "campaign.start"
)

// Defaults for zero Options.
const (
	DefaultBatchSize    = 1000
	DefaultLockFor      = 5 * time.Minute
	DefaultPollInterval = 2 * time.Second
	DefaultMaxAttempts  = 6
	DefaultIdleTimeout  = 30 * time.Second
	// DefaultConnsPerWorker: see Options.ConnsPerWorker.
	DefaultConnsPerWorker = 16
	DefaultTimezone       = "Asia/Seoul"
)

// Options configure a Service.
type Options struct {
	// BaseURL is fanmail's public address: product pages, images, tracking
	// and unsubscribe links start with it.
	BaseURL string
	// URLs signs tracking and unsubscribe links. A zero Secret is loaded
	// from the settings table (tracking.LoadURLs) on first use.
	URLs tracking.URLs
	// Relays are the SMTP servers campaign mail goes out through; the
	// engine keeps Concurrency connections open to each.
	Relays []email.Relay
	// HeloName is the name fanmail greets SMTP servers with; default: the
	// host of BaseURL.
	HeloName string
	// BounceDomain receives bounces at bounce+TOKEN@BounceDomain (VERP) and
	// names Message-IDs; default: the host of BaseURL.
	BounceDomain string
	// DKIM signs every campaign mail when set.
	DKIM *email.DKIM
	// BatchSize is how many sends a worker claims at once (fewer when a
	// rate-limited relay could not send them within half of LockFor). A
	// process killed mid-campaign sends again what it sent but had not
	// recorded: at most two batches per worker (the one in hand and one
	// being recorded).
	BatchSize int
	// LockFor is how long a claimed batch is reserved for its worker; after
	// that (the worker died) another takes it over. When the process has
	// joined as a node (store.Node), its claims are taken over as soon as
	// its lease lapses, seconds after it died.
	LockFor time.Duration
	// PollInterval is how often idle workers look for work.
	PollInterval time.Duration
	// MaxAttempts is how often a temporarily refused mail is tried.
	MaxAttempts int
	// RetryDelay gives the wait after failed attempt n (1, 2, …); default
	// one minute doubling up to an hour.
	RetryDelay func(attempt int) time.Duration
	// IdleTimeout closes an SMTP connection unused this long.
	IdleTimeout time.Duration
	// ConnsPerWorker is how many of a relay's connections one worker
	// goroutine drives, handing each the next mail in turn: while one
	// connection's server replies, the worker renders for and writes to the
	// others, so it seldom waits on a reply (which costs a wasted read and
	// a trip through the scheduler). By default DefaultConnsPerWorker, or
	// with DKIM few enough that every CPU gets a worker: signing costs
	// 70 µs (ed25519) to 1 ms (RSA) per mail, rendering alone about 3 µs.
	// A worker waits for its slowest connection, so a stalled one holds
	// back the others it drives until its reply times out.
	ConnsPerWorker int
	// Enqueue hands a JobStart to the durable queue when a campaign is
	// scheduled for now; when nil the next JobTick starts it.
	Enqueue func(ctx context.Context, kind string, payload any) error
}

// Service manages campaigns and sends them. Its clock is the database's
// (db.Now), so tests move both together.
type Service struct {
	db     *store.DB
	logger *slog.Logger
	opts   Options

	urlsMu sync.Mutex
	urls   tracking.URLs

	mu       sync.Mutex
	compiled map[int64]*compiled // campaigns being sent, ready to render
	active   []int64             // campaigns in status sending, as last read
	activeAt time.Time
	wake     chan struct{} // closed (and replaced) when there may be new work
	zones    []string      // member time zones, as last read
	zonesAt  time.Time

	adOverrideHook AdOverrideHook // see SetAdOverrideHook

	compileMu sync.Mutex // one compile at a time, so a campaign compiles once
	fgMu      sync.Mutex
	fg        *worker // SendBatch's worker
}

// New returns a Service. It does not connect to any relay: Run does.
func New(db *store.DB, opts Options, logger *slog.Logger) *Service {
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.LockFor <= 0 {
		opts.LockFor = DefaultLockFor
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.RetryDelay == nil {
		opts.RetryDelay = func(n int) time.Duration { return min(time.Minute<<min(n-1, 10), time.Hour) }
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	host := "localhost"
	if u, err := url.Parse(opts.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	if opts.HeloName == "" {
		opts.HeloName = host
	}
	if opts.BounceDomain == "" {
		opts.BounceDomain = host
	}
	if opts.URLs.Base == "" {
		opts.URLs.Base = opts.BaseURL
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{db: db, logger: logger, opts: opts, urls: opts.URLs,
		compiled: map[int64]*compiled{}, wake: make(chan struct{})}
}

// SetEnqueue sets Options.Enqueue after construction (the queue needs
// JobHandlers before it exists).
func (s *Service) SetEnqueue(fn func(ctx context.Context, kind string, payload any) error) {
	s.opts.Enqueue = fn
}

func (s *Service) now() time.Time { return s.db.Now() }

// trackingURLs returns the link signer, loading its key on first use.
func (s *Service) trackingURLs(ctx context.Context) (tracking.URLs, error) {
	s.urlsMu.Lock()
	defer s.urlsMu.Unlock()
	if len(s.urls.Secret) == 0 {
		u, err := tracking.LoadURLs(ctx, s.db, s.opts.URLs.Base)
		if err != nil {
			return u, err
		}
		s.urls = u
	}
	return s.urls, nil
}

// Wake makes the engine look for work now, e.g. after another node's
// claims were freed (store.Node.Run).
func (s *Service) Wake() { s.notify() }

// notify wakes idle workers: there may be new work.
func (s *Service) notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.activeAt = time.Time{}
	close(s.wake)
	s.wake = make(chan struct{})
}

// CreateSender stores a new sender identity. EINVALID names the field at fault.
func (s *Service) CreateSender(ctx context.Context, snd fanmail.Sender) (fanmail.Sender, error) {
	snd = cleanSender(snd)
	if err := snd.Validate(); err != nil {
		return snd, err
	}
	return s.db.CreateSender(ctx, snd)
}

// UpdateSender changes a sender. EINVALID names the field at fault;
// ENOTFOUND if there is no such sender.
func (s *Service) UpdateSender(ctx context.Context, snd fanmail.Sender) (fanmail.Sender, error) {
	snd = cleanSender(snd)
	if err := snd.Validate(); err != nil {
		return snd, err
	}
	return s.db.UpdateSender(ctx, snd)
}

func cleanSender(snd fanmail.Sender) fanmail.Sender {
	snd.Name, snd.FromName = strings.TrimSpace(snd.Name), strings.TrimSpace(snd.FromName)
	snd.FromEmail, snd.ReplyTo = strings.TrimSpace(snd.FromEmail), strings.TrimSpace(snd.ReplyTo)
	snd.Address, snd.Phone = strings.TrimSpace(snd.Address), strings.TrimSpace(snd.Phone)
	if snd.Kind == "" {
		snd.Kind = fanmail.SenderBrand
	}
	return snd
}

// Sender returns one sender, or ENOTFOUND.
func (s *Service) Sender(ctx context.Context, id int64) (fanmail.Sender, error) {
	return s.db.SenderByID(ctx, id)
}

// Senders lists every sender.
func (s *Service) Senders(ctx context.Context) ([]fanmail.Sender, error) { return s.db.Senders(ctx) }

// DeleteSender removes a sender no campaign uses (else ECONFLICT).
func (s *Service) DeleteSender(ctx context.Context, id int64) error {
	return s.db.DeleteSender(ctx, id)
}

// CreateCampaign stores a new draft. Kind defaults to marketing and the time
// zone to Asia/Seoul. A subject or body that is not a valid template is
// EINVALID naming the line.
func (s *Service) CreateCampaign(ctx context.Context, c fanmail.Campaign) (fanmail.Campaign, error) {
	c = cleanCampaign(c)
	if err := s.checkDraft(ctx, c); err != nil {
		return c, err
	}
	return s.db.CreateCampaign(ctx, c)
}

// UpdateCampaign replaces the content of a draft: EINVALID as for
// CreateCampaign, ECONFLICT once it is no longer a draft.
func (s *Service) UpdateCampaign(ctx context.Context, c fanmail.Campaign) (fanmail.Campaign, error) {
	c = cleanCampaign(c)
	if err := s.checkDraft(ctx, c); err != nil {
		return c, err
	}
	return s.db.UpdateCampaign(ctx, c)
}

func cleanCampaign(c fanmail.Campaign) fanmail.Campaign {
	c.Name, c.Subject, c.Preheader = strings.TrimSpace(c.Name), strings.TrimSpace(c.Subject), strings.TrimSpace(c.Preheader)
	if c.Kind == "" {
		c.Kind = fanmail.CampaignMarketing
	}
	if c.Timezone == "" {
		c.Timezone = DefaultTimezone
	}
	return c
}

// checkDraft validates the fields and parses the templates (without the
// catalogue: unknown brands are found when scheduling).
func (s *Service) checkDraft(ctx context.Context, c fanmail.Campaign) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.SenderID != 0 {
		if _, err := s.db.SenderByID(ctx, c.SenderID); fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
			return fanmail.FieldError("sender_id", "Sender not found.")
		} else if err != nil {
			return err
		}
	}
	if c.SegmentID != 0 {
		if _, err := s.db.SegmentByID(ctx, c.SegmentID); fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
			return fanmail.FieldError("segment_id", "Segment not found.")
		} else if err != nil {
			return err
		}
	}
	_, err := parseTemplates(c, templateFuncs(nil))
	return err
}

// Campaign returns one campaign, or ENOTFOUND.
func (s *Service) Campaign(ctx context.Context, id int64) (fanmail.Campaign, error) {
	return s.db.CampaignByID(ctx, id)
}

// Campaigns lists campaigns, newest first.
func (s *Service) Campaigns(ctx context.Context, f store.CampaignFilter) ([]fanmail.Campaign, error) {
	return s.db.Campaigns(ctx, f)
}

// Schedule schedules campaign id to start at at (zero: now). With MemberTZ
// the wall-clock time of at in the campaign's time zone is used in each
// member's zone. It checks everything that can be checked before sending:
// EINVALID when the subject, body, sender, template or legal footer is
// missing or wrong (naming what), a *fanmail.AdRuleError (EINVALID) when
// content with ad signals would go out unmarked, ECONFLICT unless the
// campaign is a draft or already scheduled.
func (s *Service) Schedule(ctx context.Context, id int64, at time.Time) (fanmail.Campaign, error) {
	c, err := s.db.CampaignByID(ctx, id)
	if err != nil {
		return c, err
	}
	now := s.now()
	if at.IsZero() {
		at = now
	}
	at = at.UTC()
	c.SendAt = &at
	if err := c.CanSchedule(now); err != nil {
		return c, err
	}
	cc, err := s.compile(ctx, c, modeCheck)
	if err != nil {
		return c, err
	}
	if ok, err := s.db.AudienceExists(ctx, cc.audience, now); err != nil {
		return c, err
	} else if !ok {
		return c, fanmail.FieldError("segment_id", "Nobody is in the audience of this campaign.")
	}
	c, err = s.db.MoveCampaign(ctx, id, fanmail.CampaignScheduled, &at, fanmail.CampaignDraft, fanmail.CampaignScheduled)
	if err != nil {
		return c, err
	}
	s.logger.Info("campaign scheduled", "campaign_id", id, "send_at", at, "member_tz", c.MemberTZ)
	if !at.After(now) && !c.MemberTZ && s.opts.Enqueue != nil {
		if err := s.opts.Enqueue(ctx, JobStart, StartJob{CampaignID: id}); err != nil {
			s.logger.Warn("enqueue campaign start", "campaign_id", id, "err", err)
		}
	}
	return c, nil
}

// Unschedule turns a scheduled campaign back into a draft (ECONFLICT if it
// has started).
func (s *Service) Unschedule(ctx context.Context, id int64) (fanmail.Campaign, error) {
	return s.db.MoveCampaign(ctx, id, fanmail.CampaignDraft, nil, fanmail.CampaignScheduled)
}

// Pause stops sending campaign id after the batches in flight (ECONFLICT
// unless it is sending).
func (s *Service) Pause(ctx context.Context, id int64) (fanmail.Campaign, error) {
	c, err := s.db.MoveCampaign(ctx, id, fanmail.CampaignPaused, nil, fanmail.CampaignSending)
	if err == nil {
		s.logger.Info("campaign paused", "campaign_id", id)
		s.notify()
	}
	return c, err
}

// Resume continues sending a paused campaign (ECONFLICT unless paused).
func (s *Service) Resume(ctx context.Context, id int64) (fanmail.Campaign, error) {
	c, err := s.db.MoveCampaign(ctx, id, fanmail.CampaignSending, nil, fanmail.CampaignPaused)
	if err == nil {
		s.logger.Info("campaign resumed", "campaign_id", id)
		s.notify()
	}
	return c, err
}

// Cancel stops a scheduled, sending or paused campaign for good; its unsent
// mails are skipped. ECONFLICT in any other status.
func (s *Service) Cancel(ctx context.Context, id int64) (fanmail.Campaign, error) {
	c, err := s.db.CancelCampaign(ctx, id)
	if err == nil {
		s.logger.Info("campaign cancelled", "campaign_id", id)
		s.forget(id)
		s.notify()
	}
	return c, err
}

// Progress is how far a campaign has got.
type Progress struct {
	Campaign fanmail.Campaign
	fanmail.SendCounts
}

// Percent returns the share of sends that reached a final state, 0–100.
func (p Progress) Percent() float64 {
	if p.Total == 0 {
		if p.Campaign.Status == fanmail.CampaignFinished {
			return 100
		}
		return 0
	}
	return float64(p.Done()) * 100 / float64(p.Total)
}

// Status returns campaign id with its sends counted by state (ENOTFOUND if
// there is no such campaign).
func (s *Service) Status(ctx context.Context, id int64) (Progress, error) {
	c, err := s.db.CampaignByID(ctx, id)
	if err != nil {
		return Progress{}, err
	}
	counts, err := s.db.CampaignSendCounts(ctx, id)
	return Progress{Campaign: c, SendCounts: counts}, err
}

// LeftOut says which members campaign id's segment matches now that the
// campaign leaves out, and why (not confirmed, deactivated, no marketing
// consent, suppressed): the gap between the segment's count and the
// campaign's sends. It lists the first limit of them. ENOTFOUND for an
// unknown campaign, EINVALID when its segment is gone.
func (s *Service) LeftOut(ctx context.Context, id int64, limit int) (store.LeftOut, error) {
	c, err := s.db.CampaignByID(ctx, id)
	if err != nil {
		return store.LeftOut{}, err
	}
	a, err := s.audienceOf(ctx, c)
	if err != nil {
		return store.LeftOut{}, err
	}
	return s.db.AudienceLeftOut(ctx, a, s.now(), limit)
}

// StartJob is the payload of JobStart.
type StartJob struct {
	CampaignID int64 `json:"campaign_id"`
}

// JobHandlers returns the handlers of this package's job kinds.
func (s *Service) JobHandlers() map[string]jobs.Handler {
	return map[string]jobs.Handler{
		JobTick: func(ctx context.Context, _ json.RawMessage) error { return s.Tick(ctx) },
		JobStart: func(ctx context.Context, payload json.RawMessage) error {
			var j StartJob
			if err := json.Unmarshal(payload, &j); err != nil {
				return jobs.Permanent(fmt.Errorf("decode campaign start job: %w", err))
			}
			return s.Tick(ctx)
		},
	}
}

// Periodic returns the periodic jobs this package needs.
func (s *Service) Periodic() []jobs.Periodic {
	return []jobs.Periodic{{Kind: JobTick, Every: 15 * time.Second, RunOnStart: true}}
}

var errNoRelays = errors.New("campaign: no SMTP relay configured")
