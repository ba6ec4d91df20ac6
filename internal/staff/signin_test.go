package staff_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/delivery/deliverytest"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/throttle"
)

// mailEnv is a staff service whose sign-in links go through a real outbox
// to an in-process SMTP server, on a clock the test moves.
type mailEnv struct {
	s    *staff.Service
	smtp *channeltest.SMTPServer

	mu  sync.Mutex
	now time.Time
}

func (e *mailEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

func newMailEnv(t *testing.T, db *store.DB) *mailEnv {
	t.Helper()
	e := &mailEnv{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), smtp: channeltest.NewSMTPServer(t)}
	db.Now = func() time.Time {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.now
	}
	outbox := deliverytest.Start(t, db, e.smtp.URL())
	e.s = staff.New(db, slog.New(slog.NewTextHandler(t.Output(), nil)),
		staff.Options{BaseURL: "http://fanmail.test", AfterCommit: outbox.Notify})
	outbox.RegisterAll(e.s.Renderers())
	return e
}

func mustCreateUser(t *testing.T, s *staff.Service, email, name, role string) fanmail.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), staff.NewUser{Email: email, Name: name, Role: role, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// staffLinkToken returns the token of the one admin sign-in link in msg.
func staffLinkToken(t *testing.T, msg channeltest.Message) string {
	t.Helper()
	links := channeltest.Links(msg.Text)
	if len(links) != 1 || !strings.HasPrefix(links[0], "http://fanmail.test/admin/login/link?token=") {
		t.Fatalf("links in sign-in mail = %v", links)
	}
	u, _ := url.Parse(links[0])
	return u.Query().Get("token")
}

// A guesser locks only itself out of the account it guesses: the rightful
// owner, from another client, still signs in with the password.
func TestService_AuthenticatePerClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		ctx := context.Background()
		mustCreateUser(t, s, "jihoon@example.com", "김지훈", fanmail.RoleAdmin)
		const guesser, owner = "198.51.100.66", "203.0.113.7"
		for i := range staff.MaxLoginFailures {
			if _, err := s.Authenticate(ctx, guesser, "jihoon@example.com", fmt.Sprint("guess", i)); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
				t.Fatalf("try %d: %v, want EUNAUTHORIZED", i+1, err)
			}
		}
		if _, err := s.Authenticate(ctx, guesser, "jihoon@example.com", pw); !errors.Is(err, throttle.ErrTooMany) {
			t.Errorf("guesser with the right password: %v, want ErrTooMany", err)
		}
		if _, err := s.Authenticate(ctx, owner, "jihoon@example.com", pw); err != nil {
			t.Errorf("owner from another client: %v, want signed in", err)
		}
	})
}

// One client trying a password on many accounts (spraying) is stopped,
// whichever account it tries next; other clients are not.
func TestService_AuthenticateSpraying(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		ctx := context.Background()
		mustCreateUser(t, s, "minji@example.com", "김민지", fanmail.RoleMarketer)
		const sprayer = "198.51.100.99"
		for i := range throttle.DefaultSignInLimits.Client.Max {
			addr := fmt.Sprintf("staff%02d@example.com", i)
			if _, err := s.Authenticate(ctx, sprayer, addr, "Spring2026!"); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
				t.Fatalf("account %d: %v, want EUNAUTHORIZED", i+1, err)
			}
		}
		if _, err := s.Authenticate(ctx, sprayer, "minji@example.com", pw); !errors.Is(err, throttle.ErrTooMany) {
			t.Errorf("sprayer on a new account: %v, want ErrTooMany", err)
		}
		if _, err := s.Authenticate(ctx, testClient, "minji@example.com", pw); err != nil {
			t.Errorf("another client: %v, want signed in", err)
		}
	})
}

