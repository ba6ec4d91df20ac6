package email

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
)

// DefaultRelayConcurrency is how many connections a relay gets when its URL
// does not say.
const DefaultRelayConcurrency = 4

// Relay is an SMTP server that campaign mail is spread over: its connection
// settings, how many connections to keep open to it at once and how many
// messages per second it may take. Like Config, it never prints credentials.
type Relay struct {
	Config
	Concurrency int     // connections at once
	Rate        float64 // messages per second over all connections; 0 means unlimited
}

// ParseRelayURL parses a relay URL: everything ParseURL takes, plus
//
//	concurrency=N   connections at once (default DefaultRelayConcurrency)
//	rate=R          messages per second over all of them (default unlimited)
//
// e.g. smtp://127.0.0.1:2525?tls=none&concurrency=8&rate=5000. "console" is
// refused: campaigns need a real server. Errors never contain credentials.
func ParseRelayURL(raw string) (Relay, error) {
	raw = strings.TrimSpace(raw)
	r := Relay{Concurrency: DefaultRelayConcurrency}
	rest := raw
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		q, err := url.ParseQuery(raw[i+1:])
		if err != nil {
			return r, errors.New("relay URL has an invalid query")
		}
		if v := q.Get("concurrency"); q.Has("concurrency") {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				return r, fmt.Errorf("relay URL: concurrency=%s: want 1 to 1000", v)
			}
			r.Concurrency = n
		}
		if v := q.Get("rate"); q.Has("rate") {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 {
				return r, fmt.Errorf("relay URL: rate=%s: want messages per second, 0 for unlimited", v)
			}
			r.Rate = f
		}
		q.Del("concurrency")
		q.Del("rate")
		rest = raw[:i]
		if len(q) > 0 {
			rest += "?" + q.Encode()
		}
	}
	cfg, err := ParseURL(rest)
	if err != nil {
		return r, err
	}
	if cfg.Transport != TransportSMTP {
		return r, errors.New(`relay URL must start with smtp:// or smtps://`)
	}
	r.Config = cfg
	return r, nil
}

// ParseRelayURLs parses a list of relay URLs separated by commas or white
// space (percent-encode commas inside a URL).
func ParseRelayURLs(list string) ([]Relay, error) {
	fields := strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
	relays := make([]Relay, 0, len(fields))
	for i, f := range fields {
		r, err := ParseRelayURL(f)
		if err != nil {
			return nil, fmt.Errorf("relay %d: %w", i+1, err)
		}
		relays = append(relays, r)
	}
	return relays, nil
}

// String returns the relay as a URL with credentials replaced by xxxxx.
func (r Relay) String() string {
	s := r.Config.String()
	sep := "?"
	if strings.Contains(s, "?") {
		sep = "&"
	}
	s += sep + "concurrency=" + strconv.Itoa(r.Concurrency)
	if r.Rate > 0 {
		s += "&rate=" + strconv.FormatFloat(r.Rate, 'f', -1, 64)
	}
	return s
}

// GoString keeps credentials out of %#v.
func (r Relay) GoString() string { return r.String() }

// LogValue keeps credentials out of logs.
func (r Relay) LogValue() slog.Value { return slog.StringValue(r.String()) }
