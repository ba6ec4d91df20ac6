package staff

import (
	"context"
	"crypto/rand"
	"strconv"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
)

// RequestSignInLink mails a single-use sign-in link to the active staff user
// with the address: the way in when their password sign-in is locked
// (throttle.ErrAccountLocked) or forgotten. client names who asks (an IP
// address). For unknown or deactivated addresses, and beyond the limits per
// address and per client (throttle.DefaultRequestLimits), it does nothing
// and still returns nil, so the answer never reveals who is staff. It
// returns EINVALID for a malformed address and EUNAVAILABLE when mail is not
// configured.
func (s *Service) RequestSignInLink(ctx context.Context, client, email string) error {
	if err := fanmail.ValidateEmail(email); err != nil {
		return err
	}
	if s.opts.MailConfigured != nil && !s.opts.MailConfigured() {
		return fanmail.Errorf(fanmail.EUNAVAILABLE, "Sign-in by e-mail is not available because mail is not configured.")
	}
	key := fanmail.NormalizeEmail(email)
	if ok, err := s.requests.Allow(ctx, client, key, s.db.Now()); err != nil || !ok {
		if err == nil {
			s.logger.Warn("staff sign-in mails throttled")
		}
		return err
	}
	u, _, err := s.db.UserCredentials(ctx, key)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND || (err == nil && !u.Active) {
		s.logger.Info("staff sign-in link asked for an unknown or inactive account")
		return nil
	}
	if err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := tx.EnqueueMessage(ctx, fanmail.Message{Kind: fanmail.MessageStaffSignIn, UserID: u.ID,
			Ref: fanmail.MessageStaffSignIn + ":" + strconv.FormatInt(u.ID, 10) + ":" + rand.Text()[:16]})
		return err
	})
	if err != nil {
		return err
	}
	if s.opts.AfterCommit != nil {
		s.opts.AfterCommit()
	}
	s.logger.Info("staff sign-in link queued", "user_id", u.ID)
	return nil
}

// Renderers returns the outbox renderer of staff mail: the sign-in link,
// made when the mail is rendered so no bearer token is stored in the outbox.
func (s *Service) Renderers() map[string]delivery.Renderer {
	return map[string]delivery.Renderer{fanmail.MessageStaffSignIn: s.renderSignIn}
}

func (s *Service) renderSignIn(ctx context.Context, c *store.OutboxClaim) (delivery.Content, error) {
	token, err := s.links.Issue(ctx, link.StaffSignIn, 0, c.UserID, s.opts.LinkTTL)
	if err != nil {
		return delivery.Content{}, err
	}
	return delivery.TemplateContent("signin", c.Lang, delivery.SignInData{
		Name:         c.Name,
		Link:         s.opts.BaseURL + "/admin/login/link?token=" + token,
		ValidMinutes: int(s.opts.LinkTTL.Minutes()),
	})
}

// signInLink returns the link and the active staff user token signs in.
func (s *Service) signInLink(ctx context.Context, token string) (link.Link, fanmail.User, error) {
	l, err := s.links.Parse(ctx, token, link.StaffSignIn)
	if err != nil {
		return l, fanmail.User{}, err
	}
	u, err := s.db.UserByID(ctx, l.Ref)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND || (err == nil && !u.Active) {
		return l, fanmail.User{}, link.ErrInvalid
	}
	if err != nil {
		return l, u, err
	}
	if l.Expired(s.db.Now()) {
		return l, u, store.ErrLinkExpired
	}
	return l, u, nil
}

// CheckSignInLink returns the staff user a sign-in link is for without using
// it up, so a page can ask "sign in as …?" (mail scanners that open links
// must not spend them). Errors are those of SignInWithLink.
func (s *Service) CheckSignInLink(ctx context.Context, token string) (fanmail.User, error) {
	l, u, err := s.signInLink(ctx, token)
	if err == nil {
		err = s.links.Usable(ctx, l)
	}
	return u, err
}

// SignInWithLink uses up a staff sign-in link and returns its user,
// recording the sign-in. It does not need the password, so it lets the
// owner in while the account's password sign-in is locked. A forged link, or
// one of a deactivated user, is EINVALID; an expired or used one EEXPIRED.
func (s *Service) SignInWithLink(ctx context.Context, token string) (fanmail.User, error) {
	l, u, err := s.signInLink(ctx, token)
	if err != nil {
		return u, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := link.Use(ctx, tx, l); err != nil {
			return err
		}
		return tx.RecordUserLogin(ctx, u.ID)
	})
	if err != nil {
		return u, err
	}
	now := s.db.Now()
	u.LastLoginAt = &now
	s.logger.Info("staff signed in", "user_id", u.ID, "method", "link")
	return u, nil
}
