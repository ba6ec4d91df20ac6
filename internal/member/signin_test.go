package member_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/delivery/deliverytest"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/throttle"
)

func regSignInToken(t *testing.T, msg channeltest.Message) string {
	t.Helper()
	return mailToken(t, msg, regBaseURL+"/login/link?token=")
}

// mailToken returns the token of the one link in msg, which starts with
// prefix.
func mailToken(t *testing.T, msg channeltest.Message, prefix string) string {
	t.Helper()
	links := channeltest.Links(msg.Text)
	if len(links) != 1 || !strings.HasPrefix(links[0], prefix) {
		t.Fatalf("links in mail = %v, want one starting %s", links, prefix)
	}
	u, _ := url.Parse(links[0])
	return u.Query().Get("token")
}

func TestService_SignInWithLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		m, err := e.svc.Register(ctx, e.minji(t))
		if err != nil {
			t.Fatal(err)
		}
		e.smtp.WaitFor(t, 1, 10*time.Second)

		// Unknown addresses get the same answer and no mail.
		if err := e.svc.RequestSignIn(ctx, testClient, "nobody@example.com"); err != nil {
			t.Errorf("unknown address: %v, want nil", err)
		}
		if err := e.svc.RequestSignIn(ctx, testClient, "not an address"); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("malformed address: %v, want EINVALID", err)
		}
		if err := e.svc.RequestSignIn(ctx, testClient, "MinJi@example.com"); err != nil {
			t.Fatal(err)
		}
		msgs := e.smtp.WaitFor(t, 2, 10*time.Second)
		if len(msgs) != 2 || msgs[1].Subject != "[fanmail] 로그인 링크" {
			t.Fatalf("mails = %d, last subject %q", len(msgs), msgs[len(msgs)-1].Subject)
		}
		token := regSignInToken(t, msgs[1])

		// Looking does not use the link up; signing in does, and activates.
		for range 2 {
			if got, err := e.svc.CheckSignInLink(ctx, token); err != nil || got.ID != m.ID {
				t.Fatalf("CheckSignInLink = %d, %v", got.ID, err)
			}
		}
		got, err := e.svc.SignInWithLink(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != m.ID || got.Status != fanmail.MemberActive || got.LoginCount != 1 || got.LastLoginAt == nil {
			t.Errorf("signed-in member = %+v", got)
		}
		if _, err := e.svc.SignInWithLink(ctx, token); fanmail.ErrorCode(err) != fanmail.EEXPIRED {
			t.Errorf("reused link: %v, want EEXPIRED", err)
		}
		if _, err := e.svc.CheckSignInLink(ctx, token); fanmail.ErrorCode(err) != fanmail.EEXPIRED {
			t.Errorf("checking a used link: %v, want EEXPIRED", err)
		}

		// Expired links are refused.
		e.svc.RequestSignIn(ctx, testClient, "minji@example.com")
		token = regSignInToken(t, e.smtp.WaitFor(t, 3, 10*time.Second)[2])
		deliverytest.WaitIdle(t, db)
		e.advance(31 * time.Minute)
		if _, err := e.svc.SignInWithLink(ctx, token); fanmail.ErrorCode(err) != fanmail.EEXPIRED {
			t.Errorf("expired link: %v, want EEXPIRED", err)
		}

		// Deactivated members get no mail, and their links stop working.
		e.svc.RequestSignIn(ctx, testClient, "minji@example.com")
		token = regSignInToken(t, e.smtp.WaitFor(t, 4, 10*time.Second)[3])
		if err := e.svc.Deactivate(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SignInWithLink(ctx, token); fanmail.ErrorCode(err) != fanmail.EFORBIDDEN {
			t.Errorf("deactivated member's link: %v, want EFORBIDDEN", err)
		}
		if err := e.svc.RequestSignIn(ctx, testClient, "minji@example.com"); err != nil {
			t.Errorf("deactivated member: %v, want nil", err)
		}
		if n := len(e.smtp.Messages()); n != 4 {
			t.Errorf("%d mails, want 4 (none for the deactivated member)", n)
		}
		after, _ := e.svc.MemberByID(ctx, m.ID)
		if after.LoginCount != 1 || after.Status != fanmail.MemberInactive {
			t.Errorf("member after refused sign-ins: %+v", after)
		}
	})
}

