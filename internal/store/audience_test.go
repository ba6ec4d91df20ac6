package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// A segment of six: the campaign reaches two; the others are left out,
// each under the first reason that applies to it.
func TestDB_AudienceLeftOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
		setStatus := func(m fanmail.Member, status string) {
			t.Helper()
			if _, err := db.SQL().ExecContext(ctx, `UPDATE members SET status = $1 WHERE id = $2`, status, m.ID); err != nil {
				t.Fatal(err)
			}
		}
		campMember(t, db, "fan1@example.com", "가팬", true)
		pending := campMember(t, db, "fan2@example.com", "나팬", true)
		setStatus(pending, fanmail.MemberPending)
		gone := campMember(t, db, "fan3@example.com", "다팬", false) // deactivated comes first
		setStatus(gone, fanmail.MemberInactive)
		noConsent := campMember(t, db, "fan4@example.com", "라팬", false)
		suppressed := campMember(t, db, "fan5@example.com", "마팬", true)
		if err := db.Suppress(ctx, suppressed.Email, "hard_bounce", "test"); err != nil {
			t.Fatal(err)
		}
		campMember(t, db, "fan6@example.com", "바팬", true)
		outsider := campMember(t, db, "other@example.net", "사팬", false)
		if _, err := db.SQL().ExecContext(ctx, `UPDATE members SET source = 'web' WHERE id = $1`, outsider.ID); err != nil {
			t.Fatal(err)
		}
		seg := fanmail.SegmentRules{Op: fanmail.SegmentAnd, Conditions: []fanmail.SegmentCondition{
			{Field: fanmail.FieldSource, Op: fanmail.OpIn, Values: []string{fanmail.SourceAdmin}}}}
		got, err := db.AudienceLeftOut(ctx, store.Audience{Segment: &seg, Marketing: true}, now, 3)
		if err != nil {
			t.Fatal(err)
		}
		want := store.LeftOut{Matched: 6, Unconfirmed: 1, Inactive: 1, NoConsent: 1, Suppressed: 1, Members: []store.LeftOutMember{
			{ID: pending.ID, Name: "나팬", Reason: fanmail.SkipUnconfirmed},
			{ID: gone.ID, Name: "다팬", Reason: fanmail.SkipInactive},
			{ID: noConsent.ID, Name: "라팬", Reason: fanmail.SkipNoConsent},
		}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("marketing (-want +got):\n%s", diff)
		}
		if got.Unlisted() != 1 {
			t.Errorf("unlisted = %d, want 1 (the suppressed member)", got.Unlisted())
		}
		// A transactional campaign leaves out only members not active.
		got, err = db.AudienceLeftOut(ctx, store.Audience{Segment: &seg}, now, 10)
		if err != nil {
			t.Fatal(err)
		}
		if got.Matched != 6 || got.Total() != 2 || got.NoConsent != 0 || got.Suppressed != 0 || len(got.Members) != 2 {
			t.Errorf("transactional = %+v", got)
		}
		// Without a segment every member counts.
		got, err = db.AudienceLeftOut(ctx, store.Audience{Marketing: true}, now, 0)
		if err != nil || got.Matched != 7 || got.Total() != 5 || got.NoConsent != 2 || got.Members != nil {
			t.Errorf("every member = %+v, %v", got, err)
		}
	})
}
