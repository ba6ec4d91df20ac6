package email_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail/internal/channel/email"
)

func TestParseURL(t *testing.T) {
	const user, pass = "mailer@fanmail.example", "s3cret:/@비밀"
	creds := "mailer%40fanmail.example:s3cret%3A%2F%40%EB%B9%84%EB%B0%80@"
	smtp := func(host string, port int, tls email.TLSMode) email.Config {
		return email.Config{Transport: email.TransportSMTP, Host: host, Port: port, TLS: tls, Timeout: email.DefaultTimeout}
	}
	withCreds := func(c email.Config) email.Config { c.Username, c.Password = user, pass; return c }

	tests := []struct {
		raw        string
		want       email.Config
		wantString string
		wantErr    string
	}{
		{raw: "", want: email.Config{}, wantString: "not configured"},
		{raw: "console", want: email.Config{Transport: email.TransportConsole}, wantString: "console"},
		{raw: "log://", want: email.Config{Transport: email.TransportConsole}, wantString: "console"},
		{
			raw:        "smtp://" + creds + "mail.example.com",
			want:       withCreds(smtp("mail.example.com", 587, email.TLSOpportunistic)),
			wantString: "smtp://xxxxx:xxxxx@mail.example.com:587?tls=opportunistic",
		},
		{
			raw:        "smtp://" + creds + "mail.example.com:2525?tls=required",
			want:       withCreds(smtp("mail.example.com", 2525, email.TLSRequired)),
			wantString: "smtp://xxxxx:xxxxx@mail.example.com:2525?tls=required",
		},
		{
			raw:        "smtps://" + creds + "smtp.example.com",
			want:       withCreds(smtp("smtp.example.com", 465, email.TLSImplicit)),
			wantString: "smtps://xxxxx:xxxxx@smtp.example.com:465",
		},
		{
			raw:        "smtp://127.0.0.1:1025?tls=none",
			want:       smtp("127.0.0.1", 1025, email.TLSNone),
			wantString: "smtp://127.0.0.1:1025?tls=none",
		},
		{
			raw: "smtp://[::1]:1025?tls=none&timeout=5s",
			want: email.Config{Transport: email.TransportSMTP, Host: "::1", Port: 1025,
				TLS: email.TLSNone, Timeout: 5 * time.Second},
			wantString: "smtp://[::1]:1025?tls=none",
		},
		{raw: "http://" + creds + "mail.example.com", wantErr: "must start with smtp://"},
		{raw: creds + "mail.example.com", wantErr: "FANMAIL_SMTP_URL"},
		{raw: "smtp://" + creds, wantErr: "no host"},
		{raw: "smtp://" + creds + "mail.example.com:0", wantErr: "invalid port"},
		{raw: "smtp://" + creds + "mail.example.com:99999", wantErr: "invalid port"},
		{raw: "smtp://mailer:s3cret%zz@mail.example.com", wantErr: "not a valid URL"},
		{raw: "smtp://" + creds + "mail.example.com?tls=maybe", wantErr: "tls=maybe"},
		{raw: "smtps://" + creds + "mail.example.com?tls=none", wantErr: "smtps://"},
		{raw: "smtp://" + creds + "mail.example.com?timeout=soon", wantErr: "timeout"},
		{raw: "smtp://" + creds + "mail.example.com?tsl=none", wantErr: `unknown parameter "tsl"`},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := email.ParseURL(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseURL error = %v, want one containing %q", err, tt.wantErr)
				}
				assertNoSecrets(t, err.Error(), "mailer", "s3cret", "비밀")
				return
			}
			if err != nil {
				t.Fatalf("ParseURL: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseURL (-want +got):\n%s", diff)
			}
			if got.String() != tt.wantString {
				t.Errorf("String() = %q, want %q", got.String(), tt.wantString)
			}
			var logged bytes.Buffer
			slog.New(slog.NewTextHandler(&logged, nil)).Info("smtp", "config", got)
			printed := fmt.Sprintf("%v %+v %#v %s", got, got, got, logged.String())
			assertNoSecrets(t, printed, "mailer", "s3cret", "비밀")
		})
	}
}
