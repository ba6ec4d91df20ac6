// Package privacy owns the privacy policy members read on the portal: the
// items collected and their purposes, retention, what is kept after leaving,
// the consent wordings per version, and the privacy officer's contact, which
// staff set in the settings.
package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// officerKey is the settings key of the privacy officer, stored as JSON.
const officerKey = "privacy_officer"

// Service reads and sets what the privacy policy shows.
type Service struct {
	db        *store.DB
	retention []fanmail.RetentionItem
	keeps     []fanmail.ErasureKept
}

// New returns the service. retention and keeps are what the policy states
// (nil: fanmail.DefaultRetention and fanmail.ErasureKeeps).
func New(db *store.DB, retention []fanmail.RetentionItem, keeps []fanmail.ErasureKept) *Service {
	if retention == nil {
		retention = fanmail.DefaultRetention
	}
	if keeps == nil {
		keeps = fanmail.ErasureKeeps
	}
	return &Service{db: db, retention: retention, keeps: keeps}
}

// Policy is everything the privacy policy page shows.
type Policy struct {
	Officer   fanmail.PrivacyOfficer // zero until staff set it
	Items     []fanmail.PrivacyItem
	Purposes  []string // consent purposes, in display order
	Retention []fanmail.RetentionItem
	Keeps     []fanmail.ErasureKept // what stays after a member leaves, and why
	Wordings  []fanmail.ConsentWording
	Version   string // the consent wording version shown today
}

// Policy returns the privacy policy as configured now.
func (s *Service) Policy(ctx context.Context) (Policy, error) {
	o, err := s.Officer(ctx)
	if err != nil {
		return Policy{}, err
	}
	return Policy{Officer: o, Items: fanmail.PrivacyItems, Purposes: fanmail.Purposes, Retention: s.retention,
		Keeps: s.keeps, Wordings: fanmail.ConsentWordings, Version: fanmail.ConsentWordingVersion}, nil
}

// Officer returns the privacy officer's contact; zero when never set.
func (s *Service) Officer(ctx context.Context) (fanmail.PrivacyOfficer, error) {
	var o fanmail.PrivacyOfficer
	v, err := s.db.Setting(ctx, officerKey)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return o, nil
	}
	if err != nil {
		return o, err
	}
	if err := json.Unmarshal([]byte(v), &o); err != nil {
		return o, fmt.Errorf("privacy officer setting: %w", err)
	}
	return o, nil
}

// SetOfficer stores the privacy officer's contact. It returns EINVALID (with
// the field) for a missing name, a malformed e-mail address, neither e-mail
// nor phone, or a value too long.
func (s *Service) SetOfficer(ctx context.Context, o fanmail.PrivacyOfficer) error {
	o.Name, o.Title = strings.TrimSpace(o.Name), strings.TrimSpace(o.Title)
	o.Email, o.Phone = strings.TrimSpace(o.Email), strings.TrimSpace(o.Phone)
	switch {
	case o.Name == "":
		return fanmail.FieldError("officer_name", "Enter the privacy officer's name.")
	case len(o.Name) > 100 || len(o.Title) > 100 || len(o.Email) > 254 || len(o.Phone) > 30:
		return fanmail.FieldError("officer_name", "This value is too long.")
	case o.Email == "" && o.Phone == "":
		return fanmail.FieldError("officer_email", "Enter an e-mail address or a phone number where members reach the privacy officer.")
	}
	if o.Email != "" {
		if a, err := mail.ParseAddress(o.Email); err != nil || a.Address != o.Email {
			return fanmail.FieldError("officer_email", "This is not a valid e-mail address.")
		}
	}
	v, _ := json.Marshal(o)
	return s.db.SetSetting(ctx, officerKey, string(v))
}
