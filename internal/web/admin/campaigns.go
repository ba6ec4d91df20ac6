package admin

import (
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/campaign"
	"github.com/fanmail/fanmail/internal/segment"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/web"
)

// permCampaigns guards campaigns and senders: marketers and admins.
const permCampaigns = fanmail.PermManageCampaigns

// campaignPages serves campaigns: the list, the draft form, the per-member
// preview, test mails, scheduling, pause/resume/cancel, and the campaign page
// with its live progress and statistics.
type campaignPages struct {
	*Handler
	svc      *campaign.Service
	segments *segment.Service
	live     *template.Template // the progress fragment alone, for htmx
}

// campaignRoutes registers the campaign pages.
func (h *Handler) campaignRoutes(mux *http.ServeMux) {
	sub, _ := fs.Sub(templates, "templates")
	live := template.Must(template.New("").Funcs(web.Funcs()).ParseFS(sub, "_campaign_live.html"))
	p := &campaignPages{Handler: h, svc: h.Campaigns, segments: h.Segments, live: live}
	page := func(fn web.HandlerFunc) http.Handler { return h.page(permCampaigns, fn) }
	mux.Handle("GET /admin/campaigns", page(p.list))
	mux.Handle("GET /admin/campaigns/new", page(p.newForm))
	mux.Handle("POST /admin/campaigns", page(p.create))
	mux.Handle("GET /admin/campaigns/{id}", page(p.show))
	mux.Handle("GET /admin/campaigns/{id}/edit", page(p.editForm))
	mux.Handle("POST /admin/campaigns/{id}", page(p.update))
	mux.Handle("GET /admin/campaigns/{id}/preview", page(p.preview))
	mux.Handle("GET /admin/campaigns/{id}/preview/html", page(p.previewHTML))
	mux.Handle("POST /admin/campaigns/{id}/test", page(p.testSend))
	mux.Handle("POST /admin/campaigns/{id}/schedule", page(p.schedule))
	mux.Handle("POST /admin/campaigns/{id}/ad-override", page(p.overrideAdRule))
	mux.Handle("POST /admin/campaigns/{id}/unschedule", page(p.move(p.svc.Unschedule, "Back to draft.")))
	mux.Handle("POST /admin/campaigns/{id}/pause", page(p.move(p.svc.Pause, "Campaign paused.")))
	mux.Handle("POST /admin/campaigns/{id}/resume", page(p.move(p.svc.Resume, "Campaign resumed.")))
	mux.Handle("POST /admin/campaigns/{id}/cancel", page(p.move(p.svc.Cancel, "Campaign cancelled.")))
	mux.Handle("GET /admin/campaigns/{id}/progress", page(p.progress))
}

// --- list ---

type campaignRow struct {
	fanmail.Campaign
	Sender string
}

type campaignsPage struct{ Campaigns []campaignRow }

func (p *campaignPages) list(w http.ResponseWriter, r *http.Request) error {
	cs, err := p.svc.Campaigns(r.Context(), store.CampaignFilter{Limit: 200})
	if err != nil {
		return err
	}
	senders, err := p.senderNames(r)
	if err != nil {
		return err
	}
	rows := make([]campaignRow, len(cs))
	for i, c := range cs {
		rows[i] = campaignRow{Campaign: c, Sender: senders[c.SenderID]}
	}
	return p.render(w, r, http.StatusOK, "campaigns", trTitle(r, "Campaigns"), campaignsPage{Campaigns: rows})
}

func (p *campaignPages) senderNames(r *http.Request) (map[int64]string, error) {
	ss, err := p.svc.Senders(r.Context())
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(ss))
	for _, s := range ss {
		names[s.ID] = s.Name
	}
	return names, nil
}

// --- draft form ---

// campaignForm is the draft form with what was typed and the error to show
// next to its field.
type campaignForm struct {
	catalogFormErr
	fanmail.Campaign
	Senders  []fanmail.Sender
	Segments []fanmail.Segment
	// Scheduling is set when scheduling failed on a field of this form.
	Scheduling bool
	// AdSignals say what makes the mail an ad when scheduling refused it
	// as unmarked.
	AdSignals []fanmail.AdSignal
}

