package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// stepTimeout bounds each browser step; the machine may be busy.
const stepTimeout = 60 * time.Second

// browser is one headless Chromium tab driven through chromedp. Every
// chromedp call of the tests goes through its methods. Selectors starting
// with "/" or "(" are XPath queries, all others CSS selectors.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string // the app's base URL
}

// chromiumPath returns the browser to run: $FANMAIL_CHROMIUM, else Debian's
// chromium when installed, else "".
func chromiumPath() string {
	if p := os.Getenv("FANMAIL_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// needBrowser returns the Chromium to run, or skips the test (fails it when
// FANMAIL_TEST_REQUIRE names "browser") when there is none or under -short.
// Tests call it first, so a skipped test starts nothing.
func needBrowser(t *testing.T) string {
	t.Helper()
	if testing.Short() && !storetest.Required("browser") {
		t.Skip("browser tests do not run with -short")
	}
	path := chromiumPath()
	if path == "" {
		storetest.RequiredOrSkip(t, "browser", "no Chromium: install chromium or set FANMAIL_CHROMIUM")
	}
	return path
}

// newBrowser starts a fresh Chromium (own profile directory) for the app at
// base; see needBrowser for when it skips instead.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	path := needBrowser(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "ko-KR"),
		chromedp.Flag("accept-lang", "ko-KR,ko"),
		chromedp.WindowSize(1280, 1024),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	// Before t.TempDir removes the profile: the browser must be gone.
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// The first call starts the browser; it gets no step timeout, which
	// would end the browser with it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	watchCSP(t, ctx)
	return &browser{t: t, ctx: ctx, base: base}
}

// watchCSP fails the test, when it ends, for every Content-Security-Policy
// violation the browser reported on the tab of ctx: a script, style or
// handler that the policy refused is a page that broke (htmx, Chart.js, a
// confirm dialog) even when the test's steps still passed.
func watchCSP(t *testing.T, ctx context.Context) {
	t.Helper()
	var (
		mu         sync.Mutex
		violations []string
	)
	err := chromedp.Listen(ctx, func(ev any) {
		e, ok := ev.(*cdplog.EventEntryAdded)
		if !ok || e.Entry == nil || !strings.Contains(e.Entry.Text, "Content Security Policy") {
			return
		}
		mu.Lock()
		violations = append(violations, e.Entry.URL+": "+e.Entry.Text)
		mu.Unlock()
	})
	if err != nil {
		t.Fatalf("listen to the browser log: %v", err)
	}
	// Registered after newBrowser's cleanup, so it runs before the browser
	// is gone.
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, v := range violations {
			t.Errorf("CSP violation: %s", v)
		}
	})
}

// query builds the action of an element query for sel.
func query[T any](sel string,
	css func(chromedp.CSS, ...chromedp.QueryOption) chromedp.Action[T],
	search func(chromedp.Search, ...chromedp.QueryOption) chromedp.Action[T],
) chromedp.Action[T] {
	if strings.HasPrefix(sel, "/") || strings.HasPrefix(sel, "(") {
		return search(chromedp.Search(sel))
	}
	return css(chromedp.CSS(sel))
}

// run runs one step with the step timeout and fails the test on error,
// saying what the page showed.
func run[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v\n%s", what, err, b.describe())
	}
	return v
}

// describe returns the current URL and the start of the page's text, for
// failure messages.
func (b *browser) describe() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if len(text) > 2000 {
		text = text[:2000] + "…"
	}
	return fmt.Sprintf("page %s shows:\n%s", loc, text)
}

// open navigates to path (relative to the app) and fails unless the answer
// is a 2xx page.
func (b *browser) open(path string) {
	b.t.Helper()
	resp := run(b, "open "+path, chromedp.NavigateResponse(b.url(path)))
	if resp == nil || resp.Status < 200 || resp.Status > 299 {
		status := int64(0)
		if resp != nil {
			status = resp.Status
		}
		b.t.Fatalf("open %s: status %d\n%s", path, status, b.describe())
	}
}

// openStatus navigates to path and returns the HTTP status of the answer.
func (b *browser) openStatus(path string) int64 {
	b.t.Helper()
	resp := run(b, "open "+path, chromedp.NavigateResponse(b.url(path)))
	if resp == nil {
		b.t.Fatalf("open %s: no response", path)
	}
	return resp.Status
}

func (b *browser) url(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return b.base + path
}

