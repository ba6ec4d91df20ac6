package member_test

import (
	"context"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/delivery/deliverytest"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/survey"
)

const regBaseURL = "http://fanmail.test"

// testClient is the address sign-ins come from unless a test says otherwise.
const testClient = "203.0.113.10"

// regEnv is a member service over a fresh database with a real SMTP server,
// the default profile survey and four casual brands.
type regEnv struct {
	db     *store.DB
	svc    *member.Service
	smtp   *channeltest.SMTPServer
	outbox *delivery.Outbox

	mu  sync.Mutex
	now time.Time

	mienc, ozoc, ozSecond, sj int64
	questions                 map[string]fanmail.Question
}

func (e *regEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

func regLogger(t *testing.T) *slog.Logger { return slog.New(slog.NewTextHandler(t.Output(), nil)) }

func regSetup(t *testing.T, db *store.DB) *regEnv { return regSetupMailing(t, db, true) }

// regSetupMailing is regSetup; without mail no relay is configured (e.smtp
// is nil), so messages stay queued in the outbox.
func regSetupMailing(t *testing.T, db *store.DB, mail bool) *regEnv {
	t.Helper()
	e := &regEnv{db: db, now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.now
	}
	e.mienc = regBrand(t, db, "casual", "mienc", "미앤씨")
	e.ozoc = regBrand(t, db, "casual", "ozoc", "오조크")
	e.ozSecond = regBrand(t, db, "casual", "oz-second", "오즈세컨")
	e.sj = regBrand(t, db, "casual", "sj", "에스제이")
	mailer, smtpURL := delivery.NewMailer(nil, "팬메일 <no-reply@fanmail.test>", regLogger(t)), ""
	if mail {
		e.smtp = channeltest.NewSMTPServer(t)
		cfg, err := email.ParseURL(e.smtp.URL())
		if err != nil {
			t.Fatal(err)
		}
		sender, err := email.New(cfg, regLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sender.Close() })
		mailer, smtpURL = delivery.NewMailer(sender, "팬메일 <no-reply@fanmail.test>", regLogger(t)), e.smtp.URL()
	}
	e.outbox = deliverytest.Start(t, db, smtpURL)
	e.svc = member.New(db, mailer, member.Options{BaseURL: regBaseURL, ConfirmTTL: 72 * time.Hour, MagicLinkTTL: 30 * time.Minute,
		AfterCommit: e.outbox.Notify}, regLogger(t))
	e.outbox.RegisterAll(e.svc.Renderers())
	ctx := context.Background()
	if err := survey.New(db, regLogger(t), survey.Options{}).EnsureDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	qs, err := e.svc.ProfileQuestions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.questions = map[string]fanmail.Question{}
	for _, q := range qs {
		e.questions[q.Key] = q
	}
	return e
}

