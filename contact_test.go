package fanmail_test

import (
	"testing"
	"time"

	"github.com/fanmail/fanmail"
)

func TestMayContact(t *testing.T) {
	noon := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)   // 12:00 KST
	night := time.Date(2026, 12, 6, 13, 0, 0, 0, time.UTC) // 22:00 KST
	morning := time.Date(2026, 12, 7, 8, 0, 0, 0, fanmail.KST).UTC()
	active := fanmail.Contact{Channel: fanmail.ChannelEmail, Purpose: fanmail.PurposeMarketing, MemberStatus: fanmail.MemberActive,
		HasAddress: true, ConsentEmail: true, ConsentSMS: true}
	with := func(f func(c *fanmail.Contact)) fanmail.Contact { c := active; f(&c); return c }
	runContactCases(t, []contactCase{
		{"marketing ok", active, noon, "", time.Time{}},
		{"no address", with(func(c *fanmail.Contact) { c.HasAddress = false }), noon, fanmail.SkipNoAddress, time.Time{}},
		{"left", with(func(c *fanmail.Contact) { c.MemberStatus = fanmail.MemberInactive }), noon, fanmail.SkipInactive, time.Time{}},
		{"pending marketing", with(func(c *fanmail.Contact) { c.MemberStatus = fanmail.MemberPending }), noon, fanmail.SkipUnconfirmed, time.Time{}},
		{"pending opt-in", with(func(c *fanmail.Contact) {
			c.MemberStatus = fanmail.MemberPending
			c.Purpose = fanmail.PurposeTransactional
		}), noon, "", time.Time{}},
		{"no consent", with(func(c *fanmail.Contact) { c.ConsentEmail = false }), noon, fanmail.SkipNoConsent, time.Time{}},
		{"unsubscribed marketing", with(func(c *fanmail.Contact) { c.Suppression = "unsubscribed" }), noon, fanmail.SkipSuppressed, time.Time{}},
		{"unsubscribed transactional", with(func(c *fanmail.Contact) { c.Suppression = "unsubscribed"; c.Purpose = fanmail.PurposeTransactional }), noon, "", time.Time{}},
		{"bounced transactional", with(func(c *fanmail.Contact) { c.Suppression = "hard_bounce"; c.Purpose = fanmail.PurposeTransactional }), noon, fanmail.SkipSuppressed, time.Time{}},
		{"e-mail ad at night", active, night, "", time.Time{}},
		{"sms ad at night", with(func(c *fanmail.Contact) { c.Channel = fanmail.ChannelSMS }), night, fanmail.SkipQuietHours, morning},
		{"sms ad at night, night consent", with(func(c *fanmail.Contact) { c.Channel = fanmail.ChannelSMS; c.ConsentNight = true }), night, "", time.Time{}},
		{"sms ad at noon", with(func(c *fanmail.Contact) { c.Channel = fanmail.ChannelSMS }), noon, "", time.Time{}},
		{"sms without consent", with(func(c *fanmail.Contact) { c.Channel = fanmail.ChannelSMS; c.ConsentSMS = false }), noon, fanmail.SkipNoConsent, time.Time{}},
	})
}

func TestQuietHoursEnd(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 12, 6, h, 30, 0, 0, fanmail.KST) }
	for h, want := range map[int]time.Time{
		7:  time.Date(2026, 12, 6, 8, 0, 0, 0, fanmail.KST),
		8:  {},
		20: {},
		21: time.Date(2026, 12, 7, 8, 0, 0, 0, fanmail.KST),
		0:  time.Date(2026, 12, 6, 8, 0, 0, 0, fanmail.KST),
	} {
		if got := fanmail.QuietHoursEnd(at(h)); !got.Equal(want) {
			t.Errorf("%02d:30 KST: %v, want %v", h, got, want)
		}
	}
}

// TestMayContact_NightRule pins the night-time rule (Network Act art.
// 50(3)) at its edges: 20:59 and 08:00 KST are day, 21:00 and 07:59 night,
// e-mail is exempt, and a channel without a consent purpose never carries ads.
func TestMayContact_NightRule(t *testing.T) {
	kst := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, fanmail.KST) }
	sms := fanmail.Contact{Channel: fanmail.ChannelSMS, Purpose: fanmail.PurposeMarketing, MemberStatus: fanmail.MemberActive,
		HasAddress: true, ConsentEmail: true, ConsentSMS: true}
	mail := sms
	mail.Channel = fanmail.ChannelEmail
	night := sms
	night.ConsentNight = true
	kakao := night
	kakao.Channel = "kakao"
	runContactCases(t, []contactCase{
		{"sms 20:59", sms, kst(6, 20, 59), "", time.Time{}},
		{"sms 21:00", sms, kst(6, 21, 0), fanmail.SkipQuietHours, kst(7, 8, 0).UTC()},
		{"sms 07:59", sms, kst(7, 7, 59), fanmail.SkipQuietHours, kst(7, 8, 0).UTC()},
		{"sms 08:00", sms, kst(7, 8, 0), "", time.Time{}},
		{"sms 21:00 with night consent", night, kst(6, 21, 0), "", time.Time{}},
		{"e-mail 23:00 without night consent", mail, kst(6, 23, 0), "", time.Time{}},
		{"kakao has no consent purpose", kakao, kst(6, 12, 0), fanmail.SkipNoConsent, time.Time{}},
	})
	if fanmail.NightRuleApplies(fanmail.ChannelEmail) || !fanmail.NightRuleApplies(fanmail.ChannelSMS) || !fanmail.NightRuleApplies("kakao") {
		t.Error("NightRuleApplies: e-mail must be exempt, SMS and KakaoTalk not")
	}
}

func TestReconfirmPeriod(t *testing.T) {
	at := time.Date(2024, 2, 29, 10, 0, 0, 0, fanmail.KST)
	for _, tt := range []struct {
		now  time.Time
		want int
	}{
		{at.AddDate(0, 0, -1), 0},                              // a clock before the consent
		{time.Date(2026, 2, 28, 23, 59, 0, 0, fanmail.KST), 0}, // the day before
		{time.Date(2026, 3, 1, 10, 0, 0, 0, fanmail.KST), 1},   // 29 February 2026 does not exist
		{time.Date(2028, 2, 29, 9, 59, 0, 0, fanmail.KST), 1},
		{time.Date(2028, 2, 29, 10, 0, 0, 0, fanmail.KST), 2},
		{time.Date(2031, 1, 1, 0, 0, 0, 0, fanmail.KST), 3},
	} {
		if got := fanmail.ReconfirmPeriod(at, tt.now); got != tt.want {
			t.Errorf("ReconfirmPeriod(%v) = %d, want %d", tt.now, got, tt.want)
		}
	}
	if due := fanmail.ReconfirmDue(at, 1); !due.Equal(time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("ReconfirmDue(1) = %v", due)
	}
}

type contactCase struct {
	name string
	c    fanmail.Contact
	now  time.Time
	want string
	wait time.Time
}

func runContactCases(t *testing.T, tests []contactCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, wait := fanmail.MayContact(tt.c, tt.now)
			if got != tt.want || !wait.Equal(tt.wait) {
				t.Errorf("MayContact = %q, %v; want %q, %v", got, wait, tt.want, tt.wait)
			}
		})
	}
}