// waitVisible waits until the element sel is shown.
func (b *browser) waitVisible(sel string) {
	b.t.Helper()
	run(b, "wait for "+sel, query(sel, chromedp.WaitVisible[chromedp.CSS], chromedp.WaitVisible[chromedp.Search]))
}

// click clicks the element sel once the page has finished loading: chromedp
// clicks at the element's position, and an image loading after that moment
// can move the element, so the click lands beside it (seen on a brand shelf
// under load).
func (b *browser) click(sel string) {
	b.t.Helper()
	run(b, "wait for the page to load", chromedp.Poll[bool](`document.readyState === "complete"`,
		chromedp.WithPollingTimeout(stepTimeout)))
	run(b, "click "+sel, query(sel, chromedp.Click[chromedp.CSS], chromedp.Click[chromedp.Search]))
}

// fill types value into the empty field sel, as a person would, and checks
// the field then holds it.
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	run(b, "type into "+sel, query(sel,
		func(s chromedp.CSS, o ...chromedp.QueryOption) chromedp.Action[chromedp.Void] {
			return chromedp.SendKeys(s, value, o...)
		},
		func(s chromedp.Search, o ...chromedp.QueryOption) chromedp.Action[chromedp.Void] {
			return chromedp.SendKeys(s, value, o...)
		}))
	if got := b.value(sel); got != value {
		b.t.Fatalf("field %s holds %q after typing %q", sel, got, value)
	}
}

// choose picks value in the select element sel.
func (b *browser) choose(sel, value string) {
	b.t.Helper()
	run(b, "choose "+value+" in "+sel, query(sel,
		func(s chromedp.CSS, o ...chromedp.QueryOption) chromedp.Action[chromedp.Void] {
			return chromedp.SetValue(s, value, o...)
		},
		func(s chromedp.Search, o ...chromedp.QueryOption) chromedp.Action[chromedp.Void] {
			return chromedp.SetValue(s, value, o...)
		}))
}

// check ticks the checkbox or radio button sel (clicking it when it is not
// ticked yet) and checks that it is ticked.
func (b *browser) check(sel string) {
	b.t.Helper()
	if !b.checked(sel) {
		b.click(sel)
	}
	if !b.checked(sel) {
		b.t.Fatalf("%s is not ticked after clicking it", sel)
	}
}

func (b *browser) checked(sel string) bool {
	b.t.Helper()
	return run(b, "read "+sel, query(sel,
		func(s chromedp.CSS, o ...chromedp.QueryOption) chromedp.Action[bool] {
			return chromedp.JavascriptAttribute[bool](s, "checked", o...)
		},
		func(s chromedp.Search, o ...chromedp.QueryOption) chromedp.Action[bool] {
			return chromedp.JavascriptAttribute[bool](s, "checked", o...)
		}))
}

// value returns the current value of the field sel.
func (b *browser) value(sel string) string {
	b.t.Helper()
	return run(b, "read "+sel, query(sel, chromedp.Value[chromedp.CSS], chromedp.Value[chromedp.Search]))
}

// text returns the visible text of the element sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return run(b, "read "+sel, query(sel, chromedp.Text[chromedp.CSS], chromedp.Text[chromedp.Search]))
}

// texts returns the trimmed text of every element matching the CSS
// selector css, in document order.
func (b *browser) texts(css string) []string {
	b.t.Helper()
	sel, _ := json.Marshal(css)
	return run(b, "read all "+css, chromedp.Evaluate[[]string](fmt.Sprintf(
		`Array.from(document.querySelectorAll(%s), e => e.textContent.trim())`, sel)))
}

// location returns the URL of the page shown.
func (b *browser) location() string {
	b.t.Helper()
	return run(b, "read location", chromedp.Location())
}

// waitImage waits until the image matching the CSS selector css has loaded
// and has a size, i.e. the browser could fetch and decode it.
func (b *browser) waitImage(css string) {
	b.t.Helper()
	sel, _ := json.Marshal(css)
	run(b, "wait for image "+css, chromedp.Poll[bool](fmt.Sprintf(
		`(() => { const i = document.querySelector(%s); return !!i && i.complete && i.naturalWidth > 0 })()`, sel),
		chromedp.WithPollingTimeout(stepTimeout)))
}

