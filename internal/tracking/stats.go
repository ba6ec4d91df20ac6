package tracking

import (
	"context"

	"github.com/fanmail/fanmail/internal/store"
)

// Stats are a campaign's delivery and engagement figures. Bots (HEAD requests,
// clicks within BotWindow of sending) are left out of every figure but
// BotOpens and BotClicks. For a campaign that counts without recording people
// (track_people false) the unique figures equal the totals.
type Stats struct {
	CampaignID int64

	Queued  int64 // sends not yet sent (queued or sending)
	Sent    int64 // accepted by the SMTP server
	Failed  int64 // refused for good when sending
	Skipped int64 // not sent: no consent or suppressed at send time

	Delivered   int64 // sent minus sends that bounced (hard or soft)
	BouncedHard int64 // sends with a hard bounce
	BouncedSoft int64 // sends with a soft bounce

	Opened       int64 // members who opened (unique)
	Opens        int64 // opens in all
	Clicked      int64 // members who clicked (unique)
	Clicks       int64 // clicks in all
	Unsubscribed int64
	Complained   int64
	Replied      int64

	BotOpens  int64
	BotClicks int64

	Links []store.LinkCount // per link, most clicked first
	Hours []store.HourCount // events per hour, oldest first
}

// rate returns part/whole, 0 for an empty whole.
func rate(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

// OpenRate is Opened / Delivered.
func (s Stats) OpenRate() float64 { return rate(s.Opened, s.Delivered) }

// ClickRate is Clicked / Delivered.
func (s Stats) ClickRate() float64 { return rate(s.Clicked, s.Delivered) }

// ClickToOpenRate is Clicked / Opened.
func (s Stats) ClickToOpenRate() float64 { return rate(s.Clicked, s.Opened) }

// BounceRate is (BouncedHard + BouncedSoft) / Sent.
func (s Stats) BounceRate() float64 { return rate(s.Sent-s.Delivered, s.Sent) }

// UnsubscribeRate is Unsubscribed / Delivered.
func (s Stats) UnsubscribeRate() float64 { return rate(s.Unsubscribed, s.Delivered) }

// ComplaintRate is Complained / Delivered.
func (s Stats) ComplaintRate() float64 { return rate(s.Complained, s.Delivered) }

// Stats returns the campaign's figures from what is stored; call Flush first
// to include events still buffered.
func (s *Service) Stats(ctx context.Context, campaignID int64) (Stats, error) {
	ce, err := s.db.CampaignEvents(ctx, campaignID)
	if err != nil {
		return Stats{}, err
	}
	k := ce.Kinds
	st := Stats{
		CampaignID:   campaignID,
		Queued:       ce.Queued,
		Sent:         ce.Sent,
		Failed:       ce.Failed,
		Skipped:      ce.Skipped,
		Delivered:    max(ce.Sent-ce.Bounced, 0),
		BouncedHard:  k[KindBounceHard].Unique,
		BouncedSoft:  k[KindBounceSoft].Unique,
		Opened:       k[KindOpen].Unique,
		Opens:        k[KindOpen].Total,
		Clicked:      k[KindClick].Unique,
		Clicks:       k[KindClick].Total,
		Unsubscribed: k[KindUnsubscribe].Unique,
		Complained:   k[KindComplaint].Unique,
		Replied:      k[KindReply].Unique,
		BotOpens:     k[KindOpen].Bots,
		BotClicks:    k[KindClick].Bots,
		Links:        ce.Links,
		Hours:        ce.Hours,
	}
	return st, nil
}
