// Package config loads fanmail's settings from defaults, the environment and
// command-line flags, in that order, and validates them.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
)

// Config is every setting of a fanmail process. It is passed down, never global.
type Config struct {
	HTTPAddr    string // FANMAIL_HTTP_ADDR, default ":8080"
	DatabaseURL string // FANMAIL_DATABASE_URL: "sqlite:fanmail.db" (default) or "postgres://…"
	SMTPURL     string // FANMAIL_SMTP_URL: "smtp://user:pass@host:587", "console", or "" (the built-in mailbox)
	// MailboxKeep is how many messages the built-in mailbox keeps, newest
	// first, when no relay is set (FANMAIL_MAILBOX_KEEP; 0 = 5,000).
	MailboxKeep int
	// CampaignSMTPURLs lists the relays campaign mail goes through, comma-separated,
	// each with ?concurrency=&rate= (FANMAIL_CAMPAIGN_SMTP_URLS); default SMTPURL.
	CampaignSMTPURLs string
	BaseURL          string // FANMAIL_BASE_URL: public address used in mailed links
	MailFrom         string // FANMAIL_MAIL_FROM: sender of system mail; default no-reply@ the base URL's host
	MediaDir         string // FANMAIL_MEDIA_DIR: where uploaded images are stored
	// TimeZone is the company's time zone (FANMAIL_TIME_ZONE, an IANA name;
	// default Asia/Seoul): every time shown to staff and members is in it,
	// labelled ("2026-03-01 19:00 KST"). See Location.
	TimeZone   string
	AgeBands   []fanmail.AgeBand
	NoDemo     bool   // --no-demo / FANMAIL_NO_DEMO: do not load demo data into an empty database
	TrustProxy bool   // FANMAIL_TRUST_PROXY: take the client address from X-Forwarded-For
	LogLevel   string // FANMAIL_LOG_LEVEL: debug, info, warn, error
	LogFormat  string // FANMAIL_LOG_FORMAT: text or json
	Workers    int    // FANMAIL_WORKERS: job queue workers
	// NodeName names this process among those sending mail from one
	// database (FANMAIL_NODE_NAME); default HOST:PORT (see Node).
	NodeName string
	// NoPageOut (--no-page-out / FANMAIL_NO_PAGE_OUT=1) keeps the pages of
	// the executable that start-up read; by default the server gives them
	// back to the kernel once serving (Linux).
	NoPageOut bool

	// Prometheus metrics (/metrics) are served only when one of these is
	// set: on MetricsAddr (FANMAIL_METRICS_ADDR, e.g. "127.0.0.1:9090"), a
	// listen address of their own, else on HTTPAddr; and when MetricsToken
	// is set (FANMAIL_METRICS_TOKEN or _FILE), only to requests with
	// "Authorization: Bearer TOKEN".
	MetricsAddr  string
	MetricsToken string

	InboundSMTPAddr string // FANMAIL_INBOUND_SMTP_ADDR: embedded SMTP receiver for bounces and replies; "" = off
	RepliesAddress  string // FANMAIL_REPLIES_ADDRESS: mailbox the receiver takes replies for
	WebhookSecret   string // FANMAIL_WEBHOOK_SECRET: HMAC key of provider bounce webhooks (default: generated, in settings)
	SupportPhone    string // FANMAIL_SUPPORT_PHONE: customer centre phone printed in transactional mail
	DKIMDomain      string // FANMAIL_DKIM_DOMAIN: sign campaign mail for this domain (with the two below)
	DKIMSelector    string // FANMAIL_DKIM_SELECTOR
	DKIMKeyFile     string // FANMAIL_DKIM_KEY_FILE: PEM private key made by "fanmail dkim keygen"

	// ScannerWindow: a click this soon after its mail was sent is flagged as
	// a link scanner's and left out of the campaign figures
	// (FANMAIL_SCANNER_WINDOW, e.g. "10s"; 0 = the default, 10 s).
	ScannerWindow time.Duration

	// ExportReasonAbove: a member export of more records asks for a reason,
	// which the access log keeps (FANMAIL_EXPORT_REASON_ABOVE; 0 = never).
	ExportReasonAbove int

	ConfirmTTL     time.Duration // how long a confirmation link stays valid
	MagicLinkTTL   time.Duration // how long a sign-in link stays valid
	SessionTTL     time.Duration
	MaxUploadBytes int64

	// Retention is how long each type of personal data is kept (see
	// retention.go for the flags and their defaults).
	Retention Retention

	bandsFlag   *string
	scannerFlag *string
	keepFlag    *string
	exportFlag  *string
	fileErr     error // the first *_FILE that could not be read
	retention   []retentionFlag
}