// screenshot saves the whole page as a PNG named name into the test's
// temporary directory, or into $FANMAIL_TEST_SCREENSHOTS when set (to look
// at it after the test), and returns its path.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	buf := run(b, "screenshot", chromedp.FullScreenshot(100))
	dir := os.Getenv("FANMAIL_TEST_SCREENSHOTS")
	if dir == "" {
		dir = b.t.TempDir()
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
	return path
}

// signInAdmin signs the browser in as the app's first admin.
func (b *browser) signInAdmin(ta *testApp) {
	b.open("/admin/login?lang=ko")
	b.fill(`form[action="/admin/login"] input[name="email"]`, ta.AdminEmail)
	b.fill(`form[action="/admin/login"] input[name="password"]`, ta.AdminPassword)
	b.click(`form[action="/admin/login"] button[type="submit"]`)
	b.waitVisible(`form[action="/admin/logout"]`)
}

// brandBox is the checkbox of a brand, found by its name in a brand group.
func brandBox(groupSlug, brand string) string {
	return fmt.Sprintf(`//fieldset[@id='brands-%s']//label[contains(., '%s')]/input`, groupSlug, brand)
}

// optionBox is the radio button or checkbox of an answer, found by its label
// in the question with key.
func optionBox(questionKey, label string) string {
	return fmt.Sprintf(`//fieldset[@id='q-%s']//label[contains(., '%s')]/input`, questionKey, label)
}

