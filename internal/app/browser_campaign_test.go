package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/member"
)

// campaignFinishTimeout bounds the wait for a whole campaign to be sent and
// shown as finished; the machine may be busy.
const campaignFinishTimeout = 3 * time.Minute

// campaignMember is a member seeded for the campaign test.
type campaignMember struct {
	Code, Name, Email, Phone, Gender string
	BirthYear                        int
	Brands                           []string // brand slugs
	Marketing                        bool     // e-mail marketing consent
}

// TestBrowser_CampaignSent is a marketer's whole campaign in the staff UI:
// add a sender, build a segment watching its live count, write an
// advertisement with a merge field and the legal footer, preview it as a
// member, schedule it now and watch the live progress until it has finished.
// Exactly the consenting members of the segment get the mail, with "(광고)",
// their name and the RFC 8058 unsubscribe headers.
func TestBrowser_CampaignSent(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		needBrowser(t)
		ta := startApp(t, engine)

		// Women born around 2002 who like 오즈세컨 are the audience; the
		// others each miss it for one reason.
		var (
			jimin  = campaignMember{Code: "jimin02", Name: "김지민", Email: "jimin.kim@example.com", Phone: "010-3100-2002", Gender: fanmail.GenderFemale, BirthYear: 2002, Brands: []string{"ozsecond"}, Marketing: true}
			sua    = campaignMember{Code: "sua03", Name: "이수아", Email: "sua.lee@example.com", Phone: "010-3100-2003", Gender: fanmail.GenderFemale, BirthYear: 2003, Brands: []string{"ozsecond", "mine"}, Marketing: true}
			haeun  = campaignMember{Code: "haeun01", Name: "박하은", Email: "haeun.park@example.com", Phone: "010-3100-2001", Gender: fanmail.GenderFemale, BirthYear: 2001, Brands: []string{"ozsecond"}, Marketing: true}
			minjun = campaignMember{Code: "minjun02", Name: "최민준", Email: "minjun.choi@example.com", Phone: "010-3100-3002", Gender: fanmail.GenderMale, BirthYear: 2002, Brands: []string{"ozsecond"}, Marketing: true}
			yuna   = campaignMember{Code: "yuna02", Name: "정유나", Email: "yuna.jung@example.com", Phone: "010-3100-4002", Gender: fanmail.GenderFemale, BirthYear: 2002, Brands: []string{"mine"}, Marketing: true}
			seoyun = campaignMember{Code: "seoyun02", Name: "한서윤", Email: "seoyun.han@example.com", Phone: "010-3100-5002", Gender: fanmail.GenderFemale, BirthYear: 2002, Brands: []string{"ozsecond"}, Marketing: false}
		)
		audience := []campaignMember{jimin, sua, haeun}
		others := []campaignMember{minjun, yuna, seoyun}
		all := append(slices.Clone(audience), others...)
		seedCampaignMembers(t, ta, all)
		// Confirmed members with favourite brands also get chip mails and
		// brand survey invitations from the fan program, at their own
		// pace: those are not counted here.
		notChip := func(m channeltest.Message) bool {
			return !strings.Contains(m.Subject, "매니아칩") && !strings.Contains(m.Subject, "브랜드 설문")
		}
		confirmations := len(slices.DeleteFunc(ta.SMTP.Messages(), func(m channeltest.Message) bool { return !notChip(m) }))
		const (
			senderName    = "오즈세컨 강남점"
			senderFrom    = "news@ozsecond.example.com"
			senderAddress = "서울특별시 강남구 테헤란로 152"
			senderPhone   = "02-555-0152"
			segmentName   = "오즈세컨을 좋아하는 여성 회원"
			campaignName  = "2026 봄 신상품 (오즈세컨)"
			subject       = "오즈세컨 봄 신상품이 도착했어요"
		)
		body := "<p>{{.Member.Name}}님, 안녕하세요!</p>\n" +
			"<p>오즈세컨의 봄 신상품을 가장 먼저 소개해 드립니다.</p>\n" +
			"{{products \"ozsecond\" \"new\" 2}}\n" +
			"{{footer}}"

		b := newBrowser(t, ta.URL)
		b.signInAdmin(ta)

		// A sender with the details an advertisement's footer shows.
		b.open("/admin/senders")
		b.waitVisible("#no-senders")
		b.click(`a[href="/admin/senders/new"][role="button"]`)
		b.waitVisible("#sender-form")
		b.fill(`#sender-form input[name="name"]`, senderName)
		b.check(`#sender-form input[name="kind"][value="brand"]`)
		b.fill(`#sender-form input[name="from_name"]`, "오즈세컨")
		b.fill(`#sender-form input[name="from_email"]`, senderFrom)
		b.fill(`#sender-form input[name="address"]`, senderAddress)
		b.fill(`#sender-form input[name="phone"]`, senderPhone)
		b.click(`#sender-form button[type="submit"]`)
		b.waitVisible("#senders")
		if got := b.text("#senders tbody"); !strings.Contains(got, senderName) || !strings.Contains(got, senderAddress) {
			t.Errorf("sender list = %q, want %s with its address", got, senderName)
		}

		// The segment, built condition by condition with the live count.
		b.open("/admin/segments/new")
		b.waitVisible("#segment-form")
		b.fill("#segment-name", segmentName)
		b.selectAndChange(`select[name="g.c0.field"]`, fanmail.FieldGender)
		b.waitVisible(`input[name="g.c0.values"][value="female"]`)
		b.waitHTMXIdle()
		b.check(`input[name="g.c0.values"][value="female"]`)
		// Five women, whatever their consent: a segment is evaluated for
		// consent when a campaign is sent.
		b.waitSegmentCount(5)
		b.waitHTMXIdle()
		b.click(`button[name="do"][value="add:g"]`)
		b.selectAndChange(`select[name="g.c1.field"]`, fanmail.FieldBrand)
		oz := `//div[@id='g.c1']//label[contains(., '오즈세컨')]/input`
		b.waitVisible(oz)
		b.waitHTMXIdle()
		b.check(oz)
		b.waitSegmentCount(4)
		if got := b.text("#segment-count"); !strings.Contains(got, "명이 조건에 맞습니다") {
			t.Errorf("segment count = %q, want the Korean count", got)
		}
		if got := b.value("#segment-name"); got != segmentName {
			t.Errorf("segment name after rebuilding the form = %q, want %q", got, segmentName)
		}
		b.click(`//form[@id='segment-form']/button[@type='submit' and not(@name)]`)
		b.waitVisible("p.flash")
		if got := b.text("p.flash"); got != "세그먼트를 저장했습니다." {
			t.Errorf("flash after saving the segment = %q", got)
		}
		if id := pathID(t, b.location(), "/admin/segments/"); id == 0 {
			t.Fatalf("saving the segment led to %s", b.location())
		}
		b.open("/admin/segments")
		if got := b.text("#segments tbody"); !strings.Contains(got, segmentName) || !strings.Contains(got, "오즈세컨") {
			t.Errorf("segment list = %q, want %s with its brand condition", got, segmentName)
		}

		// The campaign: an advertisement to the segment.
		b.open("/admin/campaigns/new")
		b.waitVisible("#campaign-form")
		b.fill(`#campaign-form input[name="name"]`, campaignName)
		if !b.checked(`#campaign-form input[name="kind"][value="marketing"]`) || !b.checked(`#campaign-form input[name="is_ad"]`) {
			t.Errorf("a new campaign is not a marketing advertisement by default")
		}
		b.choose(`#campaign-form select[name="sender_id"]`, b.optionValue(`#campaign-form select[name="sender_id"]`, senderName))
		b.choose(`#campaign-form select[name="segment_id"]`, b.optionValue(`#campaign-form select[name="segment_id"]`, segmentName))
		b.fill(`#campaign-form input[name="subject"]`, subject)
		b.fill(`#campaign-form textarea[name="body"]`, body)
		b.click(`#campaign-form button[type="submit"]`)
		b.waitVisible("#campaign-name")
		campaignID := pathID(t, b.location(), "/admin/campaigns/")
		if campaignID == 0 {
			t.Fatalf("saving the campaign led to %s", b.location())
		}
		if got := b.text("#campaign-name"); got != campaignName {
			t.Errorf("campaign heading = %q, want %q", got, campaignName)
		}
		if got := b.attr("#campaign-status", "data-status"); got != fanmail.CampaignDraft {
			t.Errorf("saved campaign status = %q, want draft", got)
		}

		// The preview as 김지민 gets it, then as a member without consent.
		b.click("#campaign-preview")
		b.waitVisible("#preview-member-form")
		b.fill(`#preview-member-form input[name="q"]`, jimin.Email)
		b.click(`#preview-member-form button[type="submit"]`)
		b.waitVisible("#preview-message")
		if got := b.text("#preview-member"); got != jimin.Name {
			t.Errorf("preview member = %q, want %s", got, jimin.Name)
		}
		frame := b.attr("#preview-html", "src")
		if got := b.text("#preview-text"); !strings.Contains(got, jimin.Name+"님") {
			t.Errorf("preview text part does not greet %s:\n%s", jimin.Name, got)
		}
		headers := b.text("#preview-headers")
		for _, want := range []string{"Subject", subject, "List-Unsubscribe", "List-Unsubscribe=One-Click"} {
			if !strings.Contains(headers, want) {
				t.Errorf("preview headers lack %q:\n%s", want, headers)
			}
		}
		if ad := strings.Index(headers, fanmail.AdSubjectPrefix); ad < 0 || ad > strings.Index(headers, subject) {
			t.Errorf("preview subject does not start with %s:\n%s", fanmail.AdSubjectPrefix, headers)
		}
		if b.count("#preview-no-consent") != 0 {
			t.Errorf("the preview says %s has no marketing consent", jimin.Name)
		}
		// The frame's mail HTML, opened on its own (its styles are inline).
		b.open(frame)
		mailHTML := b.html()
		for _, want := range []string{jimin.Name + "님, 안녕하세요!", senderName, senderAddress, senderPhone, "/u/"} {
			if !strings.Contains(mailHTML, want) {
				t.Errorf("preview HTML lacks %q:\n%s", want, mailHTML)
			}
		}
		b.open(fmt.Sprintf("/admin/campaigns/%d/preview?q=%s", campaignID, url.QueryEscape(seoyun.Email)))
		b.waitVisible("#preview-no-consent")
		if got := b.text("#preview-member"); got != seoyun.Name {
			t.Errorf("preview member = %q, want %s", got, seoyun.Name)
		}

		// Schedule now and watch the live progress: the page is not
		// reloaded, htmx refreshes its live part until the campaign ends.
		b.open(fmt.Sprintf("/admin/campaigns/%d", campaignID))
		b.check(`#schedule-form input[name="when"][value="now"]`)
		b.click("#schedule-submit")
		b.waitVisible("p.flash")
		if got := b.text("p.flash"); got != "캠페인 발송을 예약했습니다." {
			t.Errorf("flash after scheduling = %q", got)
		}
		run(b, "mark the page", chromedp.Evaluate[chromedp.Void](`window.fanmailNotReloaded = true`))
		// Usually still scheduled here; when the engine was quicker than the
		// redirect, the page shows the end at once.
		t.Logf("status on the campaign page after scheduling: %s", b.attr("#campaign-status", "data-status"))
		b.waitJS("the campaign to finish with 3 sent", campaignFinishTimeout,
			`(() => { const s = document.getElementById('campaign-status'), n = document.getElementById('progress-sent');
				return !!s && s.dataset.status === 'finished' && !!n && n.textContent.trim() === '3' })()`)
		if !run(b, "read the mark", chromedp.Evaluate[bool](`window.fanmailNotReloaded === true`)) {
			t.Errorf("the campaign page was reloaded; want the live part refreshed in place")
		}
		if got := b.text("#campaign-status"); got != "끝남" {
			t.Errorf("status = %q, want 끝남", got)
		}
		for sel, want := range map[string]string{
			"#progress-total": "3", "#progress-done": "3", "#progress-queued": "0", "#progress-sending": "0",
			"#progress-failed": "0", "#progress-skipped": "0", "#stat-sent .count": "3",
		} {
			if got := b.text(sel); got != want {
				t.Errorf("%s = %q, want %s", sel, got, want)
			}
		}
		if got := b.attr("#campaign-progress-bar", "value"); got != "3" {
			t.Errorf("progress bar value = %q, want 3", got)
		}
		b.screenshot("campaign-finished-" + engine)

		// The SMTP server got the three mails and nothing more.
		msgs := ta.SMTP.WaitForMatching(t, confirmations+len(audience), 60*time.Second, notChip)
		if len(msgs) != confirmations+len(audience) {
			t.Fatalf("the SMTP server got %d campaign mails, want %d", len(msgs)-confirmations, len(audience))
		}
		got := map[string]channeltest.Message{}
		for _, m := range msgs[confirmations:] {
			if len(m.To) != 1 {
				t.Errorf("campaign mail %q went to %d recipients, want 1", m.Subject, len(m.To))
				continue
			}
			if _, dup := got[m.To[0]]; dup {
				t.Errorf("a member got the campaign twice")
			}
			got[m.To[0]] = m
		}
		for _, o := range others {
			if _, ok := got[o.Email]; ok {
				t.Errorf("%s got the campaign; want nothing (not in the segment or no consent)", o.Name)
			}
		}
		for _, m := range audience {
			msg, ok := got[m.Email]
			if !ok {
				t.Errorf("%s did not get the campaign", m.Name)
				continue
			}
			checkCampaignMail(t, ta, msg, m, subject, senderName, senderAddress, senderPhone)
		}

		// An open makes the campaign page draw its chart: Chart.js must work
		// under the page's Content-Security-Policy (watchCSP reports any
		// refusal).
		pixel := openPixel.FindString(msgs[confirmations].HTML)
		if pixel == "" {
			t.Fatalf("the campaign mail has no open pixel:\n%s", msgs[confirmations].HTML)
		}
		if r := get(t, client(t), pixel); r.Status != http.StatusOK {
			t.Fatalf("open pixel: status %d", r.Status)
		}
		if err := ta.Tracking.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		b.open(fmt.Sprintf("/admin/campaigns/%d", campaignID))
		b.waitJS("Chart.js to draw the opens", stepTimeout,
			`!!window.Chart && !!Chart.getChart(document.getElementById('campaign-chart'))`)
		var personal []string
		for _, m := range all {
			personal = append(personal, m.Email, m.Phone)
		}
		ta.assertNoPersonalData(t, personal...)
	})
}