// Guesses from many clients lock the account's password sign-in for
// everyone, its owner included; the owner gets in with a mailed link.
func TestService_AuthenticateDistributed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newMailEnv(t, db)
		ctx := context.Background()
		admin := mustCreateUser(t, e.s, "jihoon@example.com", "김지훈", fanmail.RoleAdmin)
		for i := range throttle.DefaultSignInLimits.Account.Max {
			client := fmt.Sprintf("198.51.100.%d", i+1)
			if _, err := e.s.Authenticate(ctx, client, "jihoon@example.com", "guess"); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
				t.Fatalf("client %d: %v, want EUNAUTHORIZED", i+1, err)
			}
		}
		if _, err := e.s.Authenticate(ctx, testClient, "jihoon@example.com", pw); !errors.Is(err, throttle.ErrAccountLocked) {
			t.Fatalf("owner with the right password: %v, want ErrAccountLocked", err)
		}

		if err := e.s.RequestSignInLink(ctx, testClient, "JIHOON@example.com"); err != nil {
			t.Fatal(err)
		}
		msgs := e.smtp.WaitFor(t, 1, 10*time.Second)
		if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != "jihoon@example.com" {
			t.Fatalf("mails = %+v", msgs)
		}
		token := staffLinkToken(t, msgs[0])
		for range 2 { // looking does not use the link up
			if u, err := e.s.CheckSignInLink(ctx, token); err != nil || u.ID != admin.ID {
				t.Fatalf("CheckSignInLink = %d, %v", u.ID, err)
			}
		}
		u, err := e.s.SignInWithLink(ctx, token)
		if err != nil || u.ID != admin.ID || u.LastLoginAt == nil {
			t.Fatalf("SignInWithLink = %+v, %v", u, err)
		}
		if _, err := e.s.SignInWithLink(ctx, token); fanmail.ErrorCode(err) != fanmail.EEXPIRED {
			t.Errorf("link used twice: %v, want EEXPIRED", err)
		}
		if _, err := e.s.CheckSignInLink(ctx, token+"x"); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("forged link: %v, want EINVALID", err)
		}

		// Links expire.
		if err := e.s.RequestSignInLink(ctx, testClient, "jihoon@example.com"); err != nil {
			t.Fatal(err)
		}
		token = staffLinkToken(t, e.smtp.WaitFor(t, 2, 10*time.Second)[1])
		e.advance(31 * time.Minute)
		if _, err := e.s.SignInWithLink(ctx, token); fanmail.ErrorCode(err) != fanmail.EEXPIRED {
			t.Errorf("expired link: %v, want EEXPIRED", err)
		}
		// The lock passes with its window.
		e.advance(throttle.DefaultSignInLimits.Account.Window)
		if _, err := e.s.Authenticate(ctx, testClient, "jihoon@example.com", pw); err != nil {
			t.Errorf("after the window: %v", err)
		}
	})
}

// Sign-in links are mailed only to active staff, at most 5 per address and
// 20 per client an hour, and the answer is the same either way.
func TestService_RequestSignInLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newMailEnv(t, db)
		ctx := context.Background()
		mustCreateUser(t, e.s, "jihoon@example.com", "김지훈", fanmail.RoleAdmin)
		gone := mustCreateUser(t, e.s, "minji@example.com", "김민지", fanmail.RoleMarketer)
		inactive := false
		if _, err := e.s.UpdateUser(ctx, gone.ID, staff.UserUpdate{Active: &inactive}); err != nil {
			t.Fatal(err)
		}
		if err := e.s.RequestSignInLink(ctx, testClient, "not an address"); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("malformed address: %v, want EINVALID", err)
		}
		for _, addr := range []string{"nobody@example.com", "minji@example.com"} {
			if err := e.s.RequestSignInLink(ctx, testClient, addr); err != nil {
				t.Errorf("%s: %v, want nil", addr, err)
			}
		}
		for range 7 {
			if err := e.s.RequestSignInLink(ctx, testClient, "jihoon@example.com"); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range e.smtp.WaitFor(t, 5, 10*time.Second) {
			if m.To[0] != "jihoon@example.com" {
				t.Errorf("mail to %v", m.To)
			}
		}
		// From one client, requests stop at 20 in all (7 so far: refused
		// ones do not count); another client still gets its mail.
		for i := range 13 {
			e.s.RequestSignInLink(ctx, testClient, fmt.Sprintf("staff%02d@example.com", i))
		}
		mustCreateUser(t, e.s, "seojun@example.com", "박서준", fanmail.RoleCounsellor)
		if err := e.s.RequestSignInLink(ctx, testClient, "seojun@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := e.s.RequestSignInLink(ctx, "192.0.2.44", "seojun@example.com"); err != nil {
			t.Fatal(err)
		}
		var written int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE kind = $1`, fanmail.MessageStaffSignIn).Scan(&written); err != nil {
			t.Fatal(err)
		}
		if written != 6 {
			t.Errorf("%d mails written, want 6 (5 to jihoon, 1 to seojun from another client)", written)
		}
		if got := e.smtp.WaitFor(t, 6, 10*time.Second)[5].To[0]; got != "seojun@example.com" {
			t.Errorf("last mail to %s", got)
		}
	})
}
