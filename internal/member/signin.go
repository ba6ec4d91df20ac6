package member

import (
	"context"
	"errors"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/throttle"
)

var errBadCredentials = fanmail.Errorf(fanmail.EUNAUTHORIZED, "The e-mail address or password is wrong.")

// Limits of wrong passwords from one client for one address (see
// SignInWithPassword).
var (
	MaxSignInFailures = throttle.DefaultSignInLimits.Pair.Max
	SignInWindow      = throttle.DefaultSignInLimits.Pair.Window
)

// RequestSignIn mails a magic sign-in link to the member with the address;
// client names who asks (an IP address). For unknown or deactivated
// addresses, and beyond 5 requests per address and 20 per client an hour
// (throttle.DefaultRequestLimits), it does nothing and still returns nil,
// so the answer never reveals who is a member or that a limit was reached.
// It returns EINVALID for a malformed address and EUNAVAILABLE when mail is
// not configured.
func (s *Service) RequestSignIn(ctx context.Context, client, email string) error {
	if err := fanmail.ValidateEmail(email); err != nil {
		return err
	}
	if !s.mailer.Configured() {
		return fanmail.Errorf(fanmail.EUNAVAILABLE, "Sign-in by e-mail is not available because mail is not configured.")
	}
	if ok, err := s.requests.Allow(ctx, client, fanmail.NormalizeEmail(email), s.now()); err != nil || !ok {
		if err == nil {
			s.logger.Warn("sign-in mails throttled")
		}
		return err
	}
	m, err := s.db.MemberByEmail(ctx, email)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		s.logger.Info("sign-in link asked for an unknown address")
		return nil
	}
	if err != nil {
		return err
	}
	if m.Status == fanmail.MemberInactive {
		s.logger.Info("sign-in link asked for a deactivated member", "member_id", m.ID)
		return nil
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		return enqueueMail(ctx, tx, fanmail.MessageSignIn, m.ID, requestRef(fanmail.MessageSignIn, m.ID))
	})
	if err != nil {
		return err
	}
	s.afterCommit()
	return nil
}

// CheckSignInLink returns the member a sign-in link is for without using it
// up, so a page can ask "sign in as …?" (mail scanners that open links must
// not spend them). Errors are those of SignInWithLink.
func (s *Service) CheckSignInLink(ctx context.Context, token string) (fanmail.Member, error) {
	return s.checkLink(ctx, token, s.signInLink)
}

// checkLink returns the member of a link that parse (signInLink,
// withdrawalLink) accepts, if the link can still be used: a forged one is
// EINVALID, a used or expired one EEXPIRED.
func (s *Service) checkLink(ctx context.Context, token string,
	parse func(context.Context, string) (link.Link, fanmail.Member, error)) (fanmail.Member, error) {
	l, m, err := parse(ctx, token)
	if err != nil {
		return m, err
	}
	if err := s.links.Usable(ctx, l); err != nil {
		if errors.Is(err, store.ErrLinkUnknown) {
			return fanmail.Member{Lang: m.Lang}, errLinkInvalid
		}
		return m, err
	}
	return m, nil
}

// linkMember checks token's signature for purpose and returns the link
// with its member; a forged link, or one for nobody, is EINVALID.
func (s *Service) linkMember(ctx context.Context, token, purpose string) (link.Link, fanmail.Member, error) {
	l, err := s.links.Parse(ctx, token, purpose)
	if err != nil {
		return l, fanmail.Member{}, err
	}
	m, err := s.db.MemberByID(ctx, l.MemberID)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return l, fanmail.Member{}, errLinkInvalid
	}
	return l, m, err
}

func (s *Service) signInLink(ctx context.Context, token string) (link.Link, fanmail.Member, error) {
	l, m, err := s.linkMember(ctx, token, link.SignIn)
	if err != nil {
		return l, m, err
	}
	if l.Expired(s.now()) {
		return l, m, store.ErrLinkExpired
	}
	if m.Status == fanmail.MemberInactive {
		return l, m, errClosed
	}
	return l, m, nil
}

