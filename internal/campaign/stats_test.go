package campaign_test

import (
	"context"
	"testing"

	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// A campaign that queues enough sends at once (in each member's time zone)
// leaves their planner statistics fresh, with autovacuum off: its claims
// are planned from them.
func TestService_QueueingAnalyzesSends(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		storetest.NoAutoAnalyze(t, db, "sends")
		s := newService(t, db, channeltest.NewSMTPServer(t))
		mustMembers(t, db, store.AnalyzeRows)
		c := mustCampaign(t, s, mustSender(t, s), adBody)
		c.MemberTZ = true
		if _, err := s.UpdateCampaign(ctx, c); err != nil {
			t.Fatal(err)
		}
		if n := storetest.PlannerStats(t, db, "sends"); n != 0 {
			t.Errorf("before queueing: %d rows of statistics for sends, want none", n)
		}
		start(t, s, c)
		p := status(t, s, c.ID)
		if p.Total != store.AnalyzeRows {
			t.Fatalf("%d sends queued, want %d", p.Total, store.AnalyzeRows)
		}
		if n := storetest.PlannerStats(t, db, "sends"); n == 0 {
			t.Error("no statistics for sends after queueing them")
		}
	})
}
