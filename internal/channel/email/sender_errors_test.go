package email_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/channel/email"
)

func TestSender_Rejected(t *testing.T) {
	tests := []struct {
		code          int
		wantTemporary bool
	}{
		{451, true},
		{450, true},
		{550, false},
		{554, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			srv := channeltest.NewSMTPServer(t)
			s := newSender(t, srv.URL())
			srv.RejectNext(1, tt.code)

			e := testEmail(0)
			err := s.SendEmail(t.Context(), e)
			if err == nil {
				t.Fatal("SendEmail succeeded, want an error")
			}
			if got := email.IsTemporary(err); got != tt.wantTemporary {
				t.Errorf("IsTemporary(%v) = %v, want %v", err, got, tt.wantTemporary)
			}
			var se *email.Error
			if !errors.As(err, &se) || se.Code != tt.code {
				t.Errorf("error %v (%T) does not carry code %d", err, err, tt.code)
			}
			assertNoSecrets(t, err.Error(), e.To, e.FromAddress, e.MessageID)

			// The connection stays usable after a rejection.
			if err := s.SendEmail(t.Context(), testEmail(1)); err != nil {
				t.Fatalf("SendEmail after rejection: %v", err)
			}
			if got := srv.WaitFor(t, 1, wait); len(got) != 1 || got[0].To[0] != testEmail(1).To {
				t.Errorf("arrived %d messages, want only the second one", len(got))
			}
			if n := srv.Connections(); n != 1 {
				t.Errorf("%d connections, want 1", n)
			}
		})
	}
}

func TestSender_Auth(t *testing.T) {
	const user, password = "fanmail", "s3cret-비밀:@/"
	srv := channeltest.NewSMTPServer(t, channeltest.WithAuth(user, password))
	withAuth := func(user, password string) string {
		u := url.URL{Scheme: "smtp", Host: srv.Addr(), User: url.UserPassword(user, password), RawQuery: "tls=none"}
		return u.String()
	}

	t.Run("OK", func(t *testing.T) {
		s := newSender(t, withAuth(user, password))
		if err := s.SendEmail(t.Context(), testEmail(0)); err != nil {
			t.Fatalf("SendEmail: %v", err)
		}
		srv.WaitFor(t, 1, wait)
	})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		const wrong = "wrong-password-123"
		s := newSender(t, withAuth(user, wrong))
		err := s.SendEmail(t.Context(), testEmail(1))
		if err == nil {
			t.Fatal("SendEmail succeeded with a wrong password")
		}
		var se *email.Error
		if !errors.As(err, &se) || se.Code != 535 {
			t.Errorf("error %v does not carry code 535", err)
		}
		if !email.IsTemporary(err) {
			t.Errorf("IsTemporary(%v) = false; a login failure says nothing about the message", err)
		}
		assertNoSecrets(t, err.Error(), wrong, password)
	})
	t.Run("ErrNoCredentials", func(t *testing.T) {
		s := newSender(t, srv.URL())
		err := s.SendEmail(t.Context(), testEmail(2))
		if err == nil {
			t.Fatal("SendEmail succeeded without logging in")
		}
		assertNoSecrets(t, err.Error(), testEmail(2).To)
	})
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages arrived, want 1", n)
	}
}

func TestSender_TLSPolicy(t *testing.T) {
	srv := channeltest.NewSMTPServer(t) // offers no STARTTLS
	t.Run("OpportunisticFallsBackToPlain", func(t *testing.T) {
		s := newSender(t, "smtp://"+srv.Addr())
		if err := s.SendEmail(t.Context(), testEmail(0)); err != nil {
			t.Fatalf("SendEmail: %v", err)
		}
	})
	t.Run("ErrRequiredWithoutSTARTTLS", func(t *testing.T) {
		s := newSender(t, "smtp://"+srv.Addr()+"?tls=required")
		err := s.SendEmail(t.Context(), testEmail(1))
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("SendEmail = %v, want an error about STARTTLS", err)
		}
	})
}

func TestSender_Errors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "smtp://" + l.Addr().String() + "?tls=none"
	l.Close()

	t.Run("ErrServerDown", func(t *testing.T) {
		err := newSender(t, down).SendEmail(t.Context(), testEmail(0))
		if err == nil || !email.IsTemporary(err) {
			t.Fatalf("SendEmail = %v, want a temporary error", err)
		}
	})
	t.Run("ErrInvalidAddress", func(t *testing.T) {
		e := testEmail(0)
		e.To = "jin72 at example.com"
		err := newSender(t, down).SendEmail(t.Context(), e)
		if err == nil || email.IsTemporary(err) {
			t.Fatalf("SendEmail = %v, want a permanent error", err)
		}
		assertNoSecrets(t, err.Error(), "jin72")
	})
	t.Run("ErrHeaderInjection", func(t *testing.T) {
		e := testEmail(0)
		e.Headers = map[string]string{"X-Evil:\r\nBcc": "x"}
		if err := newSender(t, down).SendEmail(t.Context(), e); err == nil {
			t.Fatal("SendEmail accepted a header name with CRLF")
		}
	})
	t.Run("ErrContextCanceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := newSender(t, down).SendEmail(ctx, testEmail(0))
		if !errors.Is(err, context.Canceled) || !email.IsTemporary(err) {
			t.Fatalf("SendEmail = %v, want context.Canceled, temporary", err)
		}
	})
}