// SignInWithLink uses up a sign-in link and returns its member, recording
// the login. A pending member becomes active: opening the mail proved the
// address. A forged link is EINVALID, an expired or used one EEXPIRED, a
// deactivated member's EFORBIDDEN; the member is returned with the error when
// known, for the page's language.
func (s *Service) SignInWithLink(ctx context.Context, token string) (fanmail.Member, error) {
	l, m, err := s.signInLink(ctx, token)
	if err != nil {
		return m, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := link.Use(ctx, tx, l); err != nil {
			return err
		}
		cur, err := tx.MemberByID(ctx, m.ID)
		if err != nil {
			return err
		}
		if cur.Status == fanmail.MemberInactive {
			return errClosed
		}
		if err := tx.RecordMemberLogin(ctx, m.ID); err != nil {
			return err
		}
		if m, err = tx.ConfirmMember(ctx, m.ID); err != nil {
			return err
		}
		return emitSelections(ctx, tx, cur)
	})
	if errors.Is(err, store.ErrLinkUnknown) {
		return fanmail.Member{Lang: m.Lang}, errLinkInvalid
	}
	if err != nil {
		return m, err
	}
	s.afterCommit()
	s.logger.Info("member signed in", "member_id", m.ID, "method", "link")
	return m, nil
}

// signInFailed records a wrong password from client for key and returns the
// error to answer: errBadCredentials, or the database's when the failure
// could not be counted (a failure that goes uncounted must not let guessing
// go on).
func (s *Service) signInFailed(ctx context.Context, client, key string, now time.Time) error {
	if err := s.signIns.Fail(ctx, client, key, now); err != nil {
		return err
	}
	return errBadCredentials
}

// SignInWithPassword returns the member with the address and password,
// recording the login; client names who asks (an IP address). A wrong
// address or password is EUNAUTHORIZED (the same for both); a deactivated
// member EFORBIDDEN; a member who has not confirmed the address yet
// EUNAUTHORIZED with a hint to use the mailed link.
//
// Wrong passwords are throttled like staff sign-ins (throttle.SignIn): after
// MaxSignInFailures within SignInWindow from one client for one address,
// that client's attempts are ETOOMANY, the right password included, while
// the member elsewhere still gets in; a client failing on many addresses is
// refused for all; failures from many clients lock the address's password
// sign-in (throttle.ErrAccountLocked) and the member signs in with a mailed
// link (RequestSignIn). Unknown addresses count alike.
func (s *Service) SignInWithPassword(ctx context.Context, client, email, password string) (fanmail.Member, error) {
	key, now := fanmail.NormalizeEmail(email), s.now()
	if err := s.signIns.Check(ctx, client, key, now); err != nil {
		if fanmail.ErrorCode(err) == fanmail.ETOOMANY {
			s.logger.Warn("member sign-in refused: too many failures")
		}
		return fanmail.Member{}, err
	}
	m, err := s.db.MemberByEmail(ctx, email)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		CheckPassword(dummyHash, password)
		return fanmail.Member{}, s.signInFailed(ctx, client, key, now)
	}
	if err != nil {
		return fanmail.Member{}, err
	}
	hash, err := s.db.MemberPasswordHash(ctx, m.ID)
	if err != nil {
		return fanmail.Member{}, err
	}
	if hash == "" {
		CheckPassword(dummyHash, password)
		return fanmail.Member{}, s.signInFailed(ctx, client, key, now)
	}
	if !CheckPassword(hash, password) {
		return fanmail.Member{}, s.signInFailed(ctx, client, key, now)
	}
	if err := s.signIns.Succeeded(ctx, client, key); err != nil {
		s.logger.Warn("member sign-in failures not cleared", "err", err)
	}
	switch m.Status {
	case fanmail.MemberInactive:
		return fanmail.Member{}, errClosed
	case fanmail.MemberPending:
		return fanmail.Member{}, fanmail.Errorf(fanmail.EUNAUTHORIZED, "Please confirm your e-mail address first with the link we mailed you.")
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RecordMemberLogin(ctx, m.ID); err != nil {
			return err
		}
		m, err = tx.MemberByID(ctx, m.ID)
		return err
	})
	if err != nil {
		return fanmail.Member{}, err
	}
	s.logger.Info("member signed in", "member_id", m.ID, "method", "password")
	return m, nil
}

// SetPassword sets or replaces the member's password (EINVALID if too short
// or too long).
func (s *Service) SetPassword(ctx context.Context, memberID int64, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.db.SetMemberPasswordHash(ctx, memberID, hash)
}

// HasPassword reports whether the member has set a password.
func (s *Service) HasPassword(ctx context.Context, memberID int64) (bool, error) {
	h, err := s.db.MemberPasswordHash(ctx, memberID)
	return h != "", err
}
