package member

import (
	"context"
	"errors"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
)

// SendConfirmation queues a fresh confirmation mail for a pending member
// (staff or the member asked again). Members who are no longer pending, or
// gone, get nothing.
func (s *Service) SendConfirmation(ctx context.Context, memberID int64) error {
	m, err := s.db.MemberByID(ctx, memberID)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if m.Status != fanmail.MemberPending {
		return nil
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		return enqueueMail(ctx, tx, fanmail.MessageOptIn, m.ID, requestRef(fanmail.MessageOptIn, m.ID))
	})
	if err != nil {
		return err
	}
	s.afterCommit()
	return nil
}

// Confirm activates the member a confirmation link was sent to. A forged or
// garbled link is EINVALID; an expired or already used one EEXPIRED; a link
// of a deactivated member EFORBIDDEN. On failure nothing changes. The member
// is returned whenever the link's signature is good, even with an error, so
// the page can answer in the member's language.
func (s *Service) Confirm(ctx context.Context, token string) (fanmail.Member, error) {
	l, err := s.links.Parse(ctx, token, link.Confirm)
	if err != nil {
		return fanmail.Member{}, err
	}
	m, err := s.db.MemberByID(ctx, l.MemberID)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return fanmail.Member{}, errLinkInvalid
	}
	if err != nil {
		return m, err
	}
	if l.Expired(s.now()) {
		return m, store.ErrLinkExpired
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
		if cur.Status != fanmail.MemberPending {
			// Opt-in links are stateless (a confirmed member makes them
			// useless): confirming again is a used link.
			return store.ErrLinkUsed
		}
		if m, err = tx.ConfirmMember(ctx, m.ID); err != nil {
			return err
		}
		return emitSelections(ctx, tx, cur)
	})
	if err != nil {
		if errors.Is(err, store.ErrLinkUnknown) {
			// Signed by us but unknown to link_tokens: a secret leak or a
			// reset database; refuse like a forgery.
			return fanmail.Member{Lang: m.Lang}, errLinkInvalid
		}
		return m, err
	}
	s.afterCommit()
	s.logger.Info("member confirmed", "member_id", m.ID)
	return m, nil
}

// emitSelections starts the fan program for the brands a member chose while
// pending, now that they confirmed (cur is the member before confirming).
func emitSelections(ctx context.Context, tx *store.Tx, cur fanmail.Member) error {
	if cur.Status != fanmail.MemberPending {
		return nil
	}
	ids, err := tx.BrandPreferences(ctx, cur.ID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := tx.Emit(ctx, fanmail.BrandSelected{MemberID: cur.ID, BrandID: id, Source: "confirm"}); err != nil {
			return err
		}
	}
	return nil
}
