package loyalty

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/link"
	"github.com/fanmail/fanmail/internal/store"
)

// MaxKeyLen bounds an idempotency key.
const MaxKeyLen = 200

// RedeemRequest asks to exchange a member's chips for a reward (RewardID),
// or a gift certificate for goods (CertificateCode, as typed or scanned).
// Every request carries an IdempotencyKey chosen by the caller (the form,
// the terminal, the API client): the same key always names the same
// redemption.
type RedeemRequest struct {
	IdempotencyKey  string
	MemberID        int64 // required for a reward; for a certificate, 0 or its owner
	RewardID        int64
	CertificateCode string
	ShopID          int64 // where; 0 for the member portal
	StaffID         int64 // who served; 0 for the member portal and the API
}

var (
	errKey = &fanmail.Error{Code: fanmail.EINVALID, Field: "idempotency_key",
		Message: "Every redemption needs a request key of at most 200 characters."}
	errWhat     = fanmail.FieldError("reward", "Choose a reward or enter a gift certificate code.")
	errNoMember = fanmail.FieldError("member", "Choose the member who redeems.")
	errForged   = &fanmail.Error{Code: fanmail.EINVALID, Field: "certificate_code",
		Message: "This gift certificate code is not valid: check it for typing errors."}
	errUnknownCert = &fanmail.Error{Code: fanmail.ENOTFOUND, Field: "certificate_code",
		Message: "No gift certificate has this code."}
	errOtherMember = &fanmail.Error{Code: fanmail.EINVALID, Field: "certificate_code",
		Message: "This gift certificate belongs to another member."}
	errInactive = &fanmail.Error{Code: fanmail.EINVALID, Field: "reward", Message: "This reward is no longer offered."}
)

func (q RedeemRequest) validate() error {
	switch {
	case strings.TrimSpace(q.IdempotencyKey) == "" || len(q.IdempotencyKey) > MaxKeyLen:
		return errKey
	case (q.RewardID == 0) == (strings.TrimSpace(q.CertificateCode) == ""):
		return errWhat
	case q.RewardID != 0 && q.MemberID == 0:
		return errNoMember
	}
	return nil
}

// receiptData is the Data of a receipt message.
type receiptData struct {
	RedemptionID int64  `json:"redemption_id"`
	Balance      *int64 `json:"balance,omitempty"` // the brand's chips left right after it
}

// Redeem makes the redemption q asks for, in one transaction with its
// ledger entry and its receipt mail (transactional, in the outbox): chips
// of the reward's brand are debited by its cost (a gift certificate reward
// also issues the certificate), or the gift certificate is marked redeemed.
// It reports whether the redemption is new. A key already used returns that
// redemption, created=false, whatever happened since; a key used for
// another request is ECONFLICT naming idempotency_key. Concurrent requests
// on one balance let exactly the affordable ones through.
//
// Errors: EINVALID for a missing key, member or reward, a forged or
// mistyped code, another member's certificate, an inactive reward, a void
// certificate or too few chips ("Not enough chips."); ENOTFOUND for an
// unknown reward or certificate; ECONFLICT for a certificate already
// redeemed; EEXPIRED for an expired one. Nothing is stored on failure, so a
// refused request may be tried again under the same key.
func (s *Service) Redeem(ctx context.Context, q RedeemRequest) (fanmail.Redemption, bool, error) {
	if err := q.validate(); err != nil {
		return fanmail.Redemption{}, false, err
	}
	r := fanmail.Redemption{IdempotencyKey: q.IdempotencyKey, MemberID: q.MemberID, RewardID: q.RewardID,
		ShopID: q.ShopID, StaffID: q.StaffID}
	var reward fanmail.Reward
	var newCode string
	var err error
	if q.RewardID != 0 {
		if reward, err = s.db.RewardByID(ctx, q.RewardID); err != nil {
			return r, false, err
		}
		r.BrandID, r.Cost = reward.BrandID, reward.Cost
		// Drawn before the transaction: on SQLite the signing key must not
		// be read on another connection while the transaction writes.
		if reward.Kind == fanmail.RewardCertificate {
			if newCode, err = s.links.NewCode(ctx, link.Certificate); err != nil {
				return r, false, err
			}
		}
	} else {
		cert, err := s.certificate(ctx, q.CertificateCode, q.MemberID)
		if err != nil {
			return r, false, err
		}
		r.MemberID, r.BrandID, r.CertificateID = cert.MemberID, cert.BrandID, cert.ID
	}
	var out fanmail.Redemption
	var created bool
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.RedemptionByKey(ctx, r.IdempotencyKey); fanmail.ErrorCode(err) == fanmail.ENOTFOUND &&
			reward.ID != 0 && !reward.Active {
			return errInactive
		}
		if out, created, err = tx.Redeem(ctx, r); err != nil || !created {
			return err
		}
		if newCode != "" {
			if out.CertificateID, err = s.buyCertificate(ctx, tx, out, reward, newCode); err != nil {
				return err
			}
		}
		return s.enqueueReceipt(ctx, tx, out)
	})
	if err != nil {
		return out, false, err
	}
	if created {
		s.logger.Info("redemption made", "redemption_id", out.ID, "member_id", out.MemberID, "reward_id", out.RewardID,
			"certificate_id", out.CertificateID, "shop_id", out.ShopID)
		s.opts.AfterCommit()
	}
	return out, created, nil
}

