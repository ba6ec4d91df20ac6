package member

import (
	"context"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// SetConsent records the member's decision for purpose, effective at once,
// and keeps it in the history. Withdrawing SMS marketing also withdraws
// night-time SMS; granting night-time SMS needs SMS marketing. The terms and
// privacy policy cannot be withdrawn here (that is closing the membership).
// source is where the decision was made (web, shop, import, api, admin,
// portal). Errors: EINVALID, ENOTFOUND.
func (s *Service) SetConsent(ctx context.Context, memberID int64, purpose string, granted bool, source, ip string) error {
	if !fanmail.IsPurpose(purpose) {
		return fanmail.FieldError("consent", "Unknown consent purpose.")
	}
	switch source {
	case fanmail.SourceWeb, fanmail.SourceShop, fanmail.SourceImport, fanmail.SourceAPI, fanmail.SourceAdmin, fanmail.SourcePortal:
	default:
		return fanmail.FieldError("source", "Unknown source.")
	}
	if !granted && (purpose == fanmail.PurposeTerms || purpose == fanmail.PurposePrivacy) {
		return fanmail.FieldError("consent_"+purpose, "The terms and the privacy policy cannot be withdrawn on their own; close the membership instead.")
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		m, err := tx.MemberByID(ctx, memberID)
		if err != nil {
			return err
		}
		cur, err := tx.CurrentConsents(ctx, memberID)
		if err != nil {
			return err
		}
		if granted && purpose == fanmail.PurposeNightSMS && !cur[fanmail.PurposeMarketingSMS] {
			return fanmail.FieldError("consent_"+purpose, "Night-time SMS needs SMS marketing consent.")
		}
		add := func(p string, g bool) error {
			return tx.AddConsent(ctx, fanmail.Consent{MemberID: memberID, Purpose: p, Channel: fanmail.ChannelOf(p),
				Granted: g, Source: source, IP: ip, Version: fanmail.ConsentWordingVersion})
		}
		if err := add(purpose, granted); err != nil {
			return err
		}
		// Granting e-mail marketing again lifts an earlier unsubscribe (never
		// a bounce or complaint suppression), or the member stays silenced.
		if granted && purpose == fanmail.PurposeMarketingEmail {
			if _, err := tx.LiftUnsubscribe(ctx, m.Email); err != nil {
				return err
			}
		}
		if !granted && purpose == fanmail.PurposeMarketingSMS && cur[fanmail.PurposeNightSMS] {
			return add(fanmail.PurposeNightSMS, false)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.logger.Info("consent changed", "member_id", memberID, "purpose", purpose, "granted", granted, "source", source)
	return nil
}

// Consents returns the member's whole consent history, oldest first.
func (s *Service) Consents(ctx context.Context, memberID int64) ([]fanmail.Consent, error) {
	return s.db.ConsentHistory(ctx, memberID)
}

// CurrentConsents returns the member's current decision per purpose.
func (s *Service) CurrentConsents(ctx context.Context, memberID int64) (map[string]bool, error) {
	return s.db.CurrentConsents(ctx, memberID)
}

// ConsentItem is one consent as the forms show it.
type ConsentItem struct {
	Purpose  string
	Label    string // English wording; the web layer translates it
	Required bool
}

// ConsentItems lists the consents in display order with the wording of
// fanmail.ConsentWordingVersion: change a text here, bump the version.
var ConsentItems = []ConsentItem{
	{fanmail.PurposeTerms, "I agree to the terms of service.", true},
	{fanmail.PurposePrivacy, "I agree that my name, e-mail address, birth year, gender, phone number, address and survey answers are collected and used to run my membership and kept until I leave.", true},
	{fanmail.PurposeMarketingEmail, "Send me news, events and offers by e-mail (advertising).", false},
	{fanmail.PurposeMarketingSMS, "Send me news, events and offers by SMS (advertising).", false},
	{fanmail.PurposeNightSMS, "SMS advertising may also reach me between 21:00 and 08:00.", false},
}