// TestBrowser_VisitorJoins is the visitor's whole way in: browse the
// catalogue, join with a Korean name, profile answers and two brands, confirm
// by the mailed link, sign in by a mailed link and see the brands.
func TestBrowser_VisitorJoins(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		needBrowser(t)
		ta := startApp(t, engine)
		b := newBrowser(t, ta.URL)
		const (
			name  = "김민지"
			email = "minji.kim@example.com"
			phone = "010-2345-6789"
		)

		// The catalogue: home → brand → product.
		b.open("/?lang=ko")
		b.waitVisible("#home-intro")
		b.click(`a[href="/catalog/brands/ozsecond"]`)
		b.waitVisible("#shelf-new")
		if got := b.text("h1"); got != "오즈세컨" {
			t.Errorf("brand page heading = %q, want 오즈세컨", got)
		}
		b.click(`//section[@id='shelf-new']//h3/a[contains(., '쉬폰 원피스')]`)
		b.waitVisible("#product")
		if got := b.text("#product h1"); got != "시크 쉬폰 원피스" {
			t.Errorf("product heading = %q, want 시크 쉬폰 원피스", got)
		}
		if got := b.text("#product-styling"); !strings.Contains(got, "플랫 슈즈") {
			t.Errorf("styling advice = %q, want the Korean advice about 플랫 슈즈", got)
		}
		if got := b.text("#product-price"); !strings.Contains(got, "원") && !strings.Contains(got, "₩") {
			t.Errorf("price = %q, want an amount in won", got)
		}
		b.waitImage("#product img")

		// Join.
		b.open("/join")
		b.waitVisible("#join-form")
		b.fill("#reg-code", "minji96")
		b.fill("#reg-email", email)
		b.fill("#reg-name", name)
		b.fill("#reg-birth-year", "1996")
		b.choose("#reg-gender", "female")
		b.fill("#reg-phone", phone)
		b.fill("#reg-postal-code", "04524")
		b.fill("#reg-address", "서울특별시 중구 세종대로 110")
		b.check(optionBox("occupation", "회사원(전문직)"))
		b.check(optionBox("style", "심플하면서도 여성스러움이 가미된 캐릭터 스타일"))
		b.check(optionBox("info_sources", "SNS"))
		b.check(optionBox("info_sources", "매장 방문"))
		b.check(optionBox("wanted_info", "이벤트나 세일 소식"))
		b.fill("#q-fashion_sites input", "무신사, W컨셉")
		b.check(brandBox("casual", "오즈세컨"))
		b.check(brandBox("formal", "마인"))
		b.check(`input[name="consent_terms"]`)
		b.check(`input[name="consent_privacy"]`)
		b.check(`input[name="consent_marketing_email"]`)
		b.click("#join-submit")
		b.waitVisible("#join-done")

		// The confirmation mail, in Korean, with a link that activates.
		msg := ta.waitMail(t, 1)
		if len(msg.To) != 1 || msg.To[0] != email {
			t.Errorf("confirmation mail went to %v, want %s", msg.To, email)
		}
		if !strings.Contains(msg.Subject, "이메일 주소를 확인해 주세요") {
			t.Errorf("confirmation subject = %q, want the Korean subject", msg.Subject)
		}
		if !strings.Contains(msg.Text, name) {
			t.Errorf("confirmation mail does not greet %s:\n%s", name, msg.Text)
		}
		// The link opens a page; the member is still pending until they
		// press its button (a mail scanner does not).
		b.open(mailLink(t, msg, "/confirm"))
		b.waitVisible("#confirm-button")
		if m, err := ta.Members.MemberByEmail(context.Background(), email); err != nil || m.Status != fanmail.MemberPending {
			t.Fatalf("member after opening the link: %v, status %s; want pending", err, m.Status)
		}
		b.click("#confirm-button")
		b.waitVisible("#confirmed")
		m, err := ta.Members.MemberByEmail(context.Background(), email)
		if err != nil {
			t.Fatal(err)
		}
		if ev, err := ta.Members.OptInConfirmation(context.Background(), m.ID); err != nil || ev.IP != "127.0.0.1" || !strings.Contains(ev.UserAgent, "Chrome") {
			t.Errorf("opt-in evidence: %+v, %v; want the browser's address and user agent", ev, err)
		}
		if !m.IsActive() || m.Name != name || m.Source != "web" || m.ShopID != 0 {
			t.Errorf("member after confirming: status %s, name %q, source %q, shop %d; want active, %s, web, 0",
				m.Status, m.Name, m.Source, m.ShopID, name)
		}

		// Sign in with a mailed link; the link page asks for a press of
		// a button, so a mail scanner fetching it signs nobody in.
		b.open("/login")
		b.fill("#login-email", email)
		b.click(`#login-link-form button[type="submit"]`)
		b.waitVisible("#login-sent")
		// The member chose a brand and agreed to marketing mail: confirming
		// started the fan program, so a chip mail arrives beside the sign-in.
		subject := func(part string) func(channeltest.Message) bool {
			return func(m channeltest.Message) bool { return strings.Contains(m.Subject, part) }
		}
		signin := ta.SMTP.WaitForMatching(t, 1, 60*time.Second, subject("로그인 링크"))[0]
		chip := ta.SMTP.WaitForMatching(t, 1, 60*time.Second, subject("매니아칩"))[0]
		if !strings.Contains(chip.Text, "팬으로서 설문에 성실히 답해 주셔서 매니아칩을 보내 드립니다") || !strings.HasPrefix(chip.Subject, "(광고)") {
			t.Errorf("chip mail %q:\n%s", chip.Subject, chip.Text)
		}
		b.open(mailLink(t, signin, "/login/link"))
		b.waitVisible("#login-link-confirm")
		if got := b.text("#login-link"); !strings.Contains(got, name) {
			t.Errorf("sign-in page = %q, want it to name %s", got, name)
		}
		b.click(`#login-link-confirm button[type="submit"]`)
		b.waitVisible("#portal")

		// The portal shows the member, the answers and both brands.
		if got := b.text("#portal"); !strings.Contains(got, name) {
			t.Errorf("portal does not greet %s:\n%s", name, got)
		}
		if got := b.text("#answer-occupation"); !strings.Contains(got, "회사원(전문직)") {
			t.Errorf("occupation answer = %q", got)
		}
		if got := b.text("#answer-fashion_sites"); !strings.Contains(got, "무신사, W컨셉") {
			t.Errorf("fashion sites answer = %q", got)
		}
		brands := b.texts("#portal-brands .my-brand")
		if len(brands) != 2 || !strings.HasPrefix(brands[0], "오즈세컨") || !strings.HasPrefix(brands[1], "마인") {
			t.Errorf("portal brands = %q, want 오즈세컨 and 마인", brands)
		}
		if got := b.text("#consent-marketing_email"); !strings.Contains(got, "동의") || strings.Contains(got, "동의하지 않음") {
			t.Errorf("e-mail marketing consent = %q, want granted (동의)", got)
		}
		if got := b.text("#consent-marketing_sms"); !strings.Contains(got, "동의하지 않음") {
			t.Errorf("SMS marketing consent = %q, want not granted (동의하지 않음)", got)
		}
		b.screenshot("visitor-portal-" + engine)

		// The 오즈세컨 deep survey, answered from its invitation: the
		// one-click answer opens the survey with it picked, and one press
		// sends it.
		inv := ta.SMTP.WaitForMatching(t, 1, 60*time.Second, subject("오즈세컨 브랜드 설문"))[0]
		b.open(oneClickLink(t, inv, "61-plus"))
		b.waitVisible("#survey-prefilled")
		if !b.checked(optionBox("wardrobe_share", "61% 이상")) {
			t.Errorf("the answer picked in the mail is not ticked\n%s", b.describe())
		}
		b.check(optionBox("planned_items", "니트"))
		b.screenshot("visitor-survey-" + engine)
		b.click("#survey-confirm")
		b.waitVisible("#survey-done")
		if got := b.text("#survey-done"); !strings.Contains(got, "매니아칩") {
			t.Errorf("thanks page = %q, want it to promise the chip", got)
		}
		if status := b.openStatus(oneClickLink(t, inv, "0-10")); status != 410 {
			t.Errorf("the invitation's link after answering: %d, want 410", status)
		}

		// Both brands mailed a welcome chip; the answer earned 오즈세컨's
		// survey chip and, with 61 % of the wardrobe, fan membership and
		// its gift certificate.
		chips := ta.SMTP.WaitForMatching(t, 3, 60*time.Second, subject("매니아칩"))
		var mine, oz int
		for _, c := range chips {
			switch {
			case strings.Contains(c.Subject, "마인 매니아칩"):
				mine++
			case strings.Contains(c.Subject, "오즈세컨 매니아칩"):
				oz++
			}
		}
		if mine != 1 || oz != 2 {
			t.Errorf("chip mails: %d of 마인, %d of 오즈세컨; want 1 and 2 (welcome and survey)", mine, oz)
		}
		notice := ta.SMTP.WaitForMatching(t, 1, 60*time.Second, subject("매니아 회원"))[0]
		if !strings.Contains(notice.Text, "10,000원") {
			t.Errorf("fan notice lacks its gift certificate:\n%s", notice.Text)
		}

		// The portal's chips page: 2 chips of 오즈세컨 with their numbers,
		// the certificate, 마인's survey still open; 2 chips buy the demo's
		// 5,000원 certificate, after one confirming press.
		b.open("/portal/rewards")
		b.waitVisible("#portal-rewards")
		ozChips := `//section[contains(@class,'brand-chips')][.//h2[contains(., '오즈세컨')]]`
		if got := b.text(ozChips + `//strong[contains(@class,'chip-balance')]`); got != "칩 2개" {
			t.Errorf("오즈세컨 chips = %q, want 칩 2개", got)
		}
		if got := b.text("#portal-certificates"); !strings.Contains(got, "10,000원") {
			t.Errorf("certificates = %q, want the fan's 10,000원 certificate", got)
		}
		if got := b.text("#portal-surveys"); !strings.Contains(got, "마인") {
			t.Errorf("open surveys = %q, want 마인's", got)
		}
		if got := b.text("#portal-chip-history"); !strings.Contains(got, "No:") {
			t.Errorf("chip history = %q, want chip numbers", got)
		}
		b.screenshot("visitor-rewards-" + engine)
		b.click(ozChips + `//a[contains(@href, '/redeem')]`)
		b.waitVisible("#redeem-form")
		b.click(`#redeem-form button[type="submit"]`)
		b.waitVisible("#redemption-done")
		receipt := ta.SMTP.WaitForMatching(t, 1, 60*time.Second, subject("교환 영수증"))[0]
		if len(receipt.To) != 1 || receipt.To[0] != email {
			t.Errorf("receipt went to %v", receipt.To)
		}
		b.open("/portal/rewards")
		b.waitVisible("#portal-rewards")
		if got := b.text(ozChips + `//strong[contains(@class,'chip-balance')]`); got != "칩 0개" {
			t.Errorf("오즈세컨 chips after redeeming = %q, want 칩 0개", got)
		}
		ta.assertNoPersonalData(t, email, phone)
	})
}