// Default returns the settings used when nothing is set.
func Default() Config {
	return Config{
		HTTPAddr:       ":8080",
		DatabaseURL:    "sqlite:fanmail.db",
		MailFrom:       "fanmail <no-reply@localhost>", // as derived from the default base URL
		MediaDir:       "media",
		TimeZone:       DefaultTimeZone,
		AgeBands:       fanmail.DefaultAgeBands,
		LogLevel:       "info",
		LogFormat:      "text",
		Workers:        16,
		ConfirmTTL:     72 * time.Hour,
		MagicLinkTTL:   30 * time.Minute,
		SessionTTL:     12 * time.Hour,
		MaxUploadBytes: 5 << 20,
		ScannerWindow:  10 * time.Second,
		Retention:      DefaultRetention(),

		ExportReasonAbove: fanmail.DefaultExportReasonAbove,
	}
}

// envOr reads name from getenv, or name_FILE (a file holding the value, for
// secrets), or returns def. A name_FILE that cannot be read is an error: a
// secret silently missing would start fanmail without it.
func envOr(getenv func(string) string, name, def string) (string, error) {
	if v := getenv(name); v != "" {
		return v, nil
	}
	f := getenv(name + "_FILE")
	if f == "" {
		return def, nil
	}
	b, err := os.ReadFile(f)
	if err != nil {
		return def, fmt.Errorf("config: %s_FILE: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// FlagSet declares the flags of cmd on a new flag set writing help to out;
// fields of c receive the values, defaulted from the environment.
func FlagSet(cmd string, c *Config, getenv func(string) string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("fanmail "+cmd, flag.ContinueOnError)
	fs.SetOutput(out)
	d := Default()
	env := func(name, def string) string {
		v, err := envOr(getenv, name, def)
		if err != nil && c.fileErr == nil {
			c.fileErr = err // reported by Load
		}
		return v
	}
	fs.StringVar(&c.HTTPAddr, "http-addr", env("FANMAIL_HTTP_ADDR", d.HTTPAddr), "HTTP listen address (FANMAIL_HTTP_ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("FANMAIL_DATABASE_URL", d.DatabaseURL), "database: sqlite:PATH or postgres://user@host/db (FANMAIL_DATABASE_URL)")
	fs.StringVar(&c.SMTPURL, "smtp-url", env("FANMAIL_SMTP_URL", ""), "outgoing mail: smtp://user:pass@host:587, smtps://…, smtp://host:25?tls=none, or console to print mails; empty = keep mail in the built-in mailbox of the admin UI (FANMAIL_SMTP_URL, or FANMAIL_SMTP_URL_FILE)")
	keep := fs.String("mailbox-keep", env("FANMAIL_MAILBOX_KEEP", "0"), "without an SMTP URL, how many messages the built-in mailbox keeps; older ones are removed; 0 = 5000 (FANMAIL_MAILBOX_KEEP)")
	fs.StringVar(&c.CampaignSMTPURLs, "campaign-smtp-urls", env("FANMAIL_CAMPAIGN_SMTP_URLS", ""), "relays for campaign mail, comma-separated, each with ?concurrency=N&rate=PER_SECOND; default the SMTP URL (FANMAIL_CAMPAIGN_SMTP_URLS)")
	fs.StringVar(&c.BaseURL, "base-url", env("FANMAIL_BASE_URL", ""), "public URL used in mailed links; default http://localhost:PORT (FANMAIL_BASE_URL)")
	fs.StringVar(&c.MailFrom, "mail-from", env("FANMAIL_MAIL_FROM", ""), "sender of opt-in, sign-in and order mail, e.g. \"오즈세컨 <no-reply@mail.example.com>\"; default no-reply@ the base URL's host (FANMAIL_MAIL_FROM)")
	fs.StringVar(&c.TimeZone, "time-zone", env("FANMAIL_TIME_ZONE", d.TimeZone), "time zone of the times shown in the admin UI and the member portal, e.g. Asia/Seoul (FANMAIL_TIME_ZONE)")
	fs.StringVar(&c.MediaDir, "media-dir", env("FANMAIL_MEDIA_DIR", d.MediaDir), "directory for uploaded images (FANMAIL_MEDIA_DIR)")
	scanner := fs.String("scanner-window", env("FANMAIL_SCANNER_WINDOW", d.ScannerWindow.String()), "clicks this soon after their mail was sent are flagged as link scanners' and left out of campaign figures, e.g. 10s (FANMAIL_SCANNER_WINDOW)")
	bands := fs.String("age-bands", env("FANMAIL_AGE_BANDS", ""), "age bands for brand statistics, e.g. 15-18,19-20,40+ (FANMAIL_AGE_BANDS)")
	fs.BoolVar(&c.NoDemo, "no-demo", env("FANMAIL_NO_DEMO", "") == "1", "do not load demo data into an empty database (FANMAIL_NO_DEMO=1)")
	fs.BoolVar(&c.NoPageOut, "no-page-out", env("FANMAIL_NO_PAGE_OUT", "") == "1", "keep the executable's start-up pages mapped instead of giving them back once serving (FANMAIL_NO_PAGE_OUT=1)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", env("FANMAIL_TRUST_PROXY", "") == "1", "take client addresses from X-Forwarded-For (FANMAIL_TRUST_PROXY=1)")
	fs.StringVar(&c.LogLevel, "log-level", env("FANMAIL_LOG_LEVEL", d.LogLevel), "debug, info, warn or error (FANMAIL_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("FANMAIL_LOG_FORMAT", d.LogFormat), "text or json (FANMAIL_LOG_FORMAT)")
	fs.IntVar(&c.Workers, "workers", d.Workers, "background job workers")
	fs.StringVar(&c.NodeName, "node-name", env("FANMAIL_NODE_NAME", ""), "name of this process among those sending mail from one database, the same across its restarts; default HOST:PORT (FANMAIL_NODE_NAME)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("FANMAIL_METRICS_ADDR", ""), "serve Prometheus metrics (/metrics) on this address of their own, e.g. 127.0.0.1:9090 (FANMAIL_METRICS_ADDR)")
	fs.StringVar(&c.MetricsToken, "metrics-token", env("FANMAIL_METRICS_TOKEN", ""), "serve /metrics only with \"Authorization: Bearer TOKEN\"; without it or --metrics-addr, /metrics is off (FANMAIL_METRICS_TOKEN or _FILE)")
	fs.StringVar(&c.InboundSMTPAddr, "inbound-smtp-addr", env("FANMAIL_INBOUND_SMTP_ADDR", ""), "listen address of the embedded SMTP receiver for bounces and replies, e.g. :2525; empty = off (FANMAIL_INBOUND_SMTP_ADDR)")
	fs.StringVar(&c.RepliesAddress, "replies-address", env("FANMAIL_REPLIES_ADDRESS", ""), "mailbox the embedded receiver accepts replies for (FANMAIL_REPLIES_ADDRESS)")
	fs.StringVar(&c.WebhookSecret, "webhook-secret", env("FANMAIL_WEBHOOK_SECRET", ""), "HMAC key of provider bounce webhooks; default generated and stored (FANMAIL_WEBHOOK_SECRET or _FILE)")
	fs.StringVar(&c.DKIMDomain, "dkim-domain", env("FANMAIL_DKIM_DOMAIN", ""), "sign campaign mail with DKIM for this domain (FANMAIL_DKIM_DOMAIN)")
	fs.StringVar(&c.DKIMSelector, "dkim-selector", env("FANMAIL_DKIM_SELECTOR", ""), "DKIM selector (FANMAIL_DKIM_SELECTOR)")
	fs.StringVar(&c.DKIMKeyFile, "dkim-key-file", env("FANMAIL_DKIM_KEY_FILE", ""), "DKIM private key file from \"fanmail dkim keygen\" (FANMAIL_DKIM_KEY_FILE)")
	fs.StringVar(&c.SupportPhone, "support-phone", env("FANMAIL_SUPPORT_PHONE", ""), "customer centre phone printed in transactional mail (FANMAIL_SUPPORT_PHONE)")
	c.retentionFlags(fs, env)
	c.ConfirmTTL, c.MagicLinkTTL, c.SessionTTL, c.MaxUploadBytes = d.ConfirmTTL, d.MagicLinkTTL, d.SessionTTL, d.MaxUploadBytes
	c.AgeBands = d.AgeBands
	c.bandsFlag, c.scannerFlag, c.keepFlag = bands, scanner, keep
	c.exportFlag = fs.String("export-reason-above", env("FANMAIL_EXPORT_REASON_ABOVE", strconv.Itoa(d.ExportReasonAbove)), "a member export of more records asks for a reason, kept in the access log; 0 = never (FANMAIL_EXPORT_REASON_ABOVE)")
	return fs
}

// Load parses args (the flags after the command name) for cmd, then validates.
// It returns flag.ErrHelp when --help was asked for.
func Load(cmd string, args []string, getenv func(string) string, out io.Writer) (Config, []string, error) {
	var c Config
	fs := FlagSet(cmd, &c, getenv, out)
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	if err := c.finish(); err != nil {
		return c, nil, err
	}
	return c, fs.Args(), nil
}

func (c *Config) finish() error {
	if c.fileErr != nil {
		return c.fileErr
	}
	if c.bandsFlag != nil && *c.bandsFlag != "" {
		b, err := fanmail.ParseAgeBands(*c.bandsFlag)
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		c.AgeBands = b
	}
	c.bandsFlag = nil
	if err := c.finishRetention(); err != nil {
		return err
	}
	if c.scannerFlag != nil {
		w, err := time.ParseDuration(*c.scannerFlag)
		if err != nil || w < 0 || w > time.Hour {
			return fmt.Errorf("config: scanner window %q: want a duration from 0s to 1h, e.g. 10s", *c.scannerFlag)
		}
		c.ScannerWindow, c.scannerFlag = w, nil
	}
	if c.keepFlag != nil {
		n, err := strconv.Atoi(*c.keepFlag)
		if err != nil || n < 0 {
			return fmt.Errorf("config: mailbox size %q: want a number of messages, 0 for the default", *c.keepFlag)
		}
		c.MailboxKeep, c.keepFlag = n, nil
	}
	if c.exportFlag != nil {
		n, err := strconv.Atoi(strings.TrimSpace(*c.exportFlag))
		if err != nil || n < 0 {
			return fmt.Errorf("config: export reason limit %q: want a number of records, 0 or more", *c.exportFlag)
		}
		c.ExportReasonAbove, c.exportFlag = n, nil
	}
	if c.BaseURL == "" {
		port := c.HTTPAddr[strings.LastIndex(c.HTTPAddr, ":")+1:]
		c.BaseURL = "http://localhost:" + port
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	if c.MailFrom == "" {
		if u, err := url.Parse(c.BaseURL); err == nil && u.Hostname() != "" {
			c.MailFrom = "fanmail <no-reply@" + u.Hostname() + ">"
		}
	}
	return c.Validate()
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	if c.DatabaseURL == "" {
		return errors.New("config: database URL is empty")
	}
	if !strings.Contains(c.HTTPAddr, ":") {
		return fmt.Errorf("config: http address %q needs a port, e.g. :8080", c.HTTPAddr)
	}
	if _, err := loadZone(c.TimeZone); err != nil {
		return fmt.Errorf("config: time zone %q: %w", c.TimeZone, err)
	}
	if c.MetricsAddr != "" && !strings.Contains(c.MetricsAddr, ":") {
		return fmt.Errorf("config: metrics address %q needs a port, e.g. 127.0.0.1:9090", c.MetricsAddr)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("config: base URL %q must be http(s)://host", c.BaseURL)
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		return errors.New("config: the mail sender (--mail-from) is not an address like \"fanmail <no-reply@mail.example.com>\"")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log level %q: want debug, info, warn or error", c.LogLevel)
	}
	if (c.DKIMDomain == "") != (c.DKIMKeyFile == "") {
		return errors.New("config: DKIM needs both a domain and a key file")
	}
	if c.MailboxKeep < 0 {
		return errors.New("config: the mailbox size (--mailbox-keep) cannot be negative")
	}
	if c.Workers < 1 {
		return errors.New("config: workers must be at least 1")
	}
	return nil
}

// LocalMailDomain returns the domain of MailFrom when receivers will refuse
// mail from it: localhost, a name without a dot (a machine of the local
// network) or an IP address. It returns "" for a public domain.
func (c Config) LocalMailDomain() string {
	addr, err := mail.ParseAddress(c.MailFrom)
	if err != nil {
		return ""
	}
	domain := strings.ToLower(addr.Address[strings.LastIndex(addr.Address, "@")+1:])
	domain = strings.Trim(domain, "[]")
	if domain == "localhost" || strings.HasSuffix(domain, ".localhost") || !strings.Contains(domain, ".") || net.ParseIP(domain) != nil {
		return domain
	}
	return ""
}

// Node returns the name this process sends mail under: NodeName, or the
// host name and the port of listen, the bound HTTP address, which no two
// running processes share and a restarted one keeps.
func (c Config) Node(listen string) string {
	if c.NodeName != "" {
		return c.NodeName
	}
	host, err := os.Hostname()
	if err != nil {
		host = "localhost"
	}
	return host + ":" + listen[strings.LastIndex(listen, ":")+1:]
}

// SecureCookies reports whether cookies get the Secure flag (HTTPS base URL).
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// DefaultTimeZone is the company time zone when none is set.
const DefaultTimeZone = "Asia/Seoul"

// Location returns the company time zone (TimeZone; DefaultTimeZone when
// empty or unknown, but Validate refuses an unknown one).
func (c Config) Location() *time.Location {
	loc, err := loadZone(c.TimeZone)
	if err != nil {
		loc, _ = loadZone(DefaultTimeZone)
	}
	return loc
}

// loadZone loads the time zone name ("" is DefaultTimeZone). Asia/Seoul is
// known even without the system's zone database: Korea has kept UTC+9
// without daylight saving since 1988.
func loadZone(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultTimeZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil && name == DefaultTimeZone {
		return fanmail.KST, nil
	}
	return loc, err
}
