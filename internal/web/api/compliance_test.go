package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/compliance"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestAPI_Compliance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin, marketer := e.token(t, fanmail.RoleAdmin), e.token(t, fanmail.RoleMarketer)
		wantError(t, e.do(t, request{method: "GET", path: "/api/v1/compliance", token: admin}), http.StatusServiceUnavailable,
			fanmail.EUNAVAILABLE, "")

		svc := compliance.New(db, testLogger(t), compliance.Options{Retention: config.DefaultRetention()})
		e.mux = http.NewServeMux()
		New(Deps{Config: config.Default(), Logger: testLogger(t), Staff: e.staff, Members: e.members, Catalog: e.catalog,
			Compliance: svc}).Routes(e.mux)
		m := storetest.MustCreateMember(t, db, "sora@example.com")
		err := db.InTx(context.Background(), func(tx *store.Tx) error {
			return tx.AddConsent(context.Background(), fanmail.Consent{MemberID: m.ID, Purpose: fanmail.PurposeMarketingSMS,
				Channel: fanmail.ChannelSMS, Granted: true, Source: fanmail.SourceAPI, Version: fanmail.ConsentWordingVersion})
		})
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, e.do(t, request{method: "GET", path: "/api/v1/compliance", token: marketer}), http.StatusForbidden,
			fanmail.EFORBIDDEN, "")

		later := time.Now().Add(15 * 24 * time.Hour).UTC()
		db.Now = func() time.Time { return later }
		var got complianceJSON
		e.call(t, request{method: "GET", path: "/api/v1/compliance", token: admin}, http.StatusOK, &got)
		if got.OverdueNotices.Count != 1 || got.OverdueNotices.Items[0].MemberID != m.ID ||
			got.OverdueNotices.Items[0].Result != "granted" || len(got.Jobs) != 0 || len(got.Retention) != 5 ||
			got.Retention[0].PeriodDays != 365 {
			t.Errorf("before the job: %+v", got)
		}
		if _, err := svc.SendResultNotices(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.call(t, request{method: "GET", path: "/api/v1/compliance", token: admin}, http.StatusOK, &got)
		if got.OverdueNotices.Count != 0 || len(got.Jobs) != 1 || got.Jobs[0].Job != compliance.JobResultNotices ||
			got.Jobs[0].Counts["notices"] != 1 || got.Jobs[0].FinishedAt == nil {
			t.Errorf("after the job: %+v", got)
		}
	})
}
