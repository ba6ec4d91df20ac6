package survey

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// ErrClosed is returned for a survey staff deactivated: nobody is invited
// to it and its links no longer open it.
var ErrClosed = fanmail.Errorf(fanmail.EEXPIRED, "This survey is closed.")

// Invite names who is invited to which survey, about which brand, and why.
type Invite struct {
	SurveyKey string // the survey, by key…
	SurveyID  int64  // …or by id
	MemberID  int64
	BrandID   int64 // the brand the survey asks about; 0 takes the survey's own brand
	// Cause names why the member is invited, e.g. "welcome:brand:12": one
	// cause invites a member to a survey once, so it must name the brand
	// when several brands share the survey.
	Cause string
}

// inviteData is the Data of an invitation message: all the renderer needs,
// so rendering 100k invitations reads no invitation rows. The link itself
// is signed when the mail is rendered (Render): no bearer token is stored
// in the outbox.
type inviteData struct {
	InvitationID int64     `json:"invitation_id"`
	SurveyID     int64     `json:"survey_id"`
	Expires      time.Time `json:"expires"`
}

// InviteTx invites a member to a survey inside the caller's transaction: it
// stores the invitation (valid for Options.InvitationTTL; its link is
// signed when the mail is rendered, and answering spends it, since an
// invitation is answered once) and queues the invitation mail (a marketing
// message, since it promises chips) on the outbox, referenced
// "survey-invite:ID". Inviting again for the same cause changes nothing and
// returns the first invitation. A deactivated survey is ErrClosed, an
// unknown one ENOTFOUND. EnsureDefaults must have run in this process (see
// there).
func (s *Service) InviteTx(ctx context.Context, tx *store.Tx, in Invite) (fanmail.SurveyInvitation, error) {
	if in.MemberID == 0 || in.Cause == "" {
		return fanmail.SurveyInvitation{}, fmt.Errorf("invite: member and cause are required")
	}
	sv, err := surveyTx(ctx, tx, in.SurveyKey, in.SurveyID)
	if err != nil {
		return fanmail.SurveyInvitation{}, err
	}
	if !sv.Active {
		return fanmail.SurveyInvitation{}, ErrClosed
	}
	if in.BrandID == 0 {
		in.BrandID = sv.BrandID
	}
	inv, created, err := tx.CreateInvitation(ctx, fanmail.SurveyInvitation{SurveyID: sv.ID, MemberID: in.MemberID,
		BrandID: in.BrandID, Cause: in.Cause, ExpiresAt: tx.Now.Add(s.opts.InvitationTTL).Truncate(time.Second)})
	if err != nil || !created {
		return inv, err
	}
	data, err := json.Marshal(inviteData{InvitationID: inv.ID, SurveyID: sv.ID, Expires: inv.ExpiresAt})
	if err != nil {
		return inv, err
	}
	m, _, err := tx.EnqueueMessage(ctx, fanmail.Message{Kind: fanmail.MessageSurveyInvitation, Purpose: fanmail.PurposeMarketing,
		MemberID: in.MemberID, BrandID: in.BrandID, Ref: "survey-invite:" + strconv.FormatInt(inv.ID, 10), Data: data})
	if err != nil {
		return inv, err
	}
	if err := tx.SetInvitationMessage(ctx, inv.ID, m.ID); err != nil {
		return inv, err
	}
	inv.MessageID = m.ID
	return inv, nil
}

func surveyTx(ctx context.Context, tx *store.Tx, key string, id int64) (fanmail.Survey, error) {
	if key != "" {
		return tx.SurveyByKey(ctx, key)
	}
	return tx.SurveyByID(ctx, id)
}

// deepSurveyFor chooses the deep survey from the member's profile analysis
// (seed 000 step 6): an active survey keyed "brand-deep-PATTERN" for the
// member's purchase pattern (full_price, sale, outlet, event) when staff
// made one, else the default deep survey.
func (s *Service) deepSurveyFor(ctx context.Context, tx *store.Tx, memberID int64) (fanmail.Survey, error) {
	pattern, err := tx.PurchasePattern(ctx, memberID)
	if err != nil {
		return fanmail.Survey{}, err
	}
	if pattern != fanmail.PatternUnknown {
		sv, err := tx.SurveyByKey(ctx, DeepSurveyKey(pattern))
		if err == nil && sv.Active {
			return sv, nil
		}
		if err != nil && fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			return sv, err
		}
	}
	return tx.SurveyByKey(ctx, fanmail.SurveyBrandDeep)
}

// DeepSurveyKey is the key of the deep survey for members of a purchase
// pattern, e.g. "brand-deep-sale".
func DeepSurveyKey(pattern string) string { return fanmail.SurveyBrandDeep + "-" + pattern }

// InviteBrandDeep invites a member who selected a brand to the brand's deep
// survey inside tx: the brand's own newest active survey when staff made
// one, else the deep survey chosen from the member's profile analysis
// (deepSurveyFor). Its signature is
// fan.Options.Invite's. The cause is made brand-specific ("CAUSE:brand:ID"),
// so selecting two brands invites twice and a retried step once. No active
// survey invites nobody and is no error, so the step it is part of (the
// welcome chip) still goes ahead.
func (s *Service) InviteBrandDeep(ctx context.Context, tx *store.Tx, memberID, brandID int64, cause string) error {
	sv, err := tx.BrandSurvey(ctx, brandID)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		sv, err = s.deepSurveyFor(ctx, tx, memberID)
	}
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		s.logger.Warn("no deep brand survey; invitation left out", "member_id", memberID, "brand_id", brandID)
		return nil
	}
	if err != nil {
		return err
	}
	if !sv.Active {
		return nil
	}
	_, err = s.InviteTx(ctx, tx, Invite{SurveyID: sv.ID, MemberID: memberID, BrandID: brandID,
		Cause: cause + ":brand:" + strconv.FormatInt(brandID, 10)})
	return err
}