func regBrand(t *testing.T, db *store.DB, group, slug, name string) int64 {
	t.Helper()
	ctx := context.Background()
	now := db.Now()
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO brand_groups (slug, name_ko, name_en, created_at, updated_at)
		VALUES ($1, $1, $1, $2, $2) ON CONFLICT (slug) DO NOTHING`, group, now); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := db.SQL().QueryRowContext(ctx, `INSERT INTO brands (group_id, slug, name, created_at, updated_at)
		VALUES ((SELECT id FROM brand_groups WHERE slug = $1), $2, $3, $4, $4) RETURNING id`,
		group, slug, name, now).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// option returns the id of the option with value of question key.
func (e *regEnv) option(t *testing.T, key, value string) int64 {
	t.Helper()
	for _, o := range e.questions[key].Options {
		if o.Value == value {
			return o.ID
		}
	}
	t.Fatalf("no option %s of question %s", value, key)
	return 0
}

func grantAll(purposes ...string) []fanmail.ConsentDecision {
	var ds []fanmail.ConsentDecision
	for _, p := range fanmail.Purposes {
		granted := false
		for _, q := range purposes {
			granted = granted || p == q
		}
		ds = append(ds, fanmail.ConsentDecision{Purpose: p, Granted: granted})
	}
	return ds
}

// minji is a valid Korean registration answering every question in Korean.
func (e *regEnv) minji(t *testing.T) member.Registration {
	return member.Registration{
		Code: "minji92", Email: "minji@example.com", Name: "김민지", Phone: "010-1234-5678",
		BirthYear: 1992, Gender: fanmail.GenderFemale, PostalCode: "04524", Address: "서울특별시 중구 세종대로 110",
		Lang: "ko",
		Answers: []fanmail.Answer{
			{QuestionID: e.questions["occupation"].ID, OptionIDs: []int64{e.option(t, "occupation", "office-professional")}},
			{QuestionID: e.questions["style"].ID, OptionIDs: []int64{e.option(t, "style", "feminine-cute"), e.option(t, "style", "urban-casual")}},
			{QuestionID: e.questions["info_sources"].ID, OptionIDs: []int64{e.option(t, "info_sources", "magazines")}, Other: true, Text: "유튜브 패션 채널"},
			{QuestionID: e.questions["fashion_sites"].ID, Text: "무신사, 29CM"},
		},
		Consents: grantAll(fanmail.PurposeTerms, fanmail.PurposePrivacy, fanmail.PurposeMarketingEmail),
		BrandIDs: []int64{e.ozSecond, e.mienc},
		Source:   fanmail.SourceWeb,
		IP:       "203.0.113.7",
	}
}

func TestService_Register(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		r := e.minji(t)
		m, err := e.svc.Register(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != fanmail.MemberPending || m.Code != "minji92" || m.Name != "김민지" || m.Lang != "ko" || m.Source != "web" || m.ConfirmedAt != nil {
			t.Errorf("registered member = %+v", m)
		}

		answers, err := e.svc.Answers(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantAnswers := []fanmail.Answer{
			{MemberID: m.ID, QuestionID: e.questions["occupation"].ID, OptionIDs: []int64{e.option(t, "occupation", "office-professional")}},
			{MemberID: m.ID, QuestionID: e.questions["style"].ID, OptionIDs: []int64{e.option(t, "style", "feminine-cute"), e.option(t, "style", "urban-casual")}},
			{MemberID: m.ID, QuestionID: e.questions["info_sources"].ID, OptionIDs: []int64{e.option(t, "info_sources", "magazines")}, Other: true, Text: "유튜브 패션 채널"},
			{MemberID: m.ID, QuestionID: e.questions["fashion_sites"].ID, Text: "무신사, 29CM"},
		}
		if diff := cmp.Diff(wantAnswers, answers, cmpopts.IgnoreFields(fanmail.Answer{}, "AnsweredAt")); diff != "" {
			t.Errorf("answers (-want +got):\n%s", diff)
		}

		hist, err := e.svc.Consents(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		var wantHist []fanmail.Consent
		for _, p := range fanmail.Purposes {
			granted := p == "terms" || p == "privacy" || p == "marketing_email"
			wantHist = append(wantHist, fanmail.Consent{MemberID: m.ID, Purpose: p, Channel: fanmail.ChannelOf(p), Granted: granted,
				Source: "web", IP: "203.0.113.7", Version: fanmail.ConsentWordingVersion, CreatedAt: e.now})
		}
		if diff := cmp.Diff(wantHist, hist, cmpopts.IgnoreFields(fanmail.Consent{}, "ID")); diff != "" {
			t.Errorf("consent history (-want +got):\n%s", diff)
		}
		if ids, _ := e.svc.Brands(ctx, m.ID); !cmp.Equal(ids, []int64{e.mienc, e.ozSecond}) {
			t.Errorf("brands = %v", ids)
		}
		counts, _ := e.svc.BrandCounts(ctx, e.ozSecond)
		if diff := cmp.Diff([]fanmail.BrandPreferenceCount{{BrandID: e.ozSecond, Gender: "female", AgeBand: "30-34", Count: 1}}, counts); diff != "" {
			t.Errorf("counts of 오즈세컨 (-want +got):\n%s", diff)
		}

		// The confirmation mail arrives in Korean with a working link.
		msg := e.smtp.WaitFor(t, 1, 10*time.Second)[0]
		if msg.Subject != "[fanmail] 이메일 주소를 확인해 주세요" || !strings.Contains(msg.Text, "김민지님") {
			t.Errorf("mail: subject %q, text %q", msg.Subject, msg.Text)
		}
		if !cmp.Equal(msg.To, []string{"minji@example.com"}) {
			t.Errorf("mail to %v", msg.To)
		}
		link := regConfirmLink(t, msg)
		token := link.Query().Get("token")
		// Checking the link (the page a scanner opens) changes nothing.
		if got, err := e.svc.CheckConfirmLink(ctx, token); err != nil || got.Status != fanmail.MemberPending {
			t.Fatalf("check link: %v, status %s", err, got.Status)
		}
		ua := strings.Repeat("가", fanmail.MaxUserAgent) // longer than kept, cut between characters
		got, err := e.svc.Confirm(ctx, token, fanmail.OptInConfirmation{IP: "203.0.113.7", UserAgent: ua})
		if err != nil {
			t.Fatalf("confirm: %v", err)
		}
		if got.Status != fanmail.MemberActive || got.ConfirmedAt == nil || !got.ConfirmedAt.Equal(e.now) {
			t.Errorf("confirmed member: %s at %v", got.Status, got.ConfirmedAt)
		}
		ev, err := e.svc.OptInConfirmation(ctx, got.ID)
		if err != nil || ev.IP != "203.0.113.7" || ev.UserAgent != strings.Repeat("가", fanmail.MaxUserAgent/3) || !ev.ConfirmedAt.Equal(e.now) {
			t.Errorf("opt-in evidence: %v, ip %q, user agent of %d bytes, at %v", err, ev.IP, len(ev.UserAgent), ev.ConfirmedAt)
		}
		if _, err := e.svc.CheckConfirmLink(ctx, token); fanmail.ErrorCode(err) != fanmail.EEXPIRED {
			t.Errorf("check of a used link: %v, want EEXPIRED", err)
		}
		// The link is single-use.
		got, err = e.svc.Confirm(ctx, token, fanmail.OptInConfirmation{})
		if fanmail.ErrorCode(err) != fanmail.EEXPIRED || got.Lang != "ko" {
			t.Errorf("second confirm: %v (lang %q), want EEXPIRED in ko", err, got.Lang)
		}
	})
}

// regConfirmLink returns the confirmation link of msg, checking text and
// HTML carry the same one.
func regConfirmLink(t *testing.T, msg channeltest.Message) *url.URL {
	t.Helper()
	links := channeltest.Links(msg.Text)
	if len(links) != 1 || !strings.HasPrefix(links[0], regBaseURL+"/confirm?token=") {
		t.Fatalf("links in text = %v", links)
	}
	if !cmp.Equal(channeltest.Links(msg.HTML), links) {
		t.Errorf("links in HTML %v differ from text %v", channeltest.Links(msg.HTML), links)
	}
	u, err := url.Parse(links[0])
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestService_Confirm_Refused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		r := e.minji(t)
		r.Lang = "en"
		m, err := e.svc.Register(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		msg := e.smtp.WaitFor(t, 1, 10*time.Second)[0]
		if msg.Subject != "[fanmail] Please confirm your e-mail address" {
			t.Errorf("English subject = %q", msg.Subject)
		}
		token := regConfirmLink(t, msg).Query().Get("token")
		payload, sig, _ := strings.Cut(token, ".")
		forged := []string{
			"",
			"garbage",
			payload + ".AAAA" + sig[4:],
			payload[:len(payload)-2] + "xy." + sig,
		}
		for _, f := range forged {
			got, err := e.svc.Confirm(ctx, f, fanmail.OptInConfirmation{})
			if fanmail.ErrorCode(err) != fanmail.EINVALID || got.ID != 0 {
				t.Errorf("Confirm(%q) = member %d, %v; want EINVALID", f, got.ID, err)
			}
		}
		// Expired: the clock passes the link's lifetime.
		e.advance(72*time.Hour + time.Second)
		got, err := e.svc.Confirm(ctx, token, fanmail.OptInConfirmation{})
		if fanmail.ErrorCode(err) != fanmail.EEXPIRED || got.Lang != "en" {
			t.Errorf("expired link: %v (lang %q), want EEXPIRED for an English member", err, got.Lang)
		}
		after, _ := e.svc.MemberByID(ctx, m.ID)
		if after.Status != fanmail.MemberPending || after.ConfirmedAt != nil {
			t.Errorf("member after refused links: %s, confirmed %v", after.Status, after.ConfirmedAt)
		}
		// A sign-in link does not confirm (wrong purpose).
		if _, err := e.svc.CheckSignInLink(ctx, token); fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("confirmation token as sign-in link: %v, want EINVALID", err)
		}
	})
}

func TestService_Register_Refused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		if _, err := e.svc.Register(ctx, e.minji(t)); err != nil {
			t.Fatal(err)
		}
		e.smtp.WaitFor(t, 1, 10*time.Second)
		other := func(change func(r *member.Registration)) member.Registration {
			r := e.minji(t)
			r.Email, r.Code = "jin72@example.com", "jin72"
			change(&r)
			return r
		}
		cases := []struct {
			name      string
			r         member.Registration
			code      string
			field     string
			msgPrefix string
		}{
			{"DuplicateEmail", other(func(r *member.Registration) { r.Email = "MINJI@example.com" }), fanmail.ECONFLICT, "email", "This e-mail address is already registered"},
			{"DuplicateCode", other(func(r *member.Registration) { r.Code = "minji92" }), fanmail.ECONFLICT, "code", "This member id is taken"},
			{"InvalidEmail", other(func(r *member.Registration) { r.Email = "jin72@" }), fanmail.EINVALID, "email", "E-mail address is not valid"},
			{"MissingCode", other(func(r *member.Registration) { r.Code = "" }), fanmail.EINVALID, "code", "Member id is required"},
			{"Under14", other(func(r *member.Registration) { r.BirthYear = 2013 }), fanmail.EINVALID, "birth_year", "Members under 14 need a guardian's consent"},
			{"MissingTerms", other(func(r *member.Registration) { r.Consents = grantAll(fanmail.PurposePrivacy) }), fanmail.EINVALID, "consent_terms", "You must agree"},
			{"NightSMSWithoutSMS", other(func(r *member.Registration) {
				r.Consents = grantAll(fanmail.PurposeTerms, fanmail.PurposePrivacy, fanmail.PurposeNightSMS)
			}), fanmail.EINVALID, "consent_night_sms", "Night-time SMS needs SMS marketing consent"},
			{"UnknownBrand", other(func(r *member.Registration) { r.BrandIDs = []int64{e.mienc, 99999} }), fanmail.EINVALID, "brands", "Unknown brand"},
			{"RequiredQuestion", other(func(r *member.Registration) { r.Answers = r.Answers[1:] }), fanmail.EINVALID, "q_occupation", "Please answer this question"},
			{"TooManyPicks", other(func(r *member.Registration) {
				r.Answers[2].OptionIDs = []int64{e.option(t, "info_sources", "magazines"), e.option(t, "info_sources", "friends"), e.option(t, "info_sources", "sns")}
			}), fanmail.EINVALID, "q_info_sources", "Too many answers picked"},
			{"OptionOfAnotherQuestion", other(func(r *member.Registration) { r.Answers[0].OptionIDs = []int64{e.option(t, "style", "sporty")} }), fanmail.EINVALID, "q_occupation", "Unknown answer option"},
			{"OtherWithoutText", other(func(r *member.Registration) { r.Answers[2].Text = " " }), fanmail.EINVALID, "q_info_sources", "Please explain"},
			{"BadPostalCode", other(func(r *member.Registration) { r.PostalCode = "100-011" }), fanmail.EINVALID, "postal_code", "Postal code"},
			{"ShopWithoutShop", other(func(r *member.Registration) { r.Source = fanmail.SourceShop }), fanmail.EINVALID, "shop", "Your staff account has no shop"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := e.svc.Register(ctx, c.r)
				if fanmail.ErrorCode(err) != c.code || fanmail.ErrorField(err) != c.field || !strings.HasPrefix(fanmail.ErrorMessage(err), c.msgPrefix) {
					t.Errorf("err = %v; want %s on %s: %s…", err, c.code, c.field, c.msgPrefix)
				}
			})
		}
		// Nothing of the refused registrations was stored or mailed.
		var members, consents, answers, prefs int
		sqlDB := db.SQL()
		sqlDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM members`).Scan(&members)
		sqlDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM consents`).Scan(&consents)
		sqlDB.QueryRowContext(ctx, `SELECT COUNT(DISTINCT member_id) FROM answers`).Scan(&answers)
		sqlDB.QueryRowContext(ctx, `SELECT COALESCE(SUM(count), 0) FROM brand_preference_counts`).Scan(&prefs)
		if members != 1 || consents != len(fanmail.Purposes) || answers != 1 || prefs != 2 {
			t.Errorf("after refusals: %d members, %d consents, answers of %d, %d counted preferences; want 1, %d, 1, 2",
				members, consents, answers, prefs, len(fanmail.Purposes))
		}
		if n := e.messages(t, ""); n != 1 {
			t.Errorf("%d mails written, want only the first member's", n)
		}
	})
}

// messages counts the outbox messages of kind ("" for all).
func (e *regEnv) messages(t *testing.T, kind string) int {
	t.Helper()
	var n int
	if err := e.db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM messages WHERE $1 = '' OR kind = $1`, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestService_Register_NoMail(t *testing.T) {
	db := storetest.OpenSQLite(t)
	e := regSetupMailing(t, db, false)
	svc := e.svc
	m, err := svc.Register(context.Background(), e.minji(t))
	if err != nil {
		t.Fatalf("register without mail: %v", err)
	}
	if m.Status != fanmail.MemberPending {
		t.Errorf("status = %s", m.Status)
	}
	if svc.MailConfigured() {
		t.Error("MailConfigured() = true")
	}
	if err := svc.RequestSignIn(context.Background(), testClient, "minji@example.com"); fanmail.ErrorCode(err) != fanmail.EUNAVAILABLE {
		t.Errorf("RequestSignIn without mail: %v, want EUNAVAILABLE", err)
	}
	// The opt-in mail waits in the outbox until mail is configured.
	msg, err := db.MessageByRef(context.Background(), "optin:"+itoa(m.ID))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Status != fanmail.MessageQueued || msg.Kind != fanmail.MessageOptIn || msg.Purpose != fanmail.PurposeTransactional {
		t.Errorf("opt-in message = %+v, want a queued transactional opt-in", msg)
	}
}