// certificate returns the gift certificate of a typed code, checking its
// signature first so a forged code costs no database look-up.
func (s *Service) certificate(ctx context.Context, code string, memberID int64) (fanmail.Certificate, error) {
	canon, err := s.links.CheckCode(ctx, link.Certificate, code)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		return fanmail.Certificate{}, errForged
	}
	if err != nil {
		return fanmail.Certificate{}, err
	}
	c, err := s.db.CertificateByCode(ctx, canon)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return c, errUnknownCert
	}
	if err != nil {
		return c, err
	}
	if memberID != 0 && c.MemberID != memberID {
		return c, errOtherMember
	}
	return c, nil
}

// CertificateByCode returns the gift certificate of a typed or scanned
// code in any state, for the shop terminal to show before it is redeemed.
// A forged or mistyped code is EINVALID, an unknown one ENOTFOUND.
func (s *Service) CertificateByCode(ctx context.Context, code string) (fanmail.Certificate, error) {
	return s.certificate(ctx, code, 0)
}

// buyCertificate issues the gift certificate a certificate reward bought.
func (s *Service) buyCertificate(ctx context.Context, tx *store.Tx, r fanmail.Redemption, reward fanmail.Reward, code string) (int64, error) {
	exp := tx.Now.Add(s.opts.CertificateValidity)
	c, _, err := tx.IssueCertificate(ctx, fanmail.Certificate{Code: code, MemberID: r.MemberID, BrandID: reward.BrandID,
		Value: reward.Value, Reason: fanmail.ReasonRedemption, Ref: "redemption:" + strconv.FormatInt(r.ID, 10),
		ExpiresAt: &exp})
	if err != nil {
		return 0, err
	}
	return c.ID, tx.SetRedemptionCertificate(ctx, r.ID, c.ID)
}

// enqueueReceipt writes the receipt mail of r to the outbox.
func (s *Service) enqueueReceipt(ctx context.Context, tx *store.Tx, r fanmail.Redemption) error {
	d := receiptData{RedemptionID: r.ID}
	if r.RewardID != 0 {
		n, err := tx.Balance(ctx, r.MemberID, r.BrandID, fanmail.UnitChip)
		if err != nil {
			return err
		}
		d.Balance = &n
	}
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("receipt of redemption %d: %w", r.ID, err)
	}
	_, _, err = tx.EnqueueMessage(ctx, fanmail.Message{Kind: fanmail.MessageReceipt, Purpose: fanmail.PurposeTransactional,
		MemberID: r.MemberID, BrandID: r.BrandID, Ref: "receipt:redemption:" + strconv.FormatInt(r.ID, 10), Data: data})
	return err
}

// Receipt is a redemption with what it was for, as pages and the receipt
// mail show it.
type Receipt struct {
	fanmail.Redemption
	Reward fanmail.Reward // zero for a gift certificate redemption
	// Certificate is the gift certificate redeemed, or the one a
	// certificate reward bought; zero if neither.
	Certificate fanmail.Certificate
	Brand       string // the brand's name; "" for none
	Shop        string // the shop's name; "" for the member portal or the API
	// Chips is what the member holds of the reward's brand now (not when
	// redeeming: the receipt mail keeps that); 0 for a certificate.
	Chips int64
}

// Receipt returns redemption id with what it was for, or ENOTFOUND.
func (s *Service) Receipt(ctx context.Context, id int64) (Receipt, error) {
	r, err := s.db.RedemptionByID(ctx, id)
	if err != nil {
		return Receipt{}, err
	}
	out := Receipt{Redemption: r}
	if r.RewardID != 0 {
		if out.Reward, err = s.db.RewardByID(ctx, r.RewardID); err != nil {
			return out, err
		}
		if out.Chips, err = s.db.Balance(ctx, r.MemberID, r.BrandID, fanmail.UnitChip); err != nil {
			return out, err
		}
	}
	if r.CertificateID != 0 {
		if out.Certificate, err = s.db.CertificateByID(ctx, r.CertificateID); err != nil {
			return out, err
		}
	}
	if r.BrandID != 0 {
		b, err := s.db.BrandByID(ctx, r.BrandID, false)
		if err != nil {
			return out, err
		}
		out.Brand = b.Name
	}
	if r.ShopID != 0 {
		shop, err := s.db.ShopByID(ctx, r.ShopID)
		if err != nil {
			return out, err
		}
		out.Shop = shop.Name
	}
	return out, nil
}
