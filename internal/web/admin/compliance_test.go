package admin_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/compliance"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/web/admin"
)

func TestComplianceAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStaffEnv(t, db)
		logger := slog.New(slog.NewTextHandler(t.Output(), nil))
		svc := compliance.New(db, logger, compliance.Options{Retention: config.DefaultRetention()})
		d := admin.FullDeps(t, db, config.Default(), logger)
		d.Staff, d.Members, d.Compliance = e.staff, e.members, svc
		h, err := admin.New(d)
		if err != nil {
			t.Fatal(err)
		}
		e.mux = http.NewServeMux()
		h.Routes(e.mux)
		e.user(t, "admin@fanmail.test", fanmail.RoleAdmin)
		e.user(t, "shop@fanmail.test", fanmail.RoleShopStaff)
		admin, shop := e.signIn(t, "admin@fanmail.test"), e.signIn(t, "shop@fanmail.test")

		// A decision 15 days ago, not yet noticed.
		now := db.Now
		db.Now = func() time.Time { return now().Add(-15 * 24 * time.Hour) }
		m := storetest.MustCreateMember(t, db, "hana@example.com")
		err = db.InTx(context.Background(), func(tx *store.Tx) error {
			return tx.AddConsent(context.Background(), fanmail.Consent{MemberID: m.ID, Purpose: fanmail.PurposeMarketingEmail,
				Channel: fanmail.ChannelEmail, Granted: true, Source: fanmail.SourceWeb, Version: fanmail.ConsentWordingVersion})
		})
		if err != nil {
			t.Fatal(err)
		}
		db.Now = now

		if res := e.get(t, "/admin/compliance", shop); res.StatusCode != http.StatusForbidden {
			t.Errorf("shop staff: status %d, want 403", res.StatusCode)
		}
		res := e.get(t, "/admin/compliance", admin)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d:\n%s", res.StatusCode, res.Body)
		}
		for _, want := range []string{"준법 관리", `<span id="overdue-count">1</span>`, "광고성 정보", "실행한 적이 없습니다.", "365일"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		res = e.post(t, "/admin/compliance/run/notices", url.Values{}, admin)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/compliance?flash=") {
			t.Fatalf("run: status %d, location %q", res.StatusCode, res.Header.Get("Location"))
		}
		res = e.get(t, res.Header.Get("Location"), admin)
		if !strings.Contains(res.Body, `<span id="overdue-count">0</span>`) || !strings.Contains(res.Body, "notices 1") ||
			!strings.Contains(res.Body, "작업을 실행했습니다.") {
			t.Errorf("after the run:\n%s", res.Body)
		}
		if res := e.post(t, "/admin/compliance/run/everything", url.Values{}, admin); res.StatusCode != http.StatusNotFound {
			t.Errorf("unknown job: status %d, want 404", res.StatusCode)
		}
	})
}

// Every text of the compliance page and the campaign form's night-time
// rule has a Korean entry.
func TestComplianceAdmin_Translated(t *testing.T) {
	re := regexp.MustCompile(`t \$?\.Lang "([^"]+)"`)
	b, err := os.ReadFile("templates/compliance.html")
	if err != nil {
		t.Fatal(err)
	}
	msgs := []string{"Compliance", "Consent result notices (art. 50(7))", "Two-yearly re-confirmation (art. 50(8))", "Retention",
		"The job ran.", "The job failed; its error is shown below.",
		"Night-time rule: an advertisement by SMS or KakaoTalk between 21:00 and 08:00 KST needs the member's separate night-time consent, or it waits until 08:00. E-mail is exempt."}
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		msgs = append(msgs, m[1])
	}
	for _, r := range config.DefaultRetention().Rules() {
		msgs = append(msgs, r.Data, r.What)
	}
	for _, msg := range msgs {
		if !i18n.Has(msg) {
			t.Errorf("no Korean for %q", msg)
		}
	}
}
