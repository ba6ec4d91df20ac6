package member

import (
	"strings"
	"time"

	"context"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/store"
)

// MemberByID returns the member with id, or ENOTFOUND.
func (s *Service) MemberByID(ctx context.Context, id int64) (fanmail.Member, error) {
	return s.db.MemberByID(ctx, id)
}

// RecordVisit counts the visits to the portal of m, as read for the
// request (see store.RecordMemberVisit): within a minute of the last
// request noted it writes nothing, so a page does not take SQLite's write
// lock for it.
func (s *Service) RecordVisit(ctx context.Context, m fanmail.Member) error {
	if m.LastSeenAt != nil && s.now().Sub(*m.LastSeenAt) < time.Minute {
		return nil
	}
	return s.db.RecordMemberVisit(ctx, m.ID)
}

// MemberByEmail returns the member with the address (any case), or ENOTFOUND.
func (s *Service) MemberByEmail(ctx context.Context, email string) (fanmail.Member, error) {
	return s.db.MemberByEmail(ctx, email)
}

// Answers returns the member's profile survey answers, in question order.
func (s *Service) Answers(ctx context.Context, memberID int64) ([]fanmail.Answer, error) {
	return s.db.Answers(ctx, memberID)
}

// UpdateMember changes the non-nil fields of u after validating them; a
// changed gender or birth year moves the member's brand counts to the new
// gender and age band; status inactive also ends the member's sessions.
// Errors: EINVALID naming the field, ECONFLICT (field "email" or "code") for
// an address or member id of another member, ENOTFOUND.
func (s *Service) UpdateMember(ctx context.Context, id int64, u fanmail.MemberUpdate) (fanmail.Member, error) {
	u, err := s.cleanUpdate(u)
	if err != nil {
		return fanmail.Member{}, err
	}
	var m fanmail.Member
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		m, err = s.updateInTx(ctx, tx, id, u)
		return err
	})
	if err != nil {
		return fanmail.Member{}, err
	}
	if u.Status != nil && *u.Status == fanmail.MemberInactive {
		if err := s.db.DeleteSessionsOf(ctx, 0, id); err != nil {
			return m, err
		}
	}
	return m, nil
}

func (s *Service) updateInTx(ctx context.Context, tx *store.Tx, id int64, u fanmail.MemberUpdate) (fanmail.Member, error) {
	before, err := tx.MemberByID(ctx, id)
	if err != nil {
		return before, err
	}
	if u.Email != nil {
		if taken, err := tx.EmailTaken(ctx, *u.Email, id); err != nil || taken {
			return before, orConflict(err, "email", "This e-mail address is already registered.")
		}
	}
	if u.Code != nil && *u.Code != "" {
		if taken, err := tx.CodeTaken(ctx, *u.Code, id); err != nil || taken {
			return before, orConflict(err, "code", "This member id is taken. Please choose another.")
		}
	}
	m, err := tx.UpdateMember(ctx, id, u)
	if err != nil {
		return m, err
	}
	if m.Gender != before.Gender || m.BirthYear != before.BirthYear {
		if err := tx.RecountBrandPreferences(ctx, id, m.Gender, s.ageBand(m.BirthYear)); err != nil {
			return m, err
		}
	}
	return m, nil
}

// cleanUpdate trims and validates the fields set in u.
func (s *Service) cleanUpdate(u fanmail.MemberUpdate) (fanmail.MemberUpdate, error) {
	trim := func(p *string) *string {
		if p == nil {
			return nil
		}
		v := strings.TrimSpace(*p)
		return &v
	}
	u.Code, u.Email, u.Name, u.Phone = trim(u.Code), trim(u.Email), trim(u.Name), trim(u.Phone)
	u.Gender, u.PostalCode, u.Address, u.Lang, u.Status = trim(u.Gender), trim(u.PostalCode), trim(u.Address), trim(u.Lang), trim(u.Status)
	if u.Email != nil {
		if err := fanmail.ValidateEmail(*u.Email); err != nil {
			return u, err
		}
	}
	if u.Code != nil && *u.Code != "" {
		if err := fanmail.ValidateMemberCode(*u.Code); err != nil {
			return u, err
		}
	}
	if u.Name != nil {
		if err := validateName(*u.Name); err != nil {
			return u, err
		}
	}
	if u.BirthYear != nil {
		if err := fanmail.ValidateBirthYear(*u.BirthYear, s.now()); err != nil {
			return u, err
		}
	}
	if err := validateProfile(deref(u.Gender), deref(u.Phone), deref(u.PostalCode), deref(u.Address)); err != nil {
		return u, err
	}
	if u.Lang != nil {
		l := i18n.Normalize(*u.Lang)
		if l == "" {
			return u, fanmail.FieldError("lang", "Pick a language from the list.")
		}
		u.Lang = &l
	}
	if u.Status != nil {
		switch *u.Status {
		case fanmail.MemberPending, fanmail.MemberActive, fanmail.MemberInactive:
		default:
			return u, fanmail.FieldError("status", "Unknown status.")
		}
	}
	return u, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// UpdateProfile is the member's own edit in the portal: their profile fields
// (not the address, member id or status, which are ignored) and their answers
// to the active profile questions, replaced as a whole; the profile is
// analysed again. Errors as UpdateMember and Register.
func (s *Service) UpdateProfile(ctx context.Context, id int64, u fanmail.MemberUpdate, answers []fanmail.Answer) (fanmail.Member, error) {
	u.Code, u.Email, u.Status = nil, nil, nil
	u, err := s.cleanUpdate(u)
	if err != nil {
		return fanmail.Member{}, err
	}
	var m fanmail.Member
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		qs, err := tx.Questions(ctx, ProfileSurvey, true)
		if err != nil {
			return err
		}
		clean, err := fanmail.CheckAnswers(qs, answers)
		if err != nil {
			return err
		}
		if m, err = s.updateInTx(ctx, tx, id, u); err != nil {
			return err
		}
		if err := tx.ReplaceAnswers(ctx, id, questionIDs(qs), clean); err != nil {
			return err
		}
		_, err = tx.RecomputeProfile(ctx, id)
		return err
	})
	return m, err
}

// Deactivate sets the member inactive and ends their sessions: they can no
// longer sign in, and links mailed to them stop working.
func (s *Service) Deactivate(ctx context.Context, id int64) error {
	inactive := fanmail.MemberInactive
	_, err := s.UpdateMember(ctx, id, fanmail.MemberUpdate{Status: &inactive})
	if err == nil {
		s.logger.Info("member deactivated", "member_id", id)
	}
	return err
}