// openPixel finds the open-tracking image of a campaign mail.
var openPixel = regexp.MustCompile(`https?://[^"\s]+/t/o/[^"\s]+\.gif`)

// checkCampaignMail checks one received campaign mail to m.
func checkCampaignMail(t *testing.T, ta *testApp, msg channeltest.Message, m campaignMember, subject string, sender ...string) {
	t.Helper()
	if want := fanmail.AdSubjectPrefix; !strings.HasPrefix(msg.Subject, want) || !strings.Contains(msg.Subject, subject) {
		t.Errorf("subject to %s = %q, want %q%s", m.Name, msg.Subject, want, subject)
	}
	if !strings.Contains(msg.Text, m.Name+"님, 안녕하세요!") {
		t.Errorf("text part to %s does not greet them:\n%s", m.Name, msg.Text)
	}
	if !strings.Contains(msg.HTML, m.Name+"님, 안녕하세요!") {
		t.Errorf("HTML part to %s does not greet them:\n%s", m.Name, msg.HTML)
	}
	// The catalogue block: products of 오즈세컨 with photo and price.
	if !strings.Contains(msg.HTML, "<img") || !wonAmount.MatchString(msg.HTML) {
		t.Errorf("HTML part to %s lacks the product photos and prices:\n%s", m.Name, msg.HTML)
	}
	for _, s := range sender {
		if !strings.Contains(msg.Text, s) || !strings.Contains(msg.HTML, s) {
			t.Errorf("mail to %s lacks the sender's %q in its footer", m.Name, s)
		}
	}
	unsub := strings.TrimSpace(msg.Header.Get("List-Unsubscribe"))
	if !strings.HasPrefix(unsub, "<"+ta.URL+"/u/") || !strings.HasSuffix(unsub, ">") {
		t.Errorf("List-Unsubscribe to %s = %q, want <%s/u/…>", m.Name, unsub, ta.URL)
	}
	if got := msg.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post to %s = %q, want List-Unsubscribe=One-Click", m.Name, got)
	}
	visible := false
	for _, l := range channeltest.Links(msg.Text) {
		if strings.HasPrefix(l, ta.URL+"/u/") {
			visible = true
		}
	}
	if !visible {
		t.Errorf("text part to %s has no visible unsubscribe link:\n%s", m.Name, msg.Text)
	}
}

