package member

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
)

// WithdrawLinkTTL is how long a mailed link to leave works.
const WithdrawLinkTTL = 24 * time.Hour

// Erasure sources besides the staff surfaces (fanmail.SourceAdmin,
// SourceAPI) and the CLI.
const (
	ErasedByMember    = fanmail.SourcePortal // the member left in the portal
	ErasedByCLI       = "cli"
	ErasedByRetention = "retention" // the retention job: inactive too long
)

// Erase erases a member on request (see store.EraseMember and
// fanmail.ErasureKeeps). Staff must give a reason. Errors: EINVALID
// without a reason, ENOTFOUND, ECONFLICT for a member already erased or
// holding unused gift certificates (unless o.VoidCertificates).
func (s *Service) Erase(ctx context.Context, id int64, o store.EraseOptions) (store.Erasure, error) {
	o.Reason = strings.TrimSpace(o.Reason)
	if o.Source != ErasedByMember && o.Reason == "" {
		return store.Erasure{}, fanmail.FieldError("reason", "Give the reason for the erasure, e.g. the request's date and channel.")
	}
	if len(o.Reason) > 500 {
		return store.Erasure{}, fanmail.FieldError("reason", "The reason is too long (at most 500 characters).")
	}
	var res store.Erasure
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		res, err = tx.EraseMember(ctx, id, o)
		return err
	})
	if err != nil {
		return res, err
	}
	s.logger.Info("member erased", "member_id", id, "source", o.Source, "user_id", o.UserID,
		"voided_certificates", res.VoidedCerts, "messages_deleted", res.DeletedMessages)
	return res, nil
}

// WithdrawWithPassword lets a signed-in member leave after typing their
// password again; client names who asks, for the sign-in throttle. Errors:
// EINVALID when the member has no password (they ask for a mailed link),
// EUNAUTHORIZED for a wrong password, ETOOMANY after too many, and those of
// Erase (ECONFLICT for unused gift certificates: the member is told to use
// or give them up first).
func (s *Service) WithdrawWithPassword(ctx context.Context, memberID int64, client, password string, voidCertificates bool) error {
	m, err := s.db.MemberByID(ctx, memberID)
	if err != nil {
		return err
	}
	hash, err := s.db.MemberPasswordHash(ctx, memberID)
	if err != nil {
		return err
	}
	if hash == "" {
		return fanmail.FieldError("password", "You have no password. Ask for a link by e-mail instead.")
	}
	key, now := fanmail.NormalizeEmail(m.Email), s.now()
	if err := s.signIns.Check(ctx, client, key, now); err != nil {
		return err
	}
	if !CheckPassword(hash, password) {
		if err := s.signIns.Fail(ctx, client, key, now); err != nil {
			return err
		}
		return fanmail.Errorf(fanmail.EUNAUTHORIZED, "The password is wrong.")
	}
	_, err = s.Erase(ctx, memberID, store.EraseOptions{Source: ErasedByMember, VoidCertificates: voidCertificates})
	return err
}

// RequestWithdrawal mails the member a single-use link that confirms
// leaving (through the outbox). Errors: EUNAVAILABLE when mail is not
// configured, ENOTFOUND.
func (s *Service) RequestWithdrawal(ctx context.Context, memberID int64) error {
	if !s.mailer.Configured() {
		return fanmail.Errorf(fanmail.EUNAVAILABLE, "Mail is not configured, so no link can be sent. Set a password and leave with it.")
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		m, err := tx.MemberByID(ctx, memberID)
		if err != nil {
			return err
		}
		if m.ErasedAt != nil {
			return errClosed
		}
		return enqueueMail(ctx, tx, fanmail.MessageWithdraw, memberID, requestRef(fanmail.MessageWithdraw, memberID))
	})
	if err != nil {
		return err
	}
	s.afterCommit()
	return nil
}

func (s *Service) renderWithdraw(ctx context.Context, c *store.OutboxClaim) (delivery.Content, error) {
	token, err := s.links.Issue(ctx, link.Withdraw, c.MemberID, 0, WithdrawLinkTTL)
	if err != nil {
		return delivery.Content{}, err
	}
	return delivery.TemplateContent("withdraw", c.Lang, delivery.ConfirmData{
		Name:       c.Name,
		Link:       s.opts.BaseURL + "/leave/confirm?token=" + token,
		ValidHours: int(WithdrawLinkTTL.Hours()),
	})
}

// CheckWithdrawalLink returns the member a link to leave is for, without
// using it (the page asks for one press). A forged link is EINVALID, an
// expired or used one EEXPIRED, a member already erased EFORBIDDEN.
func (s *Service) CheckWithdrawalLink(ctx context.Context, token string) (fanmail.Member, error) {
	return s.checkLink(ctx, token, s.withdrawalLink)
}

func (s *Service) withdrawalLink(ctx context.Context, token string) (link.Link, fanmail.Member, error) {
	l, m, err := s.linkMember(ctx, token, link.Withdraw)
	if err != nil {
		return l, m, err
	}
	if m.ErasedAt != nil {
		return l, fanmail.Member{Lang: m.Lang}, errClosed
	}
	if l.Expired(s.now()) {
		return l, m, store.ErrLinkExpired
	}
	return l, m, nil
}

// WithdrawWithLink uses up a mailed link to leave and erases its member in
// the same transaction, so a link works once. Errors: those of
// CheckWithdrawalLink and of Erase.
func (s *Service) WithdrawWithLink(ctx context.Context, token string, voidCertificates bool) (fanmail.Member, error) {
	l, m, err := s.withdrawalLink(ctx, token)
	if err != nil {
		return m, err
	}
	o := store.EraseOptions{Source: ErasedByMember, VoidCertificates: voidCertificates}
	var res store.Erasure
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := link.Use(ctx, tx, l); err != nil {
			return err
		}
		res, err = tx.EraseMember(ctx, m.ID, o)
		return err
	})
	if errors.Is(err, store.ErrLinkUnknown) {
		return fanmail.Member{Lang: m.Lang}, errLinkInvalid
	}
	if err != nil {
		return m, err
	}
	s.logger.Info("member erased", "member_id", m.ID, "source", o.Source, "method", "link",
		"voided_certificates", res.VoidedCerts)
	return m, nil
}
