package member

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/store"
)

// Registration is what a person (or shop staff for them) typed to join.
// There is deliberately no resident registration number.
type Registration struct {
	Code       string // member id of their choice
	Email      string
	Name       string
	Phone      string
	BirthYear  int
	Gender     string
	PostalCode string
	Address    string
	Lang       string // language of mails and pages; "ko" when empty
	Answers    []fanmail.Answer
	Consents   []fanmail.ConsentDecision
	BrandIDs   []int64
	Source     string // fanmail.SourceWeb, SourceShop, SourceAPI, SourceImport, SourceAdmin
	ShopID     int64  // the shop whose staff registered the member (SourceShop)
	IP         string // where the consents were given
}

// Register validates r and stores, in one transaction, a pending member with
// their survey answers, consents (every purpose, granted or refused),
// favourite brands (counted by gender and age band), the analysis of their
// profile and the confirmation mail in the outbox. Errors: EINVALID naming the field at fault
// (including members under 14 and missing required consents), ECONFLICT with
// field "email" or "code" for an address or member id already registered,
// and for an address erased on request unless r.Source is SourceWeb (the
// person joining again lifts the erasure).
func (s *Service) Register(ctx context.Context, r Registration) (fanmail.Member, error) {
	r = cleanRegistration(r)
	if err := s.validateRegistration(r); err != nil {
		return fanmail.Member{}, err
	}
	var m fanmail.Member
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		// The person's own sign-up on the join page, with the required
		// consents given afresh, lifts an erasure of the address; anyone
		// else (a shop, staff, the API) is refused by CreateMember.
		if r.Source == fanmail.SourceWeb {
			if lifted, err := tx.LiftErasure(ctx, r.Email); err != nil {
				return err
			} else if lifted {
				s.logger.Info("erased address joins again")
			}
		}
		if taken, err := tx.EmailTaken(ctx, r.Email, 0); err != nil || taken {
			return orConflict(err, "email", "This e-mail address is already registered. Sign in instead.")
		}
		if r.Code != "" {
			if taken, err := tx.CodeTaken(ctx, r.Code, 0); err != nil || taken {
				return orConflict(err, "code", "This member id is taken. Please choose another.")
			}
		}
		qs, err := tx.Questions(ctx, ProfileSurvey, true)
		if err != nil {
			return err
		}
		answers, err := fanmail.CheckAnswers(qs, r.Answers)
		if err != nil {
			return err
		}
		if missing, err := tx.MissingBrand(ctx, r.BrandIDs); err != nil || missing != 0 {
			return orInvalid(err, "brands", "Unknown brand.")
		}
		m, err = tx.CreateMember(ctx, fanmail.Member{
			Code: r.Code, Email: r.Email, Name: r.Name, Phone: r.Phone, BirthYear: r.BirthYear, Gender: r.Gender,
			PostalCode: r.PostalCode, Address: r.Address, Lang: r.Lang, Status: fanmail.MemberPending,
			Source: r.Source, ShopID: r.ShopID,
		})
		if err != nil {
			return err
		}
		if err := tx.ReplaceAnswers(ctx, m.ID, questionIDs(qs), answers); err != nil {
			return err
		}
		granted := map[string]bool{}
		for _, d := range r.Consents {
			granted[d.Purpose] = d.Granted
		}
		for _, p := range fanmail.Purposes {
			if err := tx.AddConsent(ctx, fanmail.Consent{MemberID: m.ID, Purpose: p, Channel: fanmail.ChannelOf(p),
				Granted: granted[p], Source: r.Source, IP: r.IP, Version: fanmail.ConsentWordingVersion}); err != nil {
				return err
			}
		}
		band := s.ageBand(r.BirthYear)
		for _, id := range r.BrandIDs {
			if _, err := tx.AddBrandPreference(ctx, m.ID, id, r.Gender, band); err != nil {
				return err
			}
		}
		if _, err := tx.RecomputeProfile(ctx, m.ID); err != nil {
			return err
		}
		// The opt-in mail is written with the member: it cannot be lost
		// between the commit and a queue.
		return enqueueMail(ctx, tx, fanmail.MessageOptIn, m.ID, "optin:"+strconv.FormatInt(m.ID, 10))
	})
	if err != nil {
		return fanmail.Member{}, err
	}
	s.afterCommit()
	s.logger.Info("member registered", "member_id", m.ID, "source", m.Source, "shop_id", m.ShopID)
	if !s.mailer.Configured() {
		s.logger.Warn("mail not configured; the opt-in mail waits in the outbox", "member_id", m.ID)
	}
	return m, nil
}

