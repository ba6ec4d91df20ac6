package campaign_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
)

// An erased address stays erased: a later import of an opted-in list that
// holds it skips it, so the next campaign does not reach it, and a
// campaign already sending gives its claimed mail up.
func TestEngine_ErasedAddressNotMailed(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := channeltest.NewSMTPServer(t)
		s := newService(t, db, srv)
		minji := mustMember(t, db, "minji.kim@example.com", "김민지", true)
		mustMember(t, db, "jin72@example.com", "Jin Park", true)
		snd := mustSender(t, s)

		first := mustCampaign(t, s, snd, adBody)
		start(t, s, first) // minji's send is queued, then she is erased
		members := member.New(db, nil, member.Options{}, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
		if _, err := members.Erase(ctx, minji.ID, store.EraseOptions{Source: fanmail.SourceAdmin, Reason: "전화 요청"}); err != nil {
			t.Fatal(err)
		}
		sendDue(t, s)
		if got := recipients(srv.Messages()); len(got) != 1 || got["jin72@example.com"] != 1 {
			t.Fatalf("first campaign reached %v, want only jin72", got)
		}
		if p := status(t, s, first.ID); p.Campaign.Status != fanmail.CampaignFinished || p.Sent != 1 || p.Total != 1 {
			t.Errorf("first campaign after the erasure = %+v", p)
		}

		body := "email,name\nMinji.Kim@example.com,김민지\nsora@example.com,이소라\n"
		res, err := members.Import(ctx, member.ImportRequest{Filename: "list.csv", Body: strings.NewReader(body), Size: int64(len(body)),
			Status: fanmail.MemberActive, DefaultConsents: []string{fanmail.PurposeTerms, fanmail.PurposePrivacy, fanmail.PurposeMarketingEmail}}, nil)
		if err != nil || res.OK != 1 || res.Bad != 1 {
			t.Fatalf("import = %+v, %v; want sora imported, minji skipped", res.ImportProgress, err)
		}
		errs, err := members.ImportErrors(ctx, res.ImportID, 0, 10)
		if err != nil || len(errs) != 1 || errs[0].Line != 2 || errs[0].Reason != store.ReasonErased {
			t.Errorf("import errors = %+v, %v", errs, err)
		}

		second := mustCampaign(t, s, snd, adBody)
		start(t, s, second)
		sendDue(t, s)
		got := recipients(srv.Messages())
		if got["minji.kim@example.com"] != 0 || got["sora@example.com"] != 1 || got["jin72@example.com"] != 2 {
			t.Errorf("recipients = %v, want none for the erased address", got)
		}
		for _, m := range srv.Messages() {
			if strings.Contains(m.To[0], "erased") {
				t.Errorf("mail to the erased placeholder %s", m.To[0])
			}
		}
	})
}
