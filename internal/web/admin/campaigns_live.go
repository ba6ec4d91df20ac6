package admin

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/campaign"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/tracking"
	"github.com/fanmail/fanmail/internal/web"
)

// liveView is the part of the campaign page that htmx refreshes every two
// seconds while the campaign is scheduled or sending: status, progress,
// actions and statistics.
type liveView struct {
	Lang     string
	Campaign fanmail.Campaign
	Progress campaign.Progress
	Percent  string // of sends done, "42.5"
	Polling  bool
	Stats    []statRow
	Links    []store.LinkCount
	// Opens and clicks flagged as link scanners' (HEAD requests, clicks
	// within ScannerWindow of sending): shown, left out of Stats.
	BotOpens, BotClicks int64
	ScannerWindow       time.Duration

	stats tracking.Stats
}

// statRow is one line of the statistics table; Rate is "" when it has none.
type statRow struct {
	ID    string
	Label string
	Count int64
	Rate  string
	Of    string // what Rate is a share of
}

// CanPause and the others say which buttons the status allows.
func (v liveView) CanPause() bool {
	return fanmail.CanMoveCampaign(v.Campaign.Status, fanmail.CampaignPaused)
}
func (v liveView) CanResume() bool {
	return v.Campaign.Status == fanmail.CampaignPaused
}
func (v liveView) CanCancel() bool {
	return fanmail.CanMoveCampaign(v.Campaign.Status, fanmail.CampaignCancelled)
}
func (v liveView) CanUnschedule() bool { return v.Campaign.Status == fanmail.CampaignScheduled }

// HasSends reports whether the campaign has started (it has sends to count).
func (v liveView) HasSends() bool {
	return v.Campaign.Status != fanmail.CampaignDraft && v.Campaign.Status != fanmail.CampaignScheduled
}

func (p *campaignPages) liveView(r *http.Request, id int64) (liveView, error) {
	ctx := r.Context()
	prog, err := p.svc.Status(ctx, id)
	if err != nil {
		return liveView{}, err
	}
	v := liveView{Lang: web.Lang(r), Campaign: prog.Campaign, Progress: prog,
		Percent: strconv.FormatFloat(prog.Percent(), 'f', 1, 64)}
	switch prog.Campaign.Status {
	case fanmail.CampaignScheduled, fanmail.CampaignSending:
		v.Polling = true
	}
	if !v.HasSends() {
		return v, nil
	}
	st, err := p.Tracking.Stats(ctx, id)
	if err != nil {
		return v, err
	}
	v.stats, v.Links = st, st.Links
	v.BotOpens, v.BotClicks, v.ScannerWindow = st.BotOpens, st.BotClicks, p.Tracking.BotWindow()
	v.Stats = statRows(st)
	return v, nil
}

// statRows lists the figures of st with their rates.
func statRows(st tracking.Stats) []statRow {
	pct := func(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }
	share := func(part, whole int64) string {
		if whole <= 0 {
			return pct(0)
		}
		return pct(float64(part) / float64(whole))
	}
	return []statRow{
		{ID: "sent", Label: "Sent", Count: st.Sent},
		{ID: "delivered", Label: "Delivered", Count: st.Delivered, Rate: share(st.Delivered, st.Sent), Of: "of sent"},
		{ID: "bounced-hard", Label: "Hard bounces", Count: st.BouncedHard, Rate: share(st.BouncedHard, st.Sent), Of: "of sent"},
		{ID: "bounced-soft", Label: "Soft bounces", Count: st.BouncedSoft, Rate: share(st.BouncedSoft, st.Sent), Of: "of sent"},
		{ID: "opened", Label: "Opened (unique)", Count: st.Opened, Rate: pct(st.OpenRate()), Of: "of delivered"},
		{ID: "opens", Label: "Opens in all", Count: st.Opens},
		{ID: "clicked", Label: "Clicked (unique)", Count: st.Clicked, Rate: pct(st.ClickRate()), Of: "of delivered"},
		{ID: "click-to-open", Label: "Clicked after opening", Count: st.Clicked, Rate: pct(st.ClickToOpenRate()), Of: "of opened"},
		{ID: "clicks", Label: "Clicks in all", Count: st.Clicks},
		{ID: "unsubscribed", Label: "Unsubscribes", Count: st.Unsubscribed, Rate: pct(st.UnsubscribeRate()), Of: "of delivered"},
		{ID: "complained", Label: "Complaints", Count: st.Complained, Rate: pct(st.ComplaintRate()), Of: "of delivered"},
	}
}

