package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/compliance"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// TestMain_Compliance runs "fanmail compliance status" and "compliance run"
// against a database with a consent decision left without its notice.
func TestMain_Compliance(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		env := map[string]string{"FANMAIL_DATABASE_URL": databaseURL(t, engine), "FANMAIL_MEDIA_DIR": t.TempDir(),
			"FANMAIL_NO_DEMO": "1", "FANMAIL_LOG_LEVEL": "warn"}
		run := func(args ...string) (int, string, string) {
			var out, errOut bytes.Buffer
			code := Main(ctx, args, func(k string) string { return env[k] }, &out, &errOut)
			return code, out.String(), errOut.String()
		}
		if code, out, errOut := run("compliance", "status"); code != 0 || !strings.Contains(out, "result notices overdue (over 14 days): 0") ||
			!strings.Contains(out, "compliance.retention: never ran") || !strings.Contains(out, "tracking_events: 365d, anonymise") {
			t.Fatalf("fresh status: %d\n%s%s", code, out, errOut)
		}

		db, err := store.Open(ctx, env["FANMAIL_DATABASE_URL"])
		if err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return time.Now().UTC().Add(-20 * 24 * time.Hour) }
		m := storetest.MustCreateMember(t, db, "dahye@example.com")
		err = db.InTx(ctx, func(tx *store.Tx) error {
			return tx.AddConsent(ctx, fanmail.Consent{MemberID: m.ID, Purpose: fanmail.PurposeMarketingSMS, Channel: fanmail.ChannelSMS,
				Granted: false, Source: fanmail.SourceShop, Version: fanmail.ConsentWordingVersion})
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}

		code, out, _ := run("compliance", "status")
		if code != 0 || !strings.Contains(out, "result notices overdue (over 14 days): 1") || !strings.Contains(out, "marketing_sms (Advertising by SMS) declined") ||
			strings.Contains(out, "dahye@") {
			t.Errorf("status with an overdue notice: %d\n%s", code, out)
		}
		if code, out, errOut := run("compliance", "run", "notices"); code != 0 || out != "notices done: events=1 notices=1\n" {
			t.Errorf("run notices: %d %q %s", code, out, errOut)
		}
		code, out, _ = run("compliance", "status")
		if code != 0 || !strings.Contains(out, "result notices overdue (over 14 days): 0") ||
			!strings.Contains(out, "compliance.result_notices: started") || !strings.Contains(out, "events=1 notices=1") {
			t.Errorf("status after the run: %d\n%s", code, out)
		}
		for _, bad := range [][]string{{"compliance"}, {"compliance", "run"}, {"compliance", "run", "everything"},
			{"compliance", "status", "now"}, {"compliance", "erase"}} {
			if code, _, errOut := run(bad...); code == 0 || !strings.Contains(errOut, "usage: fanmail compliance") {
				t.Errorf("%v: exit %d, stderr %q", bad, code, errOut)
			}
		}
	})
}

// TestApp_ResultNotice runs the whole app: the daily jobs run when the
// queue starts, a member joins over HTTP, and the result notice that
// staff run from the compliance page arrives by mail naming each channel's
// result; the API then reports the run.
func TestApp_ResultNotice(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		ta := startApp(t, engine)
		ctx := t.Context()
		// The re-confirmation and retention jobs run when a node becomes
		// leader (through River), and record their runs.
		deadline := time.Now().Add(60 * time.Second)
		for {
			runs, err := ta.DB().LastJobRuns(ctx, []string{compliance.JobReconfirm, compliance.JobRetention})
			if err == nil && len(runs) == 2 && runs[0].FinishedAt != nil && runs[1].FinishedAt != nil {
				if runs[0].Error != "" || runs[1].Error != "" {
					t.Fatalf("job runs at start: %+v", runs)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the daily compliance jobs did not run at start: %+v, %v", runs, err)
			}
			time.Sleep(50 * time.Millisecond)
		}

		c := client(t)
		if r := postForm(t, c, ta.URL+"/join", joinForm(t, ta, "minseo_k", "minseo.kim@example.com", "김민서", "010-3333-0199")); r.Status != http.StatusSeeOther {
			t.Fatalf("join: %d\n%s", r.Status, r.Body)
		}
		ta.waitMail(t, 1) // the opt-in mail
		// The member confirms (the opt-in link's own flow is tested
		// elsewhere): a consent takes effect, and is noticed, once the
		// address is confirmed.
		if _, err := ta.DB().SQL().ExecContext(ctx, `UPDATE members SET status = 'active' WHERE email_normalized = $1`, "minseo.kim@example.com"); err != nil {
			t.Fatal(err)
		}

		admin := ta.signIn(t)
		r := postForm(t, admin, ta.URL+"/admin/compliance/run/notices", url.Values{})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("run notices: %d\n%s", r.Status, r.Body)
		}
		notice := ta.waitMail(t, 2)
		if !strings.Contains(notice.Subject, "광고성 정보 수신동의 처리 결과 안내") || !strings.EqualFold(notice.To[0], "minseo.kim@example.com") {
			t.Fatalf("second mail: %q to %v", notice.Subject, notice.To)
		}
		for _, want := range []string{"김민서님", "전자우편(이메일): 수신 거부", "문자메시지(SMS): 수신 동의", "야간(21시~08시) 문자메시지: 수신 거부",
			"문자메시지 수신 설정의 결과도 전자우편으로", ta.URL + "/portal/consents"} {
			if !strings.Contains(notice.Text, want) {
				t.Errorf("notice lacks %q:\n%s", want, notice.Text)
			}
		}
		if r := postForm(t, admin, ta.URL+"/admin/compliance/run/notices", url.Values{}); r.Status != http.StatusSeeOther {
			t.Fatalf("second run: %d", r.Status)
		}
		var st struct {
			OverdueNotices struct{ Count int } `json:"overdue_notices"`
			Jobs           []struct {
				Job    string
				Counts map[string]int64
			}
		}
		r = getBearer(t, client(t), ta.URL+"/api/v1/compliance", ta.apiToken(t))
		if r.Status != http.StatusOK {
			t.Fatalf("GET /api/v1/compliance: %d\n%s", r.Status, r.Body)
		}
		if err := json.Unmarshal([]byte(r.Body), &st); err != nil || st.OverdueNotices.Count != 0 || len(st.Jobs) != 3 ||
			st.Jobs[0].Job != compliance.JobResultNotices || st.Jobs[0].Counts["notices"] != 0 {
			t.Errorf("API status: %+v, %v (the second run writes nothing)", st, err)
		}
		if n, err := ta.DB().Messages(ctx, store.MessageFilter{Kind: fanmail.MessageConsentNotice}); err != nil || len(n) != 1 {
			t.Errorf("%d notices, want 1 (%v)", len(n), err)
		}
	})
}
