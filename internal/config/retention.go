package config

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Day is 24 hours, the unit of retention periods.
const Day = 24 * time.Hour

// Retention is how long each type of personal data is kept before the
// nightly retention job deletes or anonymises it (PIPA art. 21: destroy
// what is no longer needed). 0 keeps that type until deleted otherwise.
type Retention struct {
	TrackingEvents  time.Duration // FANMAIL_RETAIN_TRACKING_EVENTS: opens, clicks, deliveries, unsubscribes (default 365 days)
	Replies         time.Duration // FANMAIL_RETAIN_REPLIES: replies to campaign mail (default 180 days)
	BounceReports   time.Duration // FANMAIL_RETAIN_BOUNCE_REPORTS: bounces, complaints and the soft-bounce log (default 180 days, at least 31)
	MessageBodies   time.Duration // FANMAIL_RETAIN_MESSAGE_BODIES: what outbox messages were rendered from (default 90 days)
	InactiveMembers time.Duration // FANMAIL_RETAIN_INACTIVE_MEMBERS: members with no sign-in, visit, order or open (default 3 years, at least 1)
}

// Retention data types, as RetentionRule.Data names them.
const (
	DataTrackingEvents  = "tracking_events"
	DataReplies         = "replies"
	DataBounceReports   = "bounce_reports"
	DataMessageBodies   = "message_bodies"
	DataInactiveMembers = "inactive_members"
)

// Retention actions.
const (
	ActionAnonymise = "anonymise" // the record stays for totals, without whose it was
	ActionDelete    = "delete"
	ActionClear     = "clear" // the content is emptied, the record stays
)

// RetentionRule is one data type's retention, for the privacy page and
// the compliance report.
type RetentionRule struct {
	Data   string        // DataTrackingEvents, …
	Period time.Duration // 0 = kept until deleted otherwise
	Action string        // ActionAnonymise, ActionDelete or ActionClear
	What   string        // what is kept and what goes, in English (an i18n key)
}

// DefaultRetention follows PIPA's minimisation: engagement data for a
// year (a year's campaigns can be compared), replies and delivery reports
// for half a year, message contents for three months (long enough to
// answer "what did you send me?"), and members who showed no sign of life
// for three years.
func DefaultRetention() Retention {
	return Retention{TrackingEvents: 365 * Day, Replies: 180 * Day, BounceReports: 180 * Day,
		MessageBodies: 90 * Day, InactiveMembers: 3 * 365 * Day}
}

// Rules lists r as one rule per data type.
func (r Retention) Rules() []RetentionRule {
	return []RetentionRule{
		{DataTrackingEvents, r.TrackingEvents, ActionAnonymise,
			"Opens, clicks, deliveries and unsubscribes lose the member and the mail they belong to; campaign totals stay."},
		{DataReplies, r.Replies, ActionAnonymise, "Replies to campaign mail lose the member who replied; reply counts stay."},
		{DataBounceReports, r.BounceReports, ActionDelete,
			"The soft-bounce log is deleted and bounce and complaint reports lose their member and diagnostic; suppressions stay."},
		{DataMessageBodies, r.MessageBodies, ActionClear,
			"What a sent message was rendered from is emptied; the record that it was sent stays."},
		{DataInactiveMembers, r.InactiveMembers, ActionAnonymise,
			"Members with no sign-in, portal visit, order or e-mail open for this long are erased (anonymised)."},
	}
}

// minRetention bounds each period from below (0, off, is always allowed):
// the soft-bounce window is 30 days, and a typo must not erase members
// who were here last week.
var minRetention = map[string]time.Duration{DataBounceReports: 31 * Day, DataInactiveMembers: 365 * Day}

type retentionFlag struct {
	data, flag, env string
	dst             *time.Duration
	raw             *string
}

// flags names the flag and variable of each of r's periods.
func (r *Retention) flags() []retentionFlag {
	return []retentionFlag{
		{data: DataTrackingEvents, flag: "retain-tracking-events", env: "FANMAIL_RETAIN_TRACKING_EVENTS", dst: &r.TrackingEvents},
		{data: DataReplies, flag: "retain-replies", env: "FANMAIL_RETAIN_REPLIES", dst: &r.Replies},
		{data: DataBounceReports, flag: "retain-bounce-reports", env: "FANMAIL_RETAIN_BOUNCE_REPORTS", dst: &r.BounceReports},
		{data: DataMessageBodies, flag: "retain-message-bodies", env: "FANMAIL_RETAIN_MESSAGE_BODIES", dst: &r.MessageBodies},
		{data: DataInactiveMembers, flag: "retain-inactive-members", env: "FANMAIL_RETAIN_INACTIVE_MEMBERS", dst: &r.InactiveMembers},
	}
}

// retentionFlags declares one flag per data type on fs, defaulted from the
// environment; finishRetention parses them into c.Retention.
func (c *Config) retentionFlags(fs *flag.FlagSet, env func(name, def string) string) {
	c.Retention = DefaultRetention()
	c.retention = c.Retention.flags()
	for i := range c.retention {
		f := &c.retention[i]
		f.raw = fs.String(f.flag, env(f.env, FormatDays(*f.dst)),
			fmt.Sprintf("keep %s this long, in days (e.g. 180d), or 0 to keep them (%s)", strings.ReplaceAll(f.data, "_", " "), f.env))
	}
}

func (c *Config) finishRetention() error {
	for _, f := range c.retention {
		if f.raw == nil {
			continue
		}
		p, err := ParseDays(*f.raw)
		if err != nil {
			return fmt.Errorf("config: --%s %q: %w", f.flag, *f.raw, err)
		}
		if min := minRetention[f.data]; p != 0 && p < min {
			return fmt.Errorf("config: --%s %q: at least %s, or 0 to keep", f.flag, *f.raw, FormatDays(min))
		}
		*f.dst = p
	}
	c.retention = nil
	return nil
}

// ParseDays reads a retention period: "180d" (days), a Go duration such as
// "720h", or "0" to keep.
func ParseDays(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" || s == "" {
		return 0, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("want a number of days such as 180d")
		}
		return time.Duration(days) * Day, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < Day {
		return 0, fmt.Errorf("want a number of days such as 180d, at least 1d")
	}
	return d, nil
}

// FormatDays writes a period as ParseDays reads it: "180d", or "0".
func FormatDays(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return strconv.FormatInt(int64(d/Day), 10) + "d"
}