// progress serves the live part of the campaign page alone, for htmx.
func (p *campaignPages) progress(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	v, err := p.liveView(r, id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := p.live.ExecuteTemplate(&buf, "campaign-live", v); err != nil {
		return fmt.Errorf("render campaign progress: %w", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}

// chartData feeds the Chart.js time chart: opens and clicks per hour, in the
// campaign's time zone.
type chartData struct {
	Labels      []string `json:"labels"`
	Opens       []int64  `json:"opens"`
	Clicks      []int64  `json:"clicks"`
	OpensLabel  string   `json:"opensLabel"`
	ClicksLabel string   `json:"clicksLabel"`
}

// chartOf makes the hourly series of st, filling hours without events.
func chartOf(lang string, st tracking.Stats, zone string) chartData {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	d := chartData{Labels: []string{}, Opens: []int64{}, Clicks: []int64{},
		OpensLabel: i18n.T(lang, "Opens"), ClicksLabel: i18n.T(lang, "Clicks")}
	if len(st.Hours) == 0 {
		return d
	}
	byHour := map[time.Time]store.HourCount{}
	for _, h := range st.Hours {
		byHour[h.Hour.UTC()] = h
	}
	first, last := st.Hours[0].Hour.UTC(), st.Hours[len(st.Hours)-1].Hour.UTC()
	// At most two weeks of hours: a campaign's clicks trail off after days.
	if last.Sub(first) > 14*24*time.Hour {
		first = last.Add(-14 * 24 * time.Hour)
	}
	for t := first; !t.After(last); t = t.Add(time.Hour) {
		h := byHour[t]
		d.Labels = append(d.Labels, t.In(loc).Format("01-02 15:00"))
		d.Opens = append(d.Opens, h.Opens)
		d.Clicks = append(d.Clicks, h.Clicks)
	}
	return d
}

// --- preview ---

// previewPage shows the campaign as one member gets it: the member picker,
// the header fields, the HTML in a sandboxed frame and the text part.
type previewPage struct {
	Campaign fanmail.Campaign
	Query    string
	Matches  []fanmail.Member
	Member   fanmail.Member // ID 0 until one is picked
	Consent  bool           // the member currently agrees to marketing mail
	Message  campaign.Message
	Headers  []headerField
	Error    error
}

type headerField struct{ Name, Value string }

// ErrorText returns the English message of the rendering error.
func (p previewPage) ErrorText() string { return fanmail.ErrorMessage(p.Error) }

// previewCSP is the policy of the mail's HTML in the preview frame: the
// inline styles and remote images of an e-mail, no script, forms or plugins
// at all (sandbox), and only fanmail's own pages may frame it.
const previewCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; font-src *; " +
	"frame-ancestors 'self'; sandbox"

// previewHTML serves the HTML part of the campaign as ?member= gets it, for
// the sandboxed frame of the preview page. It is an answer of its own rather
// than the frame's srcdoc because a srcdoc document inherits the admin's
// policy, which rightly refuses the mail's inline styles.
func (p *campaignPages) previewHTML(w http.ResponseWriter, r *http.Request) error {
	c, err := p.campaign(r)
	if err != nil {
		return err
	}
	memberID, err := strconv.ParseInt(r.URL.Query().Get("member"), 10, 64)
	if err != nil || memberID <= 0 {
		return fanmail.Errorf(fanmail.ENOTFOUND, "Member not found.")
	}
	msg, err := p.svc.Preview(r.Context(), c.ID, memberID)
	if err != nil {
		return err
	}
	return writeFramedHTML(w, previewCSP, msg.HTML)
}

// writeFramedHTML answers a mail's HTML for a sandboxed frame of an admin
// page, under policy instead of the admin's own.
func writeFramedHTML(w http.ResponseWriter, policy, html string) error {
	h := w.Header()
	h.Set("Content-Security-Policy", policy)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	_, err := io.WriteString(w, html)
	return err
}

func (p *campaignPages) preview(w http.ResponseWriter, r *http.Request) error {
	c, err := p.campaign(r)
	if err != nil {
		return err
	}
	pg := previewPage{Campaign: c, Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	memberID, _ := strconv.ParseInt(r.URL.Query().Get("member"), 10, 64)
	if pg.Query != "" {
		page, err := p.Members.FindMembers(r.Context(), member.MemberFilter{Query: pg.Query, Limit: 10})
		if err != nil && fanmail.ErrorCode(err) != fanmail.EINVALID {
			return err
		}
		pg.Matches = page.Members
		if memberID == 0 && len(pg.Matches) == 1 {
			memberID = pg.Matches[0].ID
		}
	}
	if memberID == 0 {
		return p.render(w, r, http.StatusOK, "campaign_preview", trTitle(r, "Preview"), pg)
	}
	msg, err := p.svc.Preview(r.Context(), c.ID, memberID)
	switch fanmail.ErrorCode(err) {
	case "":
	case fanmail.EINVALID, fanmail.ENOTFOUND:
		pg.Error = err
		return p.render(w, r, web.StatusOf(err), "campaign_preview", trTitle(r, "Preview"), pg)
	default:
		return err
	}
	rec, err := p.Members.MemberRecord(r.Context(), memberID)
	if err != nil {
		return err
	}
	pg.Member, pg.Consent = rec.Member, rec.Consents[fanmail.PurposeMarketingEmail]
	pg.Message = msg
	from, err := new(mime.WordDecoder).DecodeHeader(msg.From)
	if err != nil {
		from = msg.From
	}
	pg.Headers = []headerField{{"From", from}, {"To", msg.To}, {"Subject", msg.Subject}}
	names := make([]string, 0, len(msg.Headers))
	for k := range msg.Headers {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		pg.Headers = append(pg.Headers, headerField{k, msg.Headers[k]})
	}
	return p.render(w, r, http.StatusOK, "campaign_preview", trTitle(r, "Preview"), pg)
}

// inZone formats t in the campaign's time zone, with the zone's name.
func (v liveView) inZone(t *time.Time) string {
	if t == nil {
		return ""
	}
	loc, err := time.LoadLocation(v.Campaign.Timezone)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// SendAt, StartedAt and FinishedAt are the campaign's times in its zone.
func (v liveView) SendAt() string     { return v.inZone(v.Campaign.SendAt) }
func (v liveView) StartedAt() string  { return v.inZone(v.Campaign.StartedAt) }
func (v liveView) FinishedAt() string { return v.inZone(v.Campaign.FinishedAt) }

// RelayErrorAt is when the campaign's relay last failed, in its zone.
func (v liveView) RelayErrorAt() string { return v.inZone(v.Progress.RelayErrorAt) }