// The opt-in mail is written in the registration's transaction and sent
// once by the outbox; asking again for a confirmed member sends nothing.
func TestService_Register_OptInThroughOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := regSetup(t, db)
		ctx := context.Background()
		m, err := e.svc.Register(ctx, e.minji(t))
		if err != nil {
			t.Fatal(err)
		}
		msg := e.smtp.WaitFor(t, 1, 10*time.Second)[0]
		if !strings.Contains(msg.Header.Get("Message-Id"), "@fanmail.test>") || msg.Header.Get("Auto-Submitted") != "auto-generated" {
			t.Errorf("opt-in headers: Message-ID %q, Auto-Submitted %q", msg.Header.Get("Message-Id"), msg.Header.Get("Auto-Submitted"))
		}
		if strings.HasPrefix(msg.Subject, fanmail.AdSubjectPrefix) || msg.Header.Get("List-Unsubscribe") != "" {
			t.Errorf("opt-in mail framed as an ad: %q", msg.Subject)
		}
		if _, err := e.svc.Confirm(ctx, regConfirmLink(t, msg).Query().Get("token"), fanmail.OptInConfirmation{}); err != nil {
			t.Fatal(err)
		}
		stored := deliverytest.WaitStatus(t, db, "optin:"+itoa(m.ID), fanmail.MessageSent)
		if stored.MessageID == "" || !strings.Contains(msg.Header.Get("Message-Id"), stored.MessageID) {
			t.Errorf("opt-in message after sending = %+v", stored)
		}
		// Confirmed: a new request writes nothing, and nothing more is sent.
		if err := e.svc.SendConfirmation(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SendConfirmation(ctx, 424242); err != nil {
			t.Errorf("confirmation for a missing member: %v", err)
		}
		if n := e.messages(t, fanmail.MessageOptIn); n != 1 {
			t.Errorf("%d opt-in messages, want 1", n)
		}
	})
}