func (p *campaignPages) renderForm(w http.ResponseWriter, r *http.Request, status int, f campaignForm) error {
	var err error
	if f.Senders, err = p.svc.Senders(r.Context()); err != nil {
		return err
	}
	if f.Segments, err = p.segments.Segments(r.Context()); err != nil {
		return err
	}
	title := "New campaign"
	if f.ID != 0 {
		title = "Edit campaign"
	}
	return p.render(w, r, status, "campaign_form", trTitle(r, title), f)
}

func (p *campaignPages) newForm(w http.ResponseWriter, r *http.Request) error {
	c := fanmail.Campaign{Kind: fanmail.CampaignMarketing, IsAd: true, TrackPeople: true, Timezone: campaign.DefaultTimezone}
	return p.renderForm(w, r, http.StatusOK, campaignForm{Campaign: c})
}

func (p *campaignPages) editForm(w http.ResponseWriter, r *http.Request) error {
	c, err := p.campaign(r)
	if err != nil {
		return err
	}
	if !c.CanEdit() {
		http.Redirect(w, r, fmt.Sprintf("/admin/campaigns/%d", c.ID), http.StatusSeeOther)
		return nil
	}
	return p.renderForm(w, r, http.StatusOK, campaignForm{Campaign: c})
}

func (p *campaignPages) campaign(r *http.Request) (fanmail.Campaign, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return fanmail.Campaign{}, err
	}
	return p.svc.Campaign(r.Context(), id)
}

// campaignFromForm reads the draft fields into c, keeping what the form does
// not hold (status, schedule, time zone).
func campaignFromForm(r *http.Request, c fanmail.Campaign) fanmail.Campaign {
	c.Name = formText(r, "name")
	c.Kind = formText(r, "kind")
	c.IsAd = formChecked(r, "is_ad") && c.Kind != fanmail.CampaignTransactional
	c.SenderID, _ = strconv.ParseInt(formText(r, "sender_id"), 10, 64)
	c.SegmentID, _ = strconv.ParseInt(formText(r, "segment_id"), 10, 64)
	c.Subject = formText(r, "subject")
	c.Preheader = formText(r, "preheader")
	c.Body = strings.ReplaceAll(r.PostForm.Get("body"), "\r\n", "\n")
	c.TrackPeople = formChecked(r, "track_people")
	return c
}