// TestBrowser_ShopTerminal has shop staff sign in and register a customer at
// the terminal: the member is recorded with source "shop" and the staff
// member's shop, and the customer gets the confirmation mail.
func TestBrowser_ShopTerminal(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		needBrowser(t)
		ta := startApp(t, engine)
		ctx := context.Background()
		shop, err := ta.DB().ShopByCode(ctx, "HD01")
		if err != nil {
			t.Fatalf("demo shop HD01: %v", err)
		}
		const (
			staffEmail    = "jieun.park@example.com"
			staffPassword = "홍대점-터미널-2026"
			name          = "이서연"
			email         = "seoyeon.lee@example.com"
			phone         = "010-8765-4321"
		)
		if _, err := ta.Staff.CreateUser(ctx, staff.NewUser{
			Email: staffEmail, Name: "박지은", Role: fanmail.RoleShopStaff, ShopID: shop.ID, Password: staffPassword, Lang: "ko",
		}); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, ta.URL)

		// Shop staff land at the terminal of their shop.
		b.open("/admin/login?lang=ko")
		b.fill(`form[action="/admin/login"] input[name="email"]`, staffEmail)
		b.fill(`form[action="/admin/login"] input[name="password"]`, staffPassword)
		b.click(`form[action="/admin/login"] button[type="submit"]`)
		b.waitVisible("#shop-terminal")
		if got := b.location(); got != ta.URL+"/admin/shop" {
			t.Errorf("shop staff landed on %s, want %s/admin/shop", got, ta.URL)
		}
		if got := b.text("#shop-terminal h2"); !strings.Contains(got, shop.Name) {
			t.Errorf("terminal heading = %q, want the shop name %s", got, shop.Name)
		}

		// The customer is registered at the terminal.
		b.fill("#reg-code", "seoyeon_lee")
		b.fill("#reg-email", email)
		b.fill("#reg-name", name)
		b.fill("#reg-birth-year", "2001")
		b.choose("#reg-gender", "female")
		b.fill("#reg-phone", phone)
		b.fill("#reg-postal-code", "04044")
		b.fill("#reg-address", "서울특별시 마포구 양화로 160")
		b.choose("#reg-lang", "ko")
		b.check(optionBox("occupation", "대학생"))
		b.check(optionBox("style", "밝고 사랑스러운 데일리 캐주얼"))
		b.check(optionBox("info_sources", "친구나 동료"))
		b.check(optionBox("wanted_info", "신상품의 가격, 디자인"))
		b.check(brandBox("casual", "에스제이"))
		b.check(brandBox("sports", "런업"))
		b.check(`input[name="consent_terms"]`)
		b.check(`input[name="consent_privacy"]`)
		b.check(`input[name="consent_marketing_email"]`)
		b.check(`input[name="consent_marketing_sms"]`)
		b.click("#shop-submit")
		b.waitVisible("#registered")
		if got := b.text("#registered"); !strings.Contains(got, name) {
			t.Errorf("terminal confirmation = %q, want it to name %s", got, name)
		}
		b.screenshot("shop-terminal-" + engine)

		m, err := ta.Members.MemberByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if m.Source != fanmail.SourceShop || m.ShopID != shop.ID || m.Status != fanmail.MemberPending || m.Name != name {
			t.Errorf("member: source %q, shop %d, status %s, name %q; want shop, %d, pending, %s",
				m.Source, m.ShopID, m.Status, m.Name, shop.ID, name)
		}
		consents, err := ta.Members.Consents(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		granted := map[string]bool{}
		for _, c := range consents {
			if c.Source != fanmail.SourceShop {
				t.Errorf("consent %s has source %q, want shop", c.Purpose, c.Source)
			}
			granted[c.Purpose] = c.Granted
		}
		want := map[string]bool{"terms": true, "privacy": true, "marketing_email": true, "marketing_sms": true, "night_sms": false}
		if diff := cmp.Diff(want, granted); diff != "" {
			t.Errorf("consents (-want +got):\n%s", diff)
		}
		brands, err := ta.Members.Brands(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(brands) != 2 {
			t.Errorf("member has %d brands, want 2", len(brands))
		}

		msg := ta.waitMail(t, 1)
		if len(msg.To) != 1 || msg.To[0] != email {
			t.Errorf("confirmation mail went to %v, want %s", msg.To, email)
		}
		if !strings.Contains(msg.Subject, "이메일 주소를 확인해 주세요") {
			t.Errorf("confirmation subject = %q, want the Korean subject", msg.Subject)
		}
		mailLink(t, msg, "/confirm")

		// Shop staff see the terminal, not the staff administration.
		if status := b.openStatus("/admin/users"); status != 403 {
			t.Errorf("shop staff opening /admin/users: status %d, want 403", status)
		}
		ta.assertNoPersonalData(t, email, phone, staffEmail)
	})
}

