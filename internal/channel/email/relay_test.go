package email_test

import (
	"strings"
	"testing"

	"github.com/fanmail/fanmail/internal/channel/email"
)

func TestParseRelayURLs(t *testing.T) {
	rs, err := email.ParseRelayURLs("smtp://127.0.0.1:2525?tls=none&concurrency=8&rate=5000, smtps://mailer:s3cret@mail.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("%d relays", len(rs))
	}
	if r := rs[0]; r.Host != "127.0.0.1" || r.Port != 2525 || r.TLS != email.TLSNone || r.Concurrency != 8 || r.Rate != 5000 {
		t.Errorf("first relay = %#v", r)
	}
	if r := rs[1]; r.Concurrency != email.DefaultRelayConcurrency || r.Rate != 0 || r.Username != "mailer" || r.TLS != email.TLSImplicit {
		t.Errorf("second relay = %#v", r)
	}
	if s := rs[1].String(); strings.Contains(s, "s3cret") || !strings.Contains(s, "concurrency=4") {
		t.Errorf("String() = %q", s)
	}
	for _, bad := range []string{"console", "smtp://h?concurrency=0", "smtp://h?rate=-1", "smtp://h?speed=9", "http://h"} {
		if _, err := email.ParseRelayURL(bad); err == nil {
			t.Errorf("ParseRelayURL(%q) accepted", bad)
		}
	}
}
