package campaign_test

import (
	"context"
	"errors"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// TestService_AdRule: a sale campaign is refused unmarked when scheduled,
// and when sending starts (one scheduled before the rule, or by another
// way than Schedule, goes back to draft and sends nothing); an override
// by an administrator lets it through and reaches the audit hook in its
// transaction; a marketer cannot override.
func TestService_AdRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db, nil)
		ctx := context.Background()
		snd := mustSender(t, s)
		mustMember(t, db, "minji@example.com", "김민지", true)
		c, err := s.CreateCampaign(ctx, fanmail.Campaign{Name: "겨울 세일", SenderID: snd.ID, Subject: "겨울 세일 30% off",
			Body: "<p>{{.Member.Name}}님</p>\n{{footer}}"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Schedule(ctx, c.ID, db.Now())
		var re *fanmail.AdRuleError
		if !errors.As(err, &re) || fanmail.ErrorCode(err) != fanmail.EINVALID || len(re.Signals) != 2 {
			t.Fatalf("schedule unmarked sale: %v", err)
		}

		// Scheduled behind the service's back: refused when sending starts.
		now := db.Now()
		if _, err := db.MoveCampaign(ctx, c.ID, fanmail.CampaignScheduled, &now, fanmail.CampaignDraft); err != nil {
			t.Fatal(err)
		}
		if err := s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		p, err := s.Status(ctx, c.ID)
		if err != nil || p.Campaign.Status != fanmail.CampaignDraft || p.Total != 0 {
			t.Fatalf("after start: %v, status %s, %d sends; want draft and none", err, p.Campaign.Status, p.Total)
		}

		if _, err := s.OverrideAdRule(ctx, c.ID, fanmail.RoleMarketer, 1, "급해요"); fanmail.ErrorCode(err) != fanmail.EFORBIDDEN {
			t.Errorf("marketer override: %v, want EFORBIDDEN", err)
		}
		var hooked fanmail.Campaign
		s.SetAdOverrideHook(func(ctx context.Context, tx *store.Tx, c fanmail.Campaign) error {
			hooked = c
			return nil
		})
		admin, err := db.CreateUser(ctx, fanmail.User{Email: "admin@example.com", Name: "관리자", Role: fanmail.RoleAdmin, Active: true}, "")
		if err != nil {
			t.Fatal(err)
		}
		c, err = s.OverrideAdRule(ctx, c.ID, fanmail.RoleAdmin, admin.ID, "  법정 고지 전용 메일  ")
		if err != nil {
			t.Fatal(err)
		}
		if o := c.AdOverride; o == nil || o.UserID != admin.ID || o.Reason != "법정 고지 전용 메일" || hooked.AdOverride == nil {
			t.Fatalf("override %+v, hook saw %+v", c.AdOverride, hooked.AdOverride)
		}
		if c, err = s.Schedule(ctx, c.ID, db.Now()); err != nil || c.Status != fanmail.CampaignScheduled {
			t.Fatalf("schedule after override: %v, status %s", err, c.Status)
		}
	})
}