// A confirmation mail queued for a member who confirmed meanwhile is
// skipped, not sent with a useless link.
func TestService_OptIn_SkippedOnceConfirmed(t *testing.T) {
	db := storetest.OpenSQLite(t)
	e := regSetup(t, db)
	ctx := context.Background()
	m, err := e.svc.Register(ctx, e.minji(t))
	if err != nil {
		t.Fatal(err)
	}
	link := regConfirmLink(t, e.smtp.WaitFor(t, 1, 10*time.Second)[0])
	// A second request is queued while the relay is down, then the member
	// confirms with the first link.
	e.smtp.RejectNext(1, 451)
	if err := e.svc.SendConfirmation(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Confirm(ctx, link.Query().Get("token"), fanmail.OptInConfirmation{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		// The test clock stands still: bring a retry's backoff forward.
		if _, err := db.SQL().ExecContext(ctx, `UPDATE message_queue SET run_at = $1 WHERE NOT claimed`, db.Now()); err != nil {
			t.Fatal(err)
		}
		e.outbox.Notify()
		msgs, err := db.Messages(ctx, store.MessageFilter{MemberID: m.ID, Kind: fanmail.MessageOptIn})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 2 && msgs[0].Status == fanmail.MessageSkipped {
			if msgs[0].SkipReason != fanmail.SkipExpired {
				t.Errorf("skip reason %q, want %q", msgs[0].SkipReason, fanmail.SkipExpired)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("second opt-in message not skipped: %+v", msgs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(e.smtp.Messages()); n != 1 {
		t.Errorf("%d mails delivered, want 1", n)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