func (p *campaignPages) create(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	c := campaignFromForm(r, fanmail.Campaign{Timezone: campaign.DefaultTimezone, CreatedBy: currentUser(r).ID})
	saved, err := p.svc.CreateCampaign(r.Context(), c)
	if isCatalogFormError(err) {
		return p.renderForm(w, r, web.StatusOf(err), campaignForm{catalogFormErr: catalogFormErr{err}, Campaign: c})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/campaigns/%d?flash=Saved.", saved.ID), http.StatusSeeOther)
	return nil
}

func (p *campaignPages) update(w http.ResponseWriter, r *http.Request) error {
	c, err := p.campaign(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	c = campaignFromForm(r, c)
	_, err = p.svc.UpdateCampaign(r.Context(), c)
	if isCatalogFormError(err) {
		return p.renderForm(w, r, web.StatusOf(err), campaignForm{catalogFormErr: catalogFormErr{err}, Campaign: c})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/campaigns/%d?flash=Saved.", c.ID), http.StatusSeeOther)
	return nil
}

// --- campaign page: test mail, schedule, state changes ---

// campaignPage is the page of one campaign. Drafts show the test mail and
// schedule forms; the others their live progress and statistics.
type campaignPage struct {
	fanmail.Campaign
	Sender   fanmail.Sender
	Segment  string // name; "" for every member with consent
	Live     liveView
	LeftOut  store.LeftOut // who the segment matches but the campaign leaves out, and why
	Chart    chartData
	Test     testForm
	Schedule scheduleForm
	AdRule   adRuleView
}

// testForm is the test mail form.
type testForm struct {
	catalogFormErr
	To       string
	MemberID int64
}

// scheduleForm is the schedule form: a wall-clock time in the campaign's
// time zone, and whether it applies in each member's own zone.
type scheduleForm struct {
	catalogFormErr
	Now      bool
	At       string // datetime-local value, 2006-01-02T15:04
	Timezone string
	MemberTZ bool
	Zones    []string
}

// scheduleZones are the time zones the schedule form offers.
var scheduleZones = []string{"Asia/Seoul", "Asia/Tokyo", "Asia/Shanghai", "Asia/Singapore", "Asia/Ho_Chi_Minh",
	"America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Paris", "UTC"}

func (p *campaignPages) show(w http.ResponseWriter, r *http.Request) error {
	c, err := p.campaign(r)
	if err != nil {
		return err
	}
	return p.renderShow(w, r, http.StatusOK, c, testForm{To: currentUser(r).Email}, scheduleForm{})
}

func (p *campaignPages) renderShow(w http.ResponseWriter, r *http.Request, status int, c fanmail.Campaign, tf testForm, sf scheduleForm) error {
	return p.renderShowWith(w, r, status, c, tf, sf, overrideForm{})
}

// leftOutShown is how many left-out members the campaign page lists.
const leftOutShown = 20

func (p *campaignPages) renderShowWith(w http.ResponseWriter, r *http.Request, status int, c fanmail.Campaign, tf testForm, sf scheduleForm, of overrideForm) error {
	ctx := r.Context()
	pg := campaignPage{Campaign: c, Test: tf, Schedule: sf}
	var err error
	if pg.AdRule, err = p.adRuleOf(r, c, of); err != nil {
		return err
	}
	if c.SenderID != 0 {
		snd, err := p.svc.Sender(ctx, c.SenderID)
		if err != nil && fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			return err
		}
		pg.Sender = snd
	}
	if c.SegmentID != 0 {
		seg, err := p.segments.Segment(ctx, c.SegmentID)
		if err != nil && fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			return err
		}
		pg.Segment = seg.Name
	}
	if pg.Schedule.Timezone == "" {
		pg.Schedule.Timezone, pg.Schedule.MemberTZ = c.Timezone, c.MemberTZ
		pg.Schedule.At = p.defaultSendAt(c)
	}
	pg.Schedule.Zones = scheduleZones
	live, err := p.liveView(r, c.ID)
	if err != nil {
		return err
	}
	pg.Live, pg.Campaign = live, live.Campaign
	if pg.LeftOut, err = p.svc.LeftOut(ctx, c.ID, leftOutShown); err != nil && fanmail.ErrorCode(err) != fanmail.EINVALID {
		return err // EINVALID: the segment is gone, which the page already says
	}
	if c.Status != fanmail.CampaignDraft && c.Status != fanmail.CampaignScheduled {
		pg.Chart = chartOf(web.Lang(r), live.stats, pg.Campaign.Timezone)
	}
	return p.render(w, r, status, "campaign", c.Name, pg)
}

// defaultSendAt proposes the next full hour in the campaign's time zone.
func (p *campaignPages) defaultSendAt(c fanmail.Campaign) string {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		loc = time.UTC
	}
	if c.SendAt != nil {
		return c.SendAt.In(loc).Format("2006-01-02T15:04")
	}
	return p.Sessions.DB.Now().In(loc).Truncate(time.Hour).Add(time.Hour).Format("2006-01-02T15:04")
}

