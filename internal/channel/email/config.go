package email

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Transport says how e-mail leaves fanmail.
type Transport int

const (
	TransportNone    Transport = iota // FANMAIL_SMTP_URL is empty: e-mail is not configured
	TransportSMTP                     // smtp:// or smtps://
	TransportConsole                  // "console" or log://: print mails instead of sending them
)

// TLSMode says how an SMTP connection is encrypted.
type TLSMode string

const (
	TLSOpportunistic TLSMode = "opportunistic" // STARTTLS when the server offers it; smtp:// default
	TLSRequired      TLSMode = "required"      // STARTTLS or fail
	TLSImplicit      TLSMode = "implicit"      // TLS from the first byte; smtps://
	TLSNone          TLSMode = "none"          // plain text, for local sinks such as Mailpit
)

// DefaultTimeout bounds connecting and each SMTP command when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config is a parsed FANMAIL_SMTP_URL. Its String, GoString and LogValue
// never show the user name or password, so a Config may be printed and logged.
type Config struct {
	Transport Transport
	Host      string
	Port      int
	Username  string // empty: no SMTP AUTH
	Password  string
	TLS       TLSMode       // empty means TLSOpportunistic
	Timeout   time.Duration // zero means DefaultTimeout
}

// ParseURL parses a FANMAIL_SMTP_URL value:
//
//	""                                  not configured (TransportNone)
//	console, log://                     print mails instead of sending them
//	smtp://user:pass@host:587           STARTTLS when offered (default port 587)
//	smtp://user:pass@host:587?tls=required
//	smtps://user:pass@host:465          implicit TLS (default port 465)
//	smtp://127.0.0.1:1025?tls=none      plain text, for local sinks
//
// Special characters in the user name or password must be percent-encoded.
// An optional timeout parameter (timeout=10s) overrides DefaultTimeout.
// Errors never contain the user name or password.
func ParseURL(raw string) (Config, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return Config{}, nil
	case raw == "console" || strings.HasPrefix(raw, "log:"):
		return Config{Transport: TransportConsole}, nil
	}
	// url.Parse errors quote the whole URL, password included: never wrap them.
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, errors.New("FANMAIL_SMTP_URL is not a valid URL (percent-encode special characters in the user name and password)")
	}
	cfg := Config{Transport: TransportSMTP, Host: u.Hostname(), Timeout: DefaultTimeout}
	switch u.Scheme {
	case "smtp":
		cfg.TLS, cfg.Port = TLSOpportunistic, 587
	case "smtps":
		cfg.TLS, cfg.Port = TLSImplicit, 465
	default:
		return Config{}, errors.New(`FANMAIL_SMTP_URL must start with smtp:// or smtps://, or be "console"`)
	}
	if cfg.Host == "" {
		return Config{}, errors.New("FANMAIL_SMTP_URL has no host")
	}
	if p := u.Port(); p != "" {
		cfg.Port, err = strconv.Atoi(p)
		if err != nil || cfg.Port < 1 || cfg.Port > 65535 {
			return Config{}, errors.New("FANMAIL_SMTP_URL has an invalid port")
		}
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	if err := cfg.parseQuery(u.Query()); err != nil {
		return Config{}, fmt.Errorf("FANMAIL_SMTP_URL: %w", err)
	}
	return cfg, nil
}

func (c *Config) parseQuery(q url.Values) error {
	for key, values := range q {
		v := values[len(values)-1]
		switch key {
		case "tls":
			switch mode := TLSMode(v); {
			case c.TLS == TLSImplicit && mode != TLSImplicit:
				return fmt.Errorf("smtps:// always uses implicit TLS; use smtp:// for tls=%s", v)
			case mode == TLSOpportunistic, mode == TLSRequired, mode == TLSNone, mode == TLSImplicit:
				c.TLS = mode
			default:
				return fmt.Errorf("tls=%s: want none, opportunistic, required or implicit", v)
			}
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("timeout=%s: want a positive duration such as 30s", v)
			}
			c.Timeout = d
		default:
			return fmt.Errorf("unknown parameter %q (want tls or timeout)", key)
		}
	}
	return nil
}

// String returns the configuration as a URL with credentials replaced by xxxxx.
func (c Config) String() string {
	switch c.Transport {
	case TransportNone:
		return "not configured"
	case TransportConsole:
		return "console"
	}
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}
	if c.Username != "" || c.Password != "" {
		u.User = url.UserPassword("xxxxx", "xxxxx")
	}
	if c.tlsMode() == TLSImplicit {
		u.Scheme = "smtps"
	} else {
		u.RawQuery = "tls=" + string(c.tlsMode())
	}
	return u.String()
}

// GoString keeps credentials out of %#v.
func (c Config) GoString() string { return c.String() }

// LogValue keeps credentials out of logs.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

func (c Config) tlsMode() TLSMode {
	if c.TLS == "" {
		return TLSOpportunistic
	}
	return c.TLS
}

func (c Config) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}