func TestService_RequestSignIn_Throttled(t *testing.T) {
	e := regSetup(t, storetest.OpenSQLite(t))
	ctx := context.Background()
	if _, err := e.svc.Register(ctx, e.minji(t)); err != nil {
		t.Fatal(err)
	}
	for range 7 {
		if err := e.svc.RequestSignIn(ctx, testClient, "minji@example.com"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.smtp.WaitFor(t, 6, 10*time.Second)); n != 6 || e.messages(t, "") != 6 {
		t.Errorf("%d mails, %d written, want the confirmation and 5 sign-in mails", n, e.messages(t, ""))
	}
	deliverytest.WaitIdle(t, e.db)
	e.advance(time.Hour + time.Second)
	if err := e.svc.RequestSignIn(ctx, testClient, "minji@example.com"); err != nil {
		t.Fatal(err)
	}
	if n := len(e.smtp.WaitFor(t, 7, 10*time.Second)); n != 7 {
		t.Errorf("%d mails an hour later, want 7", n)
	}
}

// One client asking for links for many addresses (a mail bomb spread over
// members) is stopped after 20 an hour, with the same answer; another
// client still gets its link.
func TestService_RequestSignIn_ThrottledPerClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		if _, err := e.svc.Register(ctx, e.minji(t)); err != nil {
			t.Fatal(err)
		}
		const bomber = "198.51.100.23"
		for i := range 20 {
			if err := e.svc.RequestSignIn(ctx, bomber, fmt.Sprintf("fan%02d@example.com", i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.svc.RequestSignIn(ctx, bomber, "minji@example.com"); err != nil {
			t.Errorf("client over its limit: %v, want nil (the same answer)", err)
		}
		if n := e.messages(t, fanmail.MessageSignIn); n != 0 {
			t.Errorf("%d sign-in mails written for a client over its limit, want 0", n)
		}
		if err := e.svc.RequestSignIn(ctx, testClient, "minji@example.com"); err != nil {
			t.Fatal(err)
		}
		if n := e.messages(t, fanmail.MessageSignIn); n != 1 {
			t.Errorf("%d sign-in mails from another client, want 1", n)
		}
		e.advance(time.Hour)
		if err := e.svc.RequestSignIn(ctx, bomber, "minji@example.com"); err != nil {
			t.Fatal(err)
		}
		if n := e.messages(t, fanmail.MessageSignIn); n != 2 {
			t.Errorf("%d sign-in mails an hour later, want 2", n)
		}
	})
}

// A guesser locks only itself out of a member's password sign-in; guesses
// from many clients lock it for everyone, and the member signs in with a
// mailed link.
func TestService_SignInWithPassword_PerClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		m, err := e.svc.Register(ctx, e.minji(t))
		if err != nil {
			t.Fatal(err)
		}
		active := fanmail.MemberActive
		e.svc.UpdateMember(ctx, m.ID, fanmail.MemberUpdate{Status: &active})
		const right = "비밀번호는길게1234"
		if err := e.svc.SetPassword(ctx, m.ID, right); err != nil {
			t.Fatal(err)
		}
		const guesser = "198.51.100.66"
		for i := range member.MaxSignInFailures {
			e.svc.SignInWithPassword(ctx, guesser, "minji@example.com", fmt.Sprint("guess", i))
		}
		if _, err := e.svc.SignInWithPassword(ctx, guesser, "minji@example.com", right); !errors.Is(err, throttle.ErrTooMany) {
			t.Errorf("guesser with the right password: %v, want ErrTooMany", err)
		}
		if _, err := e.svc.SignInWithPassword(ctx, testClient, "minji@example.com", right); err != nil {
			t.Errorf("member from another client: %v, want signed in", err)
		}
		for i := range throttle.DefaultSignInLimits.Account.Max {
			e.svc.SignInWithPassword(ctx, fmt.Sprintf("192.0.2.%d", i+1), "minji@example.com", "guess")
		}
		if _, err := e.svc.SignInWithPassword(ctx, testClient, "minji@example.com", right); !errors.Is(err, throttle.ErrAccountLocked) {
			t.Errorf("after guesses from many clients: %v, want ErrAccountLocked", err)
		}
		if err := e.svc.RequestSignIn(ctx, testClient, "minji@example.com"); err != nil {
			t.Fatal(err)
		}
		signIn := func(msg channeltest.Message) bool { return msg.Subject == "[fanmail] 로그인 링크" }
		token := regSignInToken(t, e.smtp.WaitForMatching(t, 1, 10*time.Second, signIn)[0])
		if got, err := e.svc.SignInWithLink(ctx, token); err != nil || got.ID != m.ID {
			t.Errorf("sign-in link while the password is locked: %d, %v", got.ID, err)
		}
	})
}