// seedCampaignMembers registers ms through the member service, as the join
// form does, and confirms each by the link of their confirmation mail; the
// mails are all received when it returns.
func seedCampaignMembers(t *testing.T, ta *testApp, ms []campaignMember) {
	t.Helper()
	ctx := context.Background()
	qs, err := ta.Members.ProfileQuestions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	option := func(key, value string) fanmail.Answer {
		for _, q := range qs {
			if q.Key != key {
				continue
			}
			for _, o := range q.Options {
				if o.Value == value {
					return fanmail.Answer{QuestionID: q.ID, OptionIDs: []int64{o.ID}}
				}
			}
		}
		t.Fatalf("profile survey has no option %s of %s", value, key)
		return fanmail.Answer{}
	}
	brandIDs := map[string]int64{}
	for _, m := range ms {
		for _, slug := range m.Brands {
			if _, ok := brandIDs[slug]; ok {
				continue
			}
			br, err := ta.Catalog.BrandBySlug(ctx, slug, false)
			if err != nil {
				t.Fatalf("demo brand %s: %v", slug, err)
			}
			brandIDs[slug] = br.ID
		}
	}
	for _, m := range ms {
		reg := member.Registration{
			Code: m.Code, Email: m.Email, Name: m.Name, Phone: m.Phone, BirthYear: m.BirthYear, Gender: m.Gender,
			PostalCode: "06236", Address: "서울특별시 강남구 테헤란로 123", Lang: "ko",
			Answers: []fanmail.Answer{option("occupation", "university"), option("style", "simple-character")},
			Consents: []fanmail.ConsentDecision{
				{Purpose: fanmail.PurposeTerms, Granted: true},
				{Purpose: fanmail.PurposePrivacy, Granted: true},
				{Purpose: fanmail.PurposeMarketingEmail, Granted: m.Marketing},
			},
			Source: fanmail.SourceWeb, IP: "203.0.113.20",
		}
		for _, slug := range m.Brands {
			reg.BrandIDs = append(reg.BrandIDs, brandIDs[slug])
		}
		if _, err := ta.Members.Register(ctx, reg); err != nil {
			t.Fatalf("register %s: %v", m.Name, err)
		}
	}
	msgs := ta.SMTP.WaitFor(t, len(ms), 60*time.Second)
	for _, msg := range msgs {
		link, err := url.Parse(mailLink(t, msg, "/confirm"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ta.Members.Confirm(ctx, link.Query().Get("token"), fanmail.OptInConfirmation{}); err != nil {
			t.Fatalf("confirm a seeded member: %v", err)
		}
	}
	for _, m := range ms {
		got, err := ta.Members.MemberByEmail(ctx, m.Email)
		if err != nil {
			t.Fatal(err)
		}
		if !got.IsActive() {
			t.Fatalf("%s is %s after confirming, want active", m.Name, got.Status)
		}
	}
}

var (
	trailingID = regexp.MustCompile(`^(\d+)(?:[/?#]|$)`)
	wonAmount  = regexp.MustCompile(`\d{1,3}(,\d{3})+원`)
)

// pathID returns the number following prefix in the path of u, or 0.
func pathID(t *testing.T, u, prefix string) int64 {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatalf("parse %s: %v", u, err)
	}
	rest, ok := strings.CutPrefix(p.Path, prefix)
	if !ok {
		return 0
	}
	m := trailingID.FindStringSubmatch(rest)
	if m == nil {
		return 0
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// selectAndChange picks value in the select element css and lets the page
// know, as picking it by hand does (a "change" event, which htmx acts on).
func (b *browser) selectAndChange(css, value string) {
	b.t.Helper()
	b.waitVisible(css)
	b.waitHTMXIdle()
	sel, _ := json.Marshal(css)
	val, _ := json.Marshal(value)
	ok := run(b, "choose "+value+" in "+css, chromedp.Evaluate[bool](fmt.Sprintf(
		`(() => { const s = document.querySelector(%s); if (!s) return false; s.value = %s;
			if (s.value !== %s) return false; s.dispatchEvent(new Event('change', {bubbles: true})); return true })()`,
		sel, val, val)))
	if !ok {
		b.t.Fatalf("%s has no option %q\n%s", css, value, b.describe())
	}
}

// optionValue returns the value of the option of the select element css
// whose text contains text.
func (b *browser) optionValue(css, text string) string {
	b.t.Helper()
	sel, _ := json.Marshal(css)
	txt, _ := json.Marshal(text)
	v := run(b, "find option "+text+" in "+css, chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { const o = Array.from(document.querySelectorAll(%s + ' option')).find(o => o.textContent.includes(%s)); return o ? o.value : '' })()`,
		sel, txt)))
	if v == "" {
		b.t.Fatalf("%s has no option %q\n%s", css, text, b.describe())
	}
	return v
}

// attr returns the attribute name of the element matching the CSS selector
// css, "" when it has none.
func (b *browser) attr(css, name string) string {
	b.t.Helper()
	b.waitVisible(css)
	sel, _ := json.Marshal(css)
	n, _ := json.Marshal(name)
	return run(b, "read "+name+" of "+css, chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { const e = document.querySelector(%s); return (e && e.getAttribute(%s)) || '' })()`, sel, n)))
}