func (p *campaignPages) testSend(w http.ResponseWriter, r *http.Request) error {
	c, err := p.campaign(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	tf := testForm{To: formText(r, "to")}
	tf.MemberID, _ = strconv.ParseInt(formText(r, "member_id"), 10, 64)
	err = p.svc.TestSend(r.Context(), c.ID, tf.MemberID, tf.To)
	switch fanmail.ErrorCode(err) {
	case "":
		http.Redirect(w, r, fmt.Sprintf("/admin/campaigns/%d?flash=Test+mail+sent.", c.ID), http.StatusSeeOther)
		return nil
	case fanmail.EINVALID, fanmail.EUNAVAILABLE, fanmail.ENOTFOUND:
		if fanmail.ErrorField(err) == "email" {
			err = fanmail.FieldError("to", fanmail.ErrorMessage(err))
		}
		tf.Err = err
		return p.renderShow(w, r, web.StatusOf(err), c, tf, scheduleForm{})
	}
	return err
}

// schedule applies the time zone choice to the draft, then schedules it. A
// field of the draft form at fault (subject, body, sender) shows that form
// with the error next to the field.
func (p *campaignPages) schedule(w http.ResponseWriter, r *http.Request) error {
	c, err := p.campaign(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	sf := scheduleForm{Now: formText(r, "when") == "now", At: formText(r, "send_at"),
		Timezone: formText(r, "timezone"), MemberTZ: formText(r, "zone") == "member"}
	fail := func(err error) error {
		switch fanmail.ErrorField(err) {
		case "name", "kind", "is_ad", "sender_id", "segment_id", "subject", "preheader", "body":
			return p.renderForm(w, r, web.StatusOf(err), campaignForm{catalogFormErr: catalogFormErr{err}, Campaign: c, Scheduling: true,
				AdSignals: adSignalsOf(err)})
		}
		sf.Err = err
		return p.renderShow(w, r, web.StatusOf(err), c, testForm{To: currentUser(r).Email}, sf)
	}
	loc, err := time.LoadLocation(sf.Timezone)
	if err != nil || sf.Timezone == "" {
		return fail(fanmail.FieldError("timezone", "Unknown time zone."))
	}
	var at time.Time
	if !sf.Now {
		if at, err = time.ParseInLocation("2006-01-02T15:04", sf.At, loc); err != nil {
			return fail(fanmail.FieldError("send_at", "Give the date and time to send at."))
		}
	}
	if c.Status == fanmail.CampaignDraft && (c.Timezone != sf.Timezone || c.MemberTZ != sf.MemberTZ) {
		c.Timezone, c.MemberTZ = sf.Timezone, sf.MemberTZ
		if c, err = p.svc.UpdateCampaign(r.Context(), c); err != nil {
			if isCatalogFormError(err) {
				return fail(err)
			}
			return err
		}
	}
	_, err = p.svc.Schedule(r.Context(), c.ID, at)
	if isCatalogFormError(err) {
		return fail(err)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/campaigns/%d?flash=Campaign+scheduled.", c.ID), http.StatusSeeOther)
	return nil
}

// move returns a handler changing the campaign's status with fn; a change
// the status does not allow (someone else got there first) is reported on
// the campaign page.
func (p *campaignPages) move(fn func(ctx context.Context, id int64) (fanmail.Campaign, error), done string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		_, err = fn(r.Context(), id)
		flash := done
		if fanmail.ErrorCode(err) == fanmail.ECONFLICT {
			flash, err = "The campaign's status has changed meanwhile; nothing was done.", nil
		}
		if err != nil {
			return err
		}
		http.Redirect(w, r, fmt.Sprintf("/admin/campaigns/%d?flash=%s", id, url.QueryEscape(flash)), http.StatusSeeOther)
		return nil
	}
}

// campaignStatusLabels are the English names of the statuses (i18n keys).
var campaignStatusLabels = map[string]string{
	fanmail.CampaignDraft: "Draft", fanmail.CampaignScheduled: "Scheduled", fanmail.CampaignSending: "Sending",
	fanmail.CampaignPaused: "Paused", fanmail.CampaignFinished: "Finished", fanmail.CampaignCancelled: "Cancelled",
}

// StatusLabel returns the English name of the row's status.
func (c campaignRow) StatusLabel() string { return campaignStatusLabels[c.Status] }

// StatusLabel returns the English name of the campaign's status.
func (v liveView) StatusLabel() string { return campaignStatusLabels[v.Campaign.Status] }
