package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/fanmail/fanmail"
)

// campaignJSON is a campaign as the API shows it, with what in its content
// makes it an ad and the override that lets it go out unmarked, if any.
type campaignJSON struct {
	ID         int64           `json:"id"`
	Name       string          `json:"name"`
	Kind       string          `json:"kind"`
	IsAd       bool            `json:"is_ad"`
	Status     string          `json:"status"`
	SenderID   int64           `json:"sender_id"`
	SegmentID  int64           `json:"segment_id"`
	Subject    string          `json:"subject"`
	Preheader  string          `json:"preheader"`
	Body       string          `json:"body"`
	SendAt     *time.Time      `json:"send_at"`
	AdSignals  []adSignalJSON  `json:"ad_signals"`
	AdOverride *adOverrideJSON `json:"ad_override"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

// adSignalJSON is one thing in a mail's content that makes it an ad.
type adSignalJSON struct {
	Kind        string `json:"kind"`
	Field       string `json:"field"`
	Line        int    `json:"line"`
	Block       int    `json:"block"`
	Text        string `json:"text"`
	Description string `json:"description"`
}

// adOverrideJSON is who let a campaign's content go out unmarked, and why.
type adOverrideJSON struct {
	UserID int64     `json:"user_id"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
	Valid  bool      `json:"valid"` // false once the content changed
}

func newCampaignJSON(c fanmail.Campaign) campaignJSON {
	out := campaignJSON{ID: c.ID, Name: c.Name, Kind: c.Kind, IsAd: c.IsAd, Status: c.Status, SenderID: c.SenderID,
		SegmentID: c.SegmentID, Subject: c.Subject, Preheader: c.Preheader, Body: c.Body, SendAt: utcPtr(c.SendAt),
		AdSignals: adSignalsJSON(fanmail.AdSignals(c.AdContent())), CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
	if o := c.AdOverride; o != nil {
		out.AdOverride = &adOverrideJSON{UserID: o.UserID, At: o.At.UTC(), Reason: o.Reason,
			Valid: o.Content == c.AdContent().Fingerprint(c.Kind, c.IsAd)}
	}
	return out
}

func adSignalsJSON(signals []fanmail.AdSignal) []adSignalJSON {
	out := make([]adSignalJSON, len(signals))
	for i, s := range signals {
		out[i] = adSignalJSON{Kind: s.Kind, Field: s.Field, Line: s.Line, Block: s.Block, Text: s.Text, Description: s.Describe()}
	}
	return out
}

// campaignInput is a new draft.
type campaignInput struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	IsAd      bool   `json:"is_ad"`
	SenderID  int64  `json:"sender_id"`
	SegmentID int64  `json:"segment_id"`
	Subject   string `json:"subject"`
	Preheader string `json:"preheader"`
	Body      string `json:"body"`
}

func (h *Handler) createCampaign(w http.ResponseWriter, r *http.Request) error {
	if h.Campaigns == nil {
		return errNoCampaigns
	}
	var in campaignInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	c, err := h.Campaigns.CreateCampaign(r.Context(), fanmail.Campaign{Name: in.Name, Kind: in.Kind, IsAd: in.IsAd,
		SenderID: in.SenderID, SegmentID: in.SegmentID, Subject: in.Subject, Preheader: in.Preheader, Body: in.Body,
		TrackPeople: true, CreatedBy: currentToken(r).CreatedBy})
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/campaigns/%d", c.ID))
	return writeJSON(w, http.StatusCreated, newCampaignJSON(c))
}

func (h *Handler) getCampaign(w http.ResponseWriter, r *http.Request) error {
	c, err := h.campaign(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newCampaignJSON(c))
}

// scheduleInput is when to send; no send_at: now.
type scheduleInput struct {
	SendAt *time.Time `json:"send_at"`
}

// scheduleCampaign schedules a draft. Content with ad signals that would go
// out unmarked is refused with 422 and the signals in the error body.
func (h *Handler) scheduleCampaign(w http.ResponseWriter, r *http.Request) error {
	c, err := h.campaign(r)
	if err != nil {
		return err
	}
	var in scheduleInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	var at time.Time
	if in.SendAt != nil {
		at = *in.SendAt
	}
	if c, err = h.Campaigns.Schedule(r.Context(), c.ID, at); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newCampaignJSON(c))
}

// adOverrideInput is why a campaign's content is not an ad.
type adOverrideInput struct {
	Reason string `json:"reason"`
}

// overrideAdRule records, for the staff user who created the token, that
// the campaign may go out as marked although its content looks like an ad.
func (h *Handler) overrideAdRule(w http.ResponseWriter, r *http.Request) error {
	c, err := h.campaign(r)
	if err != nil {
		return err
	}
	var in adOverrideInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	tok := currentToken(r)
	if c, err = h.Campaigns.OverrideAdRule(r.Context(), c.ID, tok.Role, tok.CreatedBy, in.Reason); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newCampaignJSON(c))
}

func (h *Handler) campaign(r *http.Request) (fanmail.Campaign, error) {
	if h.Campaigns == nil {
		return fanmail.Campaign{}, errNoCampaigns
	}
	id, err := pathID(r, "id", "Campaign not found.")
	if err != nil {
		return fanmail.Campaign{}, err
	}
	return h.Campaigns.Campaign(r.Context(), id)
}

var errNoCampaigns = fanmail.Errorf(fanmail.EUNAVAILABLE, "Campaigns are not available on this server.")
