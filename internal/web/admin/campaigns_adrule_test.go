package admin

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/campaign"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// TestCampaignPages_AdRule: content decides whether a mail is an ad. A sale
// mail with a product block cannot be scheduled unmarked or as
// transactional, and the form names the block; marked as an ad it goes out
// with (광고) and the unsubscribe headers; only an administrator can let it
// go out unmarked, with a reason shown on the campaign page.
func TestCampaignPages_AdRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCmpEnv(t, db)
		ctx := context.Background()
		marketer := e.user(t, "marketer@example.com", fanmail.RoleMarketer)
		admin := e.user(t, "admin@example.com", fanmail.RoleAdmin)
		oz := cmpCatalogue(t, db)
		cmpMember(t, db, "minji@example.com", "김민지", fanmail.GenderFemale, true, oz.ID)
		wantStatus(t, e.post(t, "/admin/senders", senderValues("오즈세컨 강남점", "서울특별시 강남구 테헤란로 1", "02-555-0101"), marketer),
			http.StatusSeeOther, "/admin/senders")
		ss, _ := db.Senders(ctx)
		sender := ss[0].ID

		body := "<p>{{.Member.Name}}님, 새 코트가 나왔어요.</p>\n{{products \"ozsecond\" \"new\" 3}}\n{{footer}}"
		form := campaignValues("겨울 코트", sender, 0, "겨울 코트 특가", body)
		form.Del("is_ad")
		res := e.post(t, "/admin/campaigns", form, marketer)
		wantStatus(t, res, http.StatusSeeOther, "")
		id := locationID(t, res)
		base := fmt.Sprintf("/admin/campaigns/%d", id)
		schedule := url.Values{"when": {"now"}, "timezone": {"Asia/Seoul"}, "zone": {"company"}}

		// The campaign page warns before anyone tries to schedule.
		page := e.get(t, base+"?lang=en", marketer)
		if !strings.Contains(page.Body, `id="ad-rule-warning"`) || !strings.Contains(html.UnescapeString(page.Body), `Body, line 2, block 2 (product block): {{products "ozsecond" "new" 3}}`) {
			t.Errorf("campaign page does not explain the ad rule:\n%s", page.Body)
		}
		if strings.Contains(page.Body, `id="ad-override-form"`) {
			t.Error("a marketer is offered the override")
		}

		t.Run("RefusedUnmarked", func(t *testing.T) {
			res := e.post(t, base+"/schedule?lang=ko", schedule, marketer)
			wantStatus(t, res, http.StatusUnprocessableEntity, "")
			text := html.UnescapeString(res.Body)
			for _, want := range []string{`id="error-is_ad"`, `id="ad-signals"`, "제목 (세일·이벤트 문구): 특가", `본문 2번째 줄, 블록 2 (상품 블록): {{products "ozsecond" "new" 3}}`} {
				if !strings.Contains(text, want) {
					t.Errorf("refusal lacks %q:\n%s", want, text)
				}
			}
			if c, _ := db.CampaignByID(ctx, id); c.Status != fanmail.CampaignDraft {
				t.Errorf("status %s after a refusal", c.Status)
			}
		})
		t.Run("RefusedTransactional", func(t *testing.T) {
			f := campaignValues("겨울 코트", sender, 0, "겨울 코트 특가", body)
			f.Set("kind", fanmail.CampaignTransactional)
			f.Del("is_ad")
			wantStatus(t, e.post(t, base, f, marketer), http.StatusSeeOther, base)
			res := e.post(t, base+"/schedule?lang=en", schedule, marketer)
			wantStatus(t, res, http.StatusUnprocessableEntity, "")
			if !strings.Contains(res.Body, "cannot go out as transactional mail") {
				t.Errorf("transactional refusal:\n%s", res.Body)
			}
			f.Set("kind", fanmail.CampaignMarketing)
			wantStatus(t, e.post(t, base, f, marketer), http.StatusSeeOther, base)
		})
		t.Run("OverrideByMarketerRefused", func(t *testing.T) {
			res := e.post(t, base+"/ad-override", url.Values{"reason": {"급해요"}}, marketer)
			wantStatus(t, res, http.StatusForbidden, "")
			if c, _ := db.CampaignByID(ctx, id); c.AdOverride != nil {
				t.Errorf("override recorded: %+v", c.AdOverride)
			}
		})
		t.Run("OverrideNeedsReason", func(t *testing.T) {
			res := e.post(t, base+"/ad-override?lang=en", url.Values{"reason": {"  "}}, admin)
			wantStatus(t, res, http.StatusUnprocessableEntity, "")
			if !strings.Contains(res.Body, `id="error-reason"`) {
				t.Errorf("no reason error:\n%s", res.Body)
			}
		})
		t.Run("OverrideByAdmin", func(t *testing.T) {
			page := e.get(t, base, admin)
			if !strings.Contains(page.Body, `id="ad-override-form"`) {
				t.Fatalf("an administrator is not offered the override:\n%s", page.Body)
			}
			reason := "매장 이전 안내이며 상품 블록은 위치 안내용입니다"
			wantStatus(t, e.post(t, base+"/ad-override", url.Values{"reason": {reason}}, admin), http.StatusSeeOther, base)
			c, _ := db.CampaignByID(ctx, id)
			if o := c.AdOverride; o == nil || o.Reason != reason || o.UserID == 0 || o.At.IsZero() {
				t.Fatalf("override = %+v", c.AdOverride)
			}
			page = e.get(t, base+"?lang=en", marketer)
			if !strings.Contains(page.Body, `id="ad-rule-overridden"`) || !strings.Contains(page.Body, reason) || !strings.Contains(page.Body, "박서준") {
				t.Errorf("campaign page does not show the override:\n%s", page.Body)
			}
			// Editing the content voids the override.
			f := campaignValues("겨울 코트", sender, 0, "겨울 코트 특가 39,000원", body)
			f.Del("is_ad")
			wantStatus(t, e.post(t, base, f, marketer), http.StatusSeeOther, base)
			wantStatus(t, e.post(t, base+"/schedule", schedule, marketer), http.StatusUnprocessableEntity, "")
			f.Set("subject", "겨울 코트 특가")
			wantStatus(t, e.post(t, base, f, marketer), http.StatusSeeOther, base)
			wantStatus(t, e.post(t, base+"/schedule", schedule, marketer), http.StatusSeeOther, base)
			if c, _ := db.CampaignByID(ctx, id); c.Status != fanmail.CampaignScheduled {
				t.Errorf("overridden campaign: status %s", c.Status)
			}
		})

		t.Run("MarkedAsAdSends", func(t *testing.T) {
			res := e.post(t, "/admin/campaigns", campaignValues("겨울 코트 광고", sender, 0, "겨울 코트 특가", body), marketer)
			wantStatus(t, res, http.StatusSeeOther, "")
			adBase := "/admin/campaigns/" + strconv.FormatInt(locationID(t, res), 10)
			wantStatus(t, e.post(t, adBase+"/schedule", schedule, marketer), http.StatusSeeOther, adBase)
			relay, err := email.ParseRelayURL(e.smtp.URL())
			if err != nil {
				t.Fatal(err)
			}
			engine := campaign.New(db, campaign.Options{BaseURL: e.cfg.BaseURL, Relays: []email.Relay{relay}, PollInterval: time.Nanosecond}, nil)
			t.Cleanup(func() { engine.Close() })
			for range 2 {
				if err := engine.Tick(ctx); err != nil {
					t.Fatal(err)
				}
				if _, err := engine.SendDue(ctx); err != nil {
					t.Fatal(err)
				}
			}
			msgs := e.smtp.WaitFor(t, 1, 10*time.Second)
			var ad bool
			for _, m := range msgs {
				if m.Subject == "(광고) 겨울 코트 특가" {
					ad = true
					if m.Header.Get("List-Unsubscribe") == "" || m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
						t.Errorf("ad without RFC 8058 headers: %v", m.Header)
					}
				}
			}
			if !ad {
				t.Errorf("no mail with (광고) among %d", len(msgs))
			}
		})
	})
}
