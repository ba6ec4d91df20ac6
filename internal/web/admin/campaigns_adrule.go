package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/web"
)

// adRuleView tells the campaign page what in the content makes the mail an
// ad, whether an override lets it go out unmarked anyway, and who gave it.
type adRuleView struct {
	Signals     []fanmail.AdSignal // nil when the mail is marked as an ad or looks like none
	Override    *fanmail.AdOverride
	OverrideBy  string // the staff user's name
	Valid       bool   // the override holds for the content as it is
	CanOverride bool   // the viewer may override, and the campaign is a draft
	Form        overrideForm
}

// overrideForm is the override form: the reason typed and the error.
type overrideForm struct {
	catalogFormErr
	Reason string
}

// adRuleOf builds the view of campaign c for the viewer u.
func (p *campaignPages) adRuleOf(r *http.Request, c fanmail.Campaign, f overrideForm) (adRuleView, error) {
	v := adRuleView{Override: c.AdOverride, Form: f}
	if !c.IsAd || !c.IsMarketing() {
		v.Signals = fanmail.AdSignals(c.AdContent())
	}
	if o := c.AdOverride; o != nil {
		v.Valid = c.CheckAdRule() == nil && len(v.Signals) > 0
		v.OverrideBy = fmt.Sprintf("#%d", o.UserID)
		if u, err := p.Staff.UserByID(r.Context(), o.UserID); err == nil {
			v.OverrideBy = u.Name
		} else if fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			return v, err
		}
	}
	v.CanOverride = c.CanEdit() && len(v.Signals) > 0 && fanmail.Can(currentUser(r).Role, fanmail.PermOverrideAdRule)
	return v, nil
}

// overrideAdRule lets an administrator send the draft as it is marked,
// with a reason; anyone else gets 403.
func (p *campaignPages) overrideAdRule(w http.ResponseWriter, r *http.Request) error {
	c, err := p.campaign(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	u := currentUser(r)
	f := overrideForm{Reason: formText(r, "reason")}
	_, err = p.svc.OverrideAdRule(r.Context(), c.ID, u.Role, u.ID, f.Reason)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		f.Err = err
		return p.renderShowWith(w, r, web.StatusOf(err), c, testForm{To: u.Email}, scheduleForm{}, f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/campaigns/%d?flash=Override+recorded.", c.ID), http.StatusSeeOther)
	return nil
}

// adSignalsOf returns the signals of an ad-rule refusal, else nil.
func adSignalsOf(err error) []fanmail.AdSignal {
	var re *fanmail.AdRuleError
	if errors.As(err, &re) {
		return re.Signals
	}
	return nil
}
