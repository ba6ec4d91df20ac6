package campaign_test

import (
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// A campaign that wrote enough sends leaves their planner statistics fresh
// when it finishes, with autovacuum off: the next campaign's claims are
// planned from them.
func TestEngine_FinishAnalyzesSends(t *testing.T) {
	if testing.Short() {
		t.Skip("a campaign of 1,000 skipped in -short mode")
	}
	each(t, func(t *testing.T, db *store.DB) {
		storetest.NoAutoAnalyze(t, db, "sends")
		srv := channeltest.NewSMTPServer(t)
		s := newService(t, db, srv)
		ms := mustMembers(t, db, store.AnalyzeRows)
		c := mustCampaign(t, s, mustSender(t, s), adBody)
		start(t, s, c)
		if n := storetest.PlannerStats(t, db, "sends"); n != 0 {
			t.Errorf("before sending: %d rows of statistics for sends, want none", n)
		}
		runUntilFinished(t, s, c.ID, nil)
		if p := status(t, s, c.ID); p.Campaign.Status != fanmail.CampaignFinished || p.Sent != int64(len(ms)) {
			t.Fatalf("progress = %+v", p)
		}
		if n := storetest.PlannerStats(t, db, "sends"); n == 0 {
			t.Error("no statistics for sends after the campaign finished")
		}
	})
}
