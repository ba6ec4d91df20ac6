package config

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	env := map[string]string{"FANMAIL_DATABASE_URL": "postgres://db.example/fanmail", "FANMAIL_HTTP_ADDR": ":9090"}
	getenv := func(k string) string { return env[k] }

	t.Run("Defaults", func(t *testing.T) {
		c, _, err := Load("serve", nil, func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.HTTPAddr != ":8080" || c.DatabaseURL != "sqlite:fanmail.db" || c.BaseURL != "http://localhost:8080" || c.SMTPURL != "" || c.NoPageOut {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("EnvironmentThenFlags", func(t *testing.T) {
		c, rest, err := Load("serve", []string{"--http-addr", ":7070", "--no-demo", "--no-page-out", "extra"}, getenv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.HTTPAddr != ":7070" || c.DatabaseURL != "postgres://db.example/fanmail" || !c.NoDemo || !c.NoPageOut {
			t.Errorf("got %+v", c)
		}
		if len(rest) != 1 || rest[0] != "extra" {
			t.Errorf("rest = %v", rest)
		}
	})
	t.Run("ErrBadAgeBands", func(t *testing.T) {
		if _, _, err := Load("serve", []string{"--age-bands", "20-10"}, getenv, io.Discard); err == nil {
			t.Error("want error for descending band")
		}
	})
	t.Run("ErrBadBaseURL", func(t *testing.T) {
		if _, _, err := Load("serve", []string{"--base-url", "ftp://x"}, getenv, io.Discard); err == nil {
			t.Error("want error for ftp base URL")
		}
	})
	t.Run("ErrUnreadableSecretFile", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "smtp-url")
		env := map[string]string{"FANMAIL_SMTP_URL_FILE": missing}
		_, _, err := Load("serve", nil, func(k string) string { return env[k] }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "FANMAIL_SMTP_URL_FILE") {
			t.Errorf("Load with an unreadable secret file: %v, want an error naming FANMAIL_SMTP_URL_FILE", err)
		}
	})
	t.Run("TimeZone", func(t *testing.T) {
		c, _, err := Load("serve", nil, func(string) string { return "" }, io.Discard)
		if err != nil || c.Location().String() != "Asia/Seoul" && c.Location().String() != "KST" {
			t.Errorf("default zone = %v, %v; want Asia/Seoul", c.Location(), err)
		}
		env := map[string]string{"FANMAIL_TIME_ZONE": "Asia/Tokyo"}
		if c, _, err := Load("serve", nil, func(k string) string { return env[k] }, io.Discard); err != nil || c.Location().String() != "Asia/Tokyo" {
			t.Errorf("FANMAIL_TIME_ZONE=Asia/Tokyo: %v, %v", c.Location(), err)
		}
		if _, _, err := Load("serve", []string{"--time-zone", "Mars/Olympus"}, getenv, io.Discard); err == nil {
			t.Error("want error for an unknown time zone")
		}
	})
	t.Run("ScannerWindow", func(t *testing.T) {
		if c, _, err := Load("serve", nil, getenv, io.Discard); err != nil || c.ScannerWindow != 10*time.Second {
			t.Errorf("default scanner window = %v, %v; want 10s", c.ScannerWindow, err)
		}
		env := map[string]string{"FANMAIL_SCANNER_WINDOW": "3s"}
		if c, _, err := Load("serve", nil, func(k string) string { return env[k] }, io.Discard); err != nil || c.ScannerWindow != 3*time.Second {
			t.Errorf("FANMAIL_SCANNER_WINDOW=3s: %v, %v", c.ScannerWindow, err)
		}
		for _, bad := range []string{"soon", "-1s", "2h"} {
			if _, _, err := Load("serve", []string{"--scanner-window", bad}, getenv, io.Discard); err == nil {
				t.Errorf("scanner window %q accepted", bad)
			}
		}
	})
	t.Run("ExportReasonAbove", func(t *testing.T) {
		if c, _, err := Load("serve", nil, getenv, io.Discard); err != nil || c.ExportReasonAbove != 1000 {
			t.Errorf("default = %d, %v; want 1000", c.ExportReasonAbove, err)
		}
		env := map[string]string{"FANMAIL_EXPORT_REASON_ABOVE": "250"}
		if c, _, err := Load("serve", nil, func(k string) string { return env[k] }, io.Discard); err != nil || c.ExportReasonAbove != 250 {
			t.Errorf("FANMAIL_EXPORT_REASON_ABOVE=250: %d, %v", c.ExportReasonAbove, err)
		}
		for _, bad := range []string{"many", "-1"} {
			if _, _, err := Load("serve", []string{"--export-reason-above", bad}, getenv, io.Discard); err == nil {
				t.Errorf("export reason limit %q accepted", bad)
			}
		}
	})
	t.Run("Metrics", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "metrics-token")
		if err := os.WriteFile(file, []byte("scrape-me\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"FANMAIL_METRICS_ADDR": "127.0.0.1:9090", "FANMAIL_METRICS_TOKEN_FILE": file}
		c, _, err := Load("serve", nil, func(k string) string { return env[k] }, io.Discard)
		if err != nil || c.MetricsAddr != "127.0.0.1:9090" || c.MetricsToken != "scrape-me" {
			t.Errorf("Load = %q, %q, %v", c.MetricsAddr, c.MetricsToken, err)
		}
		if _, _, err := Load("serve", []string{"--metrics-addr", "localhost"}, getenv, io.Discard); err == nil {
			t.Error("want error for a metrics address without a port")
		}
	})
	t.Run("SecretFile", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "smtp-url")
		if err := os.WriteFile(file, []byte("smtp://relay.example.com:587\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"FANMAIL_SMTP_URL_FILE": file}
		c, _, err := Load("serve", nil, func(k string) string { return env[k] }, io.Discard)
		if err != nil || c.SMTPURL != "smtp://relay.example.com:587" {
			t.Errorf("Load = %q, %v; want the file's URL", c.SMTPURL, err)
		}
	})
}

func TestLoad_MailFrom(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantFrom  string
		wantLocal string // LocalMailDomain
	}{
		{"Default", nil, "fanmail <no-reply@localhost>", "localhost"},
		{"FromBaseURL", []string{"--base-url", "https://crm.ozsecond.example:8443/"}, "fanmail <no-reply@crm.ozsecond.example>", ""},
		{"NoDot", []string{"--base-url", "http://crm:8080"}, "fanmail <no-reply@crm>", "crm"},
		{"IPAddress", []string{"--base-url", "http://192.0.2.7"}, "fanmail <no-reply@192.0.2.7>", "192.0.2.7"},
		{"Set", []string{"--base-url", "http://localhost:8080", "--mail-from", "오즈세컨 <no-reply@mail.ozsecond.example>"},
			"오즈세컨 <no-reply@mail.ozsecond.example>", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := Load("serve", tt.args, func(string) string { return "" }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if c.MailFrom != tt.wantFrom || c.LocalMailDomain() != tt.wantLocal {
				t.Errorf("MailFrom %q, LocalMailDomain %q; want %q, %q", c.MailFrom, c.LocalMailDomain(), tt.wantFrom, tt.wantLocal)
			}
		})
	}
	t.Run("ErrNotAnAddress", func(t *testing.T) {
		_, _, err := Load("serve", []string{"--mail-from", "no-reply"}, func(string) string { return "" }, io.Discard)
		if err == nil {
			t.Error("want an error for a sender that is no address")
		}
	})
}

func TestLoad_Retention(t *testing.T) {
	none := func(string) string { return "" }
	t.Run("Defaults", func(t *testing.T) {
		c, _, err := Load("serve", nil, none, io.Discard)
		if err != nil || c.Retention != DefaultRetention() {
			t.Fatalf("retention = %+v, %v; want the defaults", c.Retention, err)
		}
		rules := c.Retention.Rules()
		if len(rules) != 5 || rules[0].Data != DataTrackingEvents || rules[0].Period != 365*Day || rules[0].Action != ActionAnonymise {
			t.Errorf("rules = %+v", rules)
		}
	})
	t.Run("EnvironmentThenFlags", func(t *testing.T) {
		env := map[string]string{"FANMAIL_RETAIN_TRACKING_EVENTS": "30d", "FANMAIL_RETAIN_REPLIES": "0"}
		c, _, err := Load("serve", []string{"--retain-message-bodies", "720h"}, func(k string) string { return env[k] }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.Retention.TrackingEvents != 30*Day || c.Retention.Replies != 0 || c.Retention.MessageBodies != 30*Day ||
			c.Retention.BounceReports != 180*Day {
			t.Errorf("retention = %+v", c.Retention)
		}
	})
	for _, bad := range [][]string{
		{"--retain-tracking-events", "soon"},
		{"--retain-replies", "-3d"},
		{"--retain-message-bodies", "1h"},
		{"--retain-bounce-reports", "7d"},    // shorter than the soft-bounce window
		{"--retain-inactive-members", "30d"}, // a typo must not erase last month's members
	} {
		if _, _, err := Load("serve", bad, none, io.Discard); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%v: err = %v, want an error naming the flag", bad, err)
		}
	}
}
