package tracking

import (
	"context"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// TestToken is the send token of test mails (campaign.Service.TestSend).
// They belong to no send, so their unsubscribe link, signed like any other,
// only says it was a test.
const TestToken = "test"

// Unsubscription is what the unsubscribe pages show.
type Unsubscription struct {
	Lang string // the member's language
	// Sender is who the mail said it came from (its From name), "" if
	// unknown. The campaign's own name is for staff and never shown.
	Sender string
	Done   bool // the member no longer receives marketing mail
	Test   bool // the link came in a test mail: nobody to unsubscribe
}

var errBadUnsubscribe = fanmail.Errorf(fanmail.ENOTFOUND, "This unsubscribe link is not valid. Please use the link in the most recent e-mail you received.")

// UnsubscribeStatus describes the send holding token for the confirmation page
// and changes nothing. Errors: ENOTFOUND for a bad signature (checked before
// any database access) or an unknown send. The link of a test mail
// (TestToken) is a Test.
func (s *Service) UnsubscribeStatus(ctx context.Context, token, sig string) (Unsubscription, error) {
	if !s.opts.URLs.Valid(sig, "u", token) {
		return Unsubscription{}, errBadUnsubscribe
	}
	if token == TestToken {
		return Unsubscription{Test: true}, nil
	}
	r, err := s.db.RecipientByToken(ctx, token)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return Unsubscription{}, errBadUnsubscribe
	}
	if err != nil {
		return Unsubscription{}, err
	}
	granted, err := s.db.MarketingConsent(ctx, r.MemberID)
	if err != nil {
		return Unsubscription{}, err
	}
	suppressed, err := s.db.IsSuppressed(ctx, r.Email)
	if err != nil {
		return Unsubscription{}, err
	}
	return Unsubscription{Lang: r.Lang, Sender: r.Sender, Done: !granted && suppressed}, nil
}

// Unsubscribe withdraws the e-mail marketing consent of the member the send
// holding token went to (a consent history row with source "unsubscribe"),
// suppresses the address and records an unsubscribe event, in one
// transaction. Repeating it changes nothing more. ip is the client's address,
// kept with the consent record. Errors: ENOTFOUND for a bad signature or an
// unknown send, and then nothing changed. A test mail's link changes nothing
// and is a Test.
func (s *Service) Unsubscribe(ctx context.Context, token, sig, ip string) (Unsubscription, error) {
	if !s.opts.URLs.Valid(sig, "u", token) {
		return Unsubscription{}, errBadUnsubscribe
	}
	if token == TestToken {
		return Unsubscription{Test: true}, nil // a test mail's: nothing to change
	}
	var r store.Recipient
	changed := false
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		r, err = tx.RecipientByToken(ctx, token)
		if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
			return errBadUnsubscribe
		}
		if err != nil {
			return err
		}
		granted, err := tx.MarketingConsent(ctx, r.MemberID)
		if err != nil {
			return err
		}
		if granted {
			changed = true
			if err := tx.AddConsent(ctx, fanmail.Consent{
				MemberID: r.MemberID, Purpose: fanmail.PurposeMarketingEmail, Channel: "email",
				Granted: false, Source: fanmail.SourceUnsubscribe, IP: ip, Version: fanmail.ConsentWordingVersion,
			}); err != nil {
				return err
			}
		}
		if err := tx.Suppress(ctx, r.Email, store.SuppressUnsubscribed, fanmail.SourceUnsubscribe); err != nil {
			return err
		}
		if r.SendID == 0 {
			return nil // an outbox message: no campaign event to record
		}
		seen, err := tx.HasEvent(ctx, r.CampaignID, r.SendID, KindUnsubscribe)
		if err != nil || seen {
			return err
		}
		changed = true
		return tx.AddEvent(ctx, store.Event{CampaignID: r.CampaignID, SendID: r.SendID, MemberID: r.MemberID, Kind: KindUnsubscribe})
	})
	if err != nil {
		return Unsubscription{}, err
	}
	if changed {
		s.logger.Info("member unsubscribed", "member_id", r.MemberID, "campaign_id", r.CampaignID)
	}
	return Unsubscription{Lang: r.Lang, Sender: r.Sender, Done: true}, nil
}