// html returns the markup of the page shown, read through the DOM rather
// than a script: the page may allow none (the campaign preview's frame).
func (b *browser) html() string {
	b.t.Helper()
	return run(b, "read the page", chromedp.OuterHTML(chromedp.CSS("html")))
}

// count returns how many elements match the CSS selector css.
func (b *browser) count(css string) int {
	b.t.Helper()
	sel, _ := json.Marshal(css)
	return run(b, "count "+css, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%s).length`, sel)))
}

// waitJS waits up to timeout until the JavaScript expression expr is true.
func (b *browser) waitJS(what string, timeout time.Duration, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout+10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr,
		chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(250*time.Millisecond))); err != nil {
		b.t.Fatalf("wait for %s: %v\n%s", what, err, b.describe())
	}
}

// waitHTMXIdle waits until htmx has no request in flight and has swapped
// and settled what came back, so new content reacts to what the test does.
func (b *browser) waitHTMXIdle() {
	b.t.Helper()
	b.waitJS("htmx to settle", stepTimeout,
		`!!window.htmx && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')`)
}

// waitSegmentCount waits until the segment builder's live count shows n.
func (b *browser) waitSegmentCount(n int) {
	b.t.Helper()
	b.waitJS(fmt.Sprintf("the segment count to show %d", n), stepTimeout, fmt.Sprintf(
		`(() => { const e = document.querySelector('#segment-count-value strong'); return !!e && e.textContent.trim() === '%d' })()`, n))
}