func orConflict(err error, field, message string) error {
	if err != nil {
		return err
	}
	return &fanmail.Error{Code: fanmail.ECONFLICT, Field: field, Message: message}
}

func orInvalid(err error, field, message string) error {
	if err != nil {
		return err
	}
	return fanmail.FieldError(field, message)
}

func questionIDs(qs []fanmail.Question) []int64 {
	ids := make([]int64, len(qs))
	for i, q := range qs {
		ids[i] = q.ID
	}
	return ids
}

// cleanRegistration trims what people type and drops duplicates.
func cleanRegistration(r Registration) Registration {
	for _, p := range []*string{&r.Code, &r.Email, &r.Name, &r.Phone, &r.Gender, &r.PostalCode, &r.Address, &r.Source} {
		*p = strings.TrimSpace(*p)
	}
	r.Lang = i18n.Normalize(r.Lang)
	if r.Lang == "" {
		r.Lang = fanmail.LangKorean
	}
	if r.Source == "" {
		r.Source = fanmail.SourceWeb
	}
	slices.Sort(r.BrandIDs)
	r.BrandIDs = slices.Compact(r.BrandIDs)
	return r
}

// validateRegistration checks r field by field, in form order.
func (s *Service) validateRegistration(r Registration) error {
	if err := fanmail.ValidateEmail(r.Email); err != nil {
		return err
	}
	if r.Code != "" || r.Source == fanmail.SourceWeb || r.Source == fanmail.SourceShop {
		if r.Code == "" {
			return fanmail.FieldError("code", "Member id is required.")
		}
		if err := fanmail.ValidateMemberCode(r.Code); err != nil {
			return err
		}
	}
	if err := validateName(r.Name); err != nil {
		return err
	}
	if err := fanmail.ValidateBirthYear(r.BirthYear, s.now()); err != nil {
		return err
	}
	if err := validateProfile(r.Gender, r.Phone, r.PostalCode, r.Address); err != nil {
		return err
	}
	switch r.Source {
	case fanmail.SourceWeb, fanmail.SourceShop, fanmail.SourceAPI, fanmail.SourceImport, fanmail.SourceAdmin:
	default:
		return fanmail.FieldError("source", "Unknown source.")
	}
	if r.Source == fanmail.SourceShop && r.ShopID == 0 {
		return fanmail.FieldError("shop", "Your staff account has no shop; ask an administrator to assign one.")
	}
	return fanmail.ValidateConsents(r.Consents)
}

func validateName(name string) error {
	if name == "" {
		return fanmail.FieldError("name", "Name is required.")
	}
	if utf8.RuneCountInString(name) > 100 {
		return fanmail.FieldError("name", "Name is too long.")
	}
	return nil
}

// validateProfile checks the optional profile fields.
func validateProfile(gender, phone, postalCode, address string) error {
	switch gender {
	case "", fanmail.GenderFemale, fanmail.GenderMale, fanmail.GenderOther:
	default:
		return fanmail.FieldError("gender", "Pick a gender from the list.")
	}
	if phone != "" {
		if n := len(fanmail.NormalizePhone(phone)); n < 9 || n > 15 {
			return fanmail.FieldError("phone", "Phone number is not valid.")
		}
	}
	if postalCode != "" && !isPostalCode(postalCode) {
		return fanmail.FieldError("postal_code", "Postal code must have 5 digits.")
	}
	if utf8.RuneCountInString(address) > 300 {
		return fanmail.FieldError("address", "Address is too long.")
	}
	return nil
}

// isPostalCode accepts the Korean five-digit postal code (since 2015).
func isPostalCode(s string) bool {
	if len(s) != 5 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