// TestBrowser_StaffFanProgram: staff follow a member through the fan
// program in the admin UI: the brand's fig. 4 table counts the member, the
// member's journey shows the chip and its mail, and at the shop terminal
// the member's chips buy a gift certificate, with the receipt mailed.
func TestBrowser_StaffFanProgram(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		needBrowser(t)
		ta := startApp(t, engine)
		ctx := context.Background()
		db := ta.DB()
		const email = "hana.choi@example.com"
		oz, err := db.BrandBySlug(ctx, "ozsecond", false)
		if err != nil {
			t.Fatal(err)
		}
		// A confirmed member with e-mail marketing consent picks 오즈세컨
		// (30–34, female): the fan program mails the welcome chip.
		m := storetest.MustCreateMember(t, db, email)
		err = db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.AddConsent(ctx, fanmail.Consent{MemberID: m.ID, Purpose: fanmail.PurposeMarketingEmail, Channel: "email",
				Granted: true, Source: "web", Version: fanmail.ConsentWordingVersion}); err != nil {
				return err
			}
			if _, err := tx.AddBrandPreference(ctx, m.ID, oz.ID, fanmail.GenderFemale, "30-34"); err != nil {
				return err
			}
			return tx.Emit(ctx, fanmail.BrandSelected{MemberID: m.ID, BrandID: oz.ID, Source: "portal"})
		})
		if err != nil {
			t.Fatal(err)
		}
		ta.Events.Kick()
		subject := func(part string) func(channeltest.Message) bool {
			return func(m channeltest.Message) bool { return strings.Contains(m.Subject, part) }
		}
		ta.SMTP.WaitForMatching(t, 1, 60*time.Second, subject("오즈세컨 매니아칩"))
		// A second chip, entered by staff, pays for the demo certificate.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := tx.Issue(ctx, fanmail.LedgerEntry{MemberID: m.ID, BrandID: oz.ID, Unit: fanmail.UnitChip, Op: fanmail.OpIssue,
				Amount: 1, Reason: fanmail.ReasonManual, Ref: "browser-test:manual"})
			return err
		}); err != nil {
			t.Fatal(err)
		}

		b := newBrowser(t, ta.URL)
		b.signInAdmin(ta)

		// Fig. 4 on the brand's fan program page.
		b.open(fmt.Sprintf("/admin/catalog/brands/%d", oz.ID))
		b.click("#brand-program")
		b.waitVisible("#brand-preferences")
		if got := b.text("#prefs-total"); got != "1" {
			t.Errorf("fig. 4 total = %q, want 1", got)
		}
		if got := b.text(`//section[@id='brand-preferences']//tr[th[.='30-34']]/td[1]`); got != "1" {
			t.Errorf("fig. 4, 30-34 female = %q, want 1", got)
		}
		b.screenshot("staff-fig4-" + engine)

		// The member's journey.
		b.open(fmt.Sprintf("/admin/members/%d", m.ID))
		b.click("#member-journey")
		b.waitVisible("#journey")
		journey := b.text("#journey")
		for _, want := range []string{"event brand_selected", "message chip", "sent", "ledger issue", "No:"} {
			if !strings.Contains(journey, want) {
				t.Errorf("journey lacks %q:\n%s", want, journey)
			}
		}
		b.screenshot("staff-journey-" + engine)

		// Redemption at the shop terminal.
		b.open("/admin/shop/redeem")
		b.fill(`#member-search input[name="q"]`, email)
		b.click(`#member-search button[type="submit"]`)
		b.waitVisible("#member-results")
		b.click(`#member-results a`)
		b.waitVisible("#redeem-member")
		b.click(`//section[contains(@class,'brand-chips')][.//h3[contains(., '오즈세컨')]]//a[contains(@href, '/rewards/')]`)
		b.waitVisible("#redeem-form")
		b.click(`#redeem-form button[type="submit"]`)
		b.waitVisible("#redeem-done")
		if got := b.text("#redeem-result"); !strings.Contains(got, "5,000원") {
			t.Errorf("redemption result = %q, want the 5,000원 certificate issued", got)
		}
		if got := b.text("#result-balance"); got != "0" {
			t.Errorf("balance shown after redeeming = %q, want 0", got)
		}
		receipt := ta.SMTP.WaitForMatching(t, 1, 60*time.Second, subject("교환 영수증"))[0]
		if len(receipt.To) != 1 || receipt.To[0] != email {
			t.Errorf("receipt went to %v", receipt.To)
		}
		if bal, _ := db.Balance(ctx, m.ID, oz.ID, fanmail.UnitChip); bal != 0 {
			t.Errorf("balance after redeeming = %d, want 0", bal)
		}
	})
}
