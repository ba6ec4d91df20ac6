package member

import (
	"context"
	"errors"
	"unicode/utf8"

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

// CheckConfirmLink returns the member a confirmation link was sent to if
// the link can still confirm them, changing nothing: the confirmation page
// shows it and asks for one press (Confirm), so a mail scanner that opens
// the link confirms nobody. Errors as for Confirm.
func (s *Service) CheckConfirmLink(ctx context.Context, token string) (fanmail.Member, error) {
	l, m, err := s.confirmLink(ctx, token)
	if err != nil {
		return m, err
	}
	if m.Status == fanmail.MemberInactive {
		return m, errClosed
	}
	if m.Status != fanmail.MemberPending {
		return m, store.ErrLinkUsed
	}
	if err := s.links.Usable(ctx, l); err != nil {
		if errors.Is(err, store.ErrLinkUnknown) {
			return fanmail.Member{Lang: m.Lang}, errLinkInvalid
		}
		return m, err
	}
	return m, nil
}

func (s *Service) confirmLink(ctx context.Context, token string) (link.Link, fanmail.Member, error) {
	l, err := s.links.Parse(ctx, token, link.Confirm)
	if err != nil {
		return l, fanmail.Member{}, err
	}
	m, err := s.db.MemberByID(ctx, l.MemberID)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return l, fanmail.Member{}, errLinkInvalid
	}
	if err != nil {
		return l, m, err
	}
	if l.Expired(s.now()) {
		return l, m, store.ErrLinkExpired
	}
	return l, m, nil
}

// Confirm activates the member a confirmation link was sent to, recording
// the evidence of the opt-in: from.IP and from.UserAgent (cut to
// fanmail.MaxUserAgent bytes) at the database's now. A forged or garbled
// link is EINVALID; an expired or already used one EEXPIRED; a link of a
// deactivated member EFORBIDDEN. On failure nothing changes. The member is
// returned whenever the link's signature is good, even with an error, so the
// page can answer in the member's language.
func (s *Service) Confirm(ctx context.Context, token string, from fanmail.OptInConfirmation) (fanmail.Member, error) {
	l, m, err := s.confirmLink(ctx, token)
	if err != nil {
		return m, err
	}
	from.UserAgent = truncateUTF8(from.UserAgent, fanmail.MaxUserAgent)
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
		from.MemberID = m.ID
		if err := tx.RecordOptInConfirmation(ctx, from); err != nil {
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

// OptInConfirmation returns the evidence of member id's double opt-in, or
// ENOTFOUND when none was recorded.
func (s *Service) OptInConfirmation(ctx context.Context, id int64) (fanmail.OptInConfirmation, error) {
	return s.db.OptInConfirmation(ctx, id)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
