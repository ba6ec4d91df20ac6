package member

import (
	"context"
	"crypto/rand"
	"strconv"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
)

// Renderers returns the outbox renderers of the member's own mails: the
// double opt-in link and the magic sign-in link. Both links are made when
// the mail is rendered (as is the link to leave, see RequestWithdrawal), so a mail that waited (a relay down, mail not yet
// configured) still carries a link valid for its whole lifetime, and no
// bearer token is ever stored in the outbox. The opt-in link is stateless
// (signed, nothing stored): confirming spends it, because only a pending
// member can confirm, and rendering it writes nothing, so a burst of
// sign-ups does not queue link writes behind the registrations. The
// sign-in link opens a session and stays single-use.
func (s *Service) Renderers() map[string]delivery.Renderer {
	return map[string]delivery.Renderer{
		fanmail.MessageOptIn:    s.renderOptIn,
		fanmail.MessageSignIn:   s.renderSignIn,
		fanmail.MessageWithdraw: s.renderWithdraw,
	}
}

// enqueueMail writes a transactional mail of kind to a member inside tx. ref
// makes it unique per cause: a registration, or one request for a link.
func enqueueMail(ctx context.Context, tx *store.Tx, kind string, memberID int64, ref string) error {
	_, _, err := tx.EnqueueMessage(ctx, fanmail.Message{Kind: kind, Channel: fanmail.ChannelEmail,
		Purpose: fanmail.PurposeTransactional, MemberID: memberID, Ref: ref})
	return err
}

// requestRef names one request for a mail that may be asked for again (a
// sign-in link, a new confirmation link).
func requestRef(kind string, memberID int64) string {
	return kind + ":" + strconv.FormatInt(memberID, 10) + ":" + rand.Text()[:16]
}

func (s *Service) renderOptIn(ctx context.Context, c *store.OutboxClaim) (delivery.Content, error) {
	if c.MemberStatus != fanmail.MemberPending {
		return delivery.Content{}, fanmail.Errorf(fanmail.EEXPIRED, "The member is no longer waiting for confirmation.")
	}
	token, err := s.links.Sign(ctx, link.Confirm, c.MemberID, c.ID, s.now().Add(s.opts.ConfirmTTL))
	if err != nil {
		return delivery.Content{}, err
	}
	return delivery.TemplateContent("confirm", c.Lang, delivery.ConfirmData{
		Name:       c.Name,
		Link:       s.opts.BaseURL + "/confirm?token=" + token,
		ValidHours: int(s.opts.ConfirmTTL.Hours()),
	})
}

func (s *Service) renderSignIn(ctx context.Context, c *store.OutboxClaim) (delivery.Content, error) {
	if c.MemberStatus == fanmail.MemberInactive {
		return delivery.Content{}, fanmail.Errorf(fanmail.EEXPIRED, "The member left.")
	}
	token, err := s.links.Issue(ctx, link.SignIn, c.MemberID, 0, s.opts.MagicLinkTTL)
	if err != nil {
		return delivery.Content{}, err
	}
	return delivery.TemplateContent("signin", c.Lang, delivery.SignInData{
		Name:         c.Name,
		Link:         s.opts.BaseURL + "/login/link?token=" + token,
		ValidMinutes: int(s.opts.MagicLinkTTL.Minutes()),
	})
}