func TestService_SignInWithPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		m, err := e.svc.Register(ctx, e.minji(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SetPassword(ctx, m.ID, "짧은암호"); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("short password: %v, want EINVALID", err)
		}
		if has, _ := e.svc.HasPassword(ctx, m.ID); has {
			t.Error("HasPassword before setting one")
		}
		if err := e.svc.SetPassword(ctx, m.ID, "비밀번호는길게1234"); err != nil {
			t.Fatal(err)
		}
		if has, _ := e.svc.HasPassword(ctx, m.ID); !has {
			t.Error("HasPassword = false")
		}
		// Pending members confirm first.
		if _, err := e.svc.SignInWithPassword(ctx, testClient, "minji@example.com", "비밀번호는길게1234"); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
			t.Errorf("pending member: %v, want EUNAUTHORIZED", err)
		}
		active := fanmail.MemberActive
		e.svc.UpdateMember(ctx, m.ID, fanmail.MemberUpdate{Status: &active})
		got, err := e.svc.SignInWithPassword(ctx, testClient, "MINJI@example.com", "비밀번호는길게1234")
		if err != nil || got.ID != m.ID || got.LoginCount != 1 {
			t.Fatalf("sign in: %+v, %v", got, err)
		}
		for _, c := range [][2]string{{"minji@example.com", "wrong password"}, {"nobody@example.com", "비밀번호는길게1234"}} {
			if _, err := e.svc.SignInWithPassword(ctx, testClient, c[0], c[1]); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
				t.Errorf("SignInWithPassword(%q) = %v, want EUNAUTHORIZED", c[0], err)
			}
		}
		// Guessing stops after a few wrong passwords (one above, four here),
		// even at the right one.
		for i := range member.MaxSignInFailures - 1 {
			if _, err := e.svc.SignInWithPassword(ctx, testClient, "minji@example.com", fmt.Sprint("guess", i)); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		if _, err := e.svc.SignInWithPassword(ctx, testClient, "minji@example.com", "비밀번호는길게1234"); fanmail.ErrorCode(err) != fanmail.ETOOMANY {
			t.Errorf("after %d wrong passwords: %v, want ETOOMANY", member.MaxSignInFailures, err)
		}
		e.advance(member.SignInWindow)
		if _, err := e.svc.SignInWithPassword(ctx, testClient, "minji@example.com", "비밀번호는길게1234"); err != nil {
			t.Errorf("after the window: %v", err)
		}
		e.svc.Deactivate(ctx, m.ID)
		if _, err := e.svc.SignInWithPassword(ctx, testClient, "minji@example.com", "비밀번호는길게1234"); fanmail.ErrorCode(err) != fanmail.EFORBIDDEN {
			t.Errorf("deactivated: %v, want EFORBIDDEN", err)
		}
	})
}

func TestPassword(t *testing.T) {
	h, err := member.HashPassword("비밀번호는길게1234")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash = %q", h)
	}
	h2, _ := member.HashPassword("비밀번호는길게1234")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !member.CheckPassword(h, "비밀번호는길게1234") {
		t.Error("the right password does not match")
	}
	for _, bad := range []string{"비밀번호는길게123", "", "비밀번호는길게12345"} {
		if member.CheckPassword(h, bad) {
			t.Errorf("%q matches", bad)
		}
	}
	// Hashes made with other parameters still verify.
	salt := []byte("0123456789abcdef")
	old := fmt.Sprintf("$argon2id$v=19$m=8192,t=1,p=2$%s$%s", base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(argon2.IDKey([]byte("옛날비밀번호"), salt, 1, 8192, 2, 32)))
	if !member.CheckPassword(old, "옛날비밀번호") || member.CheckPassword(old, "옛날비밀번호!") {
		t.Error("a hash with other parameters does not verify")
	}
	for _, hash := range []string{"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$AAAA$AAAA", h[:len(h)-4]} {
		if member.CheckPassword(hash, "비밀번호는길게1234") {
			t.Errorf("malformed hash %q matches", hash)
		}
	}
}
