package tracking

import (
	"context"
	"regexp"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// Bounce is a delivery failure or a complaint about one sent mail, from a
// DSN, an ARF report or a provider webhook.
type Bounce struct {
	Kind   string // KindBounceHard, KindBounceSoft or KindComplaint
	Token  string // the send's token, when known (VERP, unsubscribe URL)
	Email  string // the recipient, when there is no token (provider webhooks)
	Source string // dsn, arf, webhook:PROVIDER
	Detail string // status and diagnostic; addresses are removed before storing
}

// BounceResult says what ApplyBounce did.
type BounceResult struct {
	CampaignID int64 // 0 when the bounce named no send
	MemberID   int64 // 0 when the address is no member's
	Duplicate  bool  // the send already had this event; nothing changed
	Suppressed bool  // the address is suppressed now (or already was)
}

// ApplyBounce records b and applies the thresholds: a hard bounce or a
// complaint suppresses the address at once; SoftBounceLimit soft bounces of
// different sends within SoftBounceWindow suppress it too. Applying the same
// bounce of a send twice changes nothing the second time. An unknown token
// falls back to the address when there is one. Errors: ENOTFOUND for a token
// that names no send (and no address), EINVALID for an unknown kind or
// neither token nor address.
func (s *Service) ApplyBounce(ctx context.Context, b Bounce) (BounceResult, error) {
	var res BounceResult
	var reason string
	switch b.Kind {
	case KindBounceHard:
		reason = store.SuppressHardBounce
	case KindBounceSoft:
		reason = store.SuppressSoftBounces
	case KindComplaint:
		reason = store.SuppressComplaint
	default:
		return res, fanmail.Errorf(fanmail.EINVALID, "Unknown bounce type.")
	}
	if b.Token == "" && fanmail.NormalizeEmail(b.Email) == "" {
		return res, fanmail.Errorf(fanmail.EINVALID, "A bounce needs a send token or an address.")
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		res = BounceResult{}
		var sendID int64
		var email string
		if b.Token != "" {
			r, err := tx.RecipientByToken(ctx, b.Token)
			switch {
			case err == nil:
				sendID, res.CampaignID, res.MemberID, email = r.SendID, r.CampaignID, r.MemberID, r.Email
			case fanmail.ErrorCode(err) != fanmail.ENOTFOUND || fanmail.NormalizeEmail(b.Email) == "":
				return err
			}
		}
		if email == "" {
			email = fanmail.NormalizeEmail(b.Email)
			id, err := tx.MemberIDByEmail(ctx, email)
			if err != nil && fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				return err
			}
			res.MemberID = id
		}
		if sendID != 0 {
			dup, err := tx.HasEvent(ctx, res.CampaignID, sendID, b.Kind)
			if err != nil {
				return err
			}
			if dup {
				// Recorded before (a retried delivery, or a 5xx noted while
				// sending): still make sure the address is suppressed.
				res.Duplicate = true
				if b.Kind != KindBounceSoft {
					res.Suppressed = true
					return tx.Suppress(ctx, email, reason, b.Source)
				}
				res.Suppressed, err = tx.IsSuppressed(ctx, email)
				return err
			}
		}
		if err := tx.AddEvent(ctx, store.Event{CampaignID: res.CampaignID, SendID: sendID, MemberID: res.MemberID,
			Kind: b.Kind, Detail: scrubDetail(b.Detail)}); err != nil {
			return err
		}
		suppress := b.Kind != KindBounceSoft
		if b.Kind != KindComplaint {
			n, err := tx.AddBounce(ctx, email, b.Kind == KindBounceHard, sendID, tx.Now.Add(-s.opts.SoftBounceWindow))
			if err != nil {
				return err
			}
			if b.Kind == KindBounceSoft && n >= s.opts.SoftBounceLimit {
				suppress = true
			}
		}
		if suppress {
			res.Suppressed = true
			return tx.Suppress(ctx, email, reason, b.Source)
		}
		var err error
		res.Suppressed, err = tx.IsSuppressed(ctx, email)
		return err
	})
	if err != nil {
		return BounceResult{}, err
	}
	if !res.Duplicate {
		s.logger.Info("bounce recorded", "kind", b.Kind, "source", b.Source, "campaign_id", res.CampaignID,
			"member_id", res.MemberID, "suppressed", res.Suppressed)
	}
	return res, nil
}

// Reply records that the member the send holding token went to answered it.
// Errors: ENOTFOUND for an unknown send.
func (s *Service) Reply(ctx context.Context, token string) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		r, err := tx.RecipientByToken(ctx, token)
		if err != nil {
			return err
		}
		return tx.AddEvent(ctx, store.Event{CampaignID: r.CampaignID, SendID: r.SendID, MemberID: r.MemberID, Kind: KindReply})
	})
}

var addressLike = regexp.MustCompile(`<?[^\s<>@;,"']+@[^\s<>;,"']+>?`)

// scrubDetail removes anything that looks like an address from a diagnostic
// (remote servers quote the recipient: "550 5.1.1 <jin@example.com>: no such
// user") and keeps it short.
func scrubDetail(s string) string {
	s = addressLike.ReplaceAllString(s, "[address]")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = strings.ToValidUTF8(s[:300], "") // drop a character cut in half
	}
	return s
}
