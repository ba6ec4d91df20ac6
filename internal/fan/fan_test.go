package fan_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/fan"
	"github.com/fanmail/fanmail/internal/jobs"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/tracking"
)

type world struct {
	db     *store.DB
	srv    *channeltest.SMTPServer
	outbox *delivery.Outbox
	events *jobs.Events
	brand  fanmail.Brand
	member fanmail.Member
	survey int64
}

func setup(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := &world{db: db, srv: channeltest.NewSMTPServer(t)}
	cfg, err := email.ParseURL(w.srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	w.outbox = delivery.NewOutbox(db, logger, delivery.OutboxOptions{SMTP: &cfg, From: "fanmail <no-reply@fan.example.com>",
		BounceDomain: "fan.example.com", URLs: tracking.NewURLs("https://fan.example.com", []byte("k")),
		Sender: func(context.Context) (fanmail.Sender, error) {
			return fanmail.Sender{Name: "오즈세컨", Address: "서울시 강남구", Phone: "02-123-4567"}, nil
		}})
	w.events = jobs.NewEvents(db, logger)
	f := fan.New(db, logger, fan.Options{BaseURL: "https://fan.example.com"})
	f.Register(w.events)
	for k, r := range f.Renderers() {
		w.outbox.Register(k, r)
	}
	g, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	if w.brand, err = db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "ozsecond", Name: "오즈세컨", Published: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateProduct(ctx, fanmail.Product{BrandID: w.brand.ID, Code: "OZ-1", Name: "울 코트", Shelf: fanmail.ShelfNew,
		Price: 239000, StylingAdvice: "니트와 함께", Published: true}); err != nil {
		t.Fatal(err)
	}
	w.member = storetest.MustCreateMember(t, db, "jin72@example.com")
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		return tx.AddConsent(ctx, fanmail.Consent{MemberID: w.member.ID, Purpose: fanmail.PurposeMarketingEmail, Channel: "email",
			Granted: true, Source: "web", Version: fanmail.ConsentWordingVersion})
	}); err != nil {
		t.Fatal(err)
	}
	w.survey = mustDeepSurvey(t, db)
	return w
}

// mustDeepSurvey stores a survey with the seed's share-of-wardrobe question.
func mustDeepSurvey(t *testing.T, db *store.DB) int64 {
	t.Helper()
	ctx := context.Background()
	var id, q int64
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO surveys (key, title_ko, title_en, created_at) VALUES ('deep-test', '설문', 'Survey', $1) RETURNING id`,
			tx.Now).Scan(&id); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO questions (survey, key, kind, label_ko, label_en) VALUES ('deep-test', 'wardrobe_share', 'single', '비중', 'Share') RETURNING id`).Scan(&q); err != nil {
			return err
		}
		for i, v := range []string{"0-10", "11-30", "31-60", "61+"} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO question_options (question_id, value, label_ko, label_en, position) VALUES ($1, $2, $2, $2, $3)`, q, v, i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (w *world) emit(t *testing.T, ev fanmail.Event) {
	t.Helper()
	ctx := context.Background()
	if err := w.db.InTx(ctx, func(tx *store.Tx) error { return tx.Emit(ctx, ev) }); err != nil {
		t.Fatal(err)
	}
	if err := w.events.Relay(ctx); err != nil {
		t.Fatal(err)
	}
	for {
		n, err := w.outbox.SendDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func TestFanProgram_WelcomeChipSurveyChipFanReward(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := setup(t, db)
		sel := fanmail.BrandSelected{MemberID: w.member.ID, BrandID: w.brand.ID, Source: "portal"}
		w.emit(t, sel)
		w.emit(t, sel) // a repeated event: no second chip, no second mail

		msgs := w.srv.WaitFor(t, 1, 5*time.Second)
		if len(msgs) != 1 {
			t.Fatalf("%d mails after two selections of one brand, want 1", len(msgs))
		}
		chip := msgs[0]
		for _, want := range []string{"No:10001", "오즈세컨의 팬으로서 설문에 성실히 답해 주셔서 매니아칩을 보내 드립니다", "jin72@example.com", "울 코트", "239,000원"} {
			if !strings.Contains(chip.Text, want) {
				t.Errorf("chip mail lacks %q:\n%s", want, chip.Text)
			}
		}
		if !strings.HasPrefix(chip.Subject, "(광고)") {
			t.Errorf("chip mail subject %q is not marked as an ad", chip.Subject)
		}
		if bal, _ := db.Balance(ctx, w.member.ID, w.brand.ID, fanmail.UnitChip); bal != 1 {
			t.Errorf("balance after welcome: %d, want 1", bal)
		}

		answered := fanmail.SurveyAnswered{ResponseID: 7, SurveyID: w.survey, MemberID: w.member.ID, BrandID: w.brand.ID,
			Answers: []fanmail.AnsweredValue{{Question: "wardrobe_share", Options: []string{"31-60"}}}}
		w.emit(t, answered)
		w.emit(t, answered)
		msgs = w.srv.WaitFor(t, 3, 5*time.Second)
		if len(msgs) != 3 {
			t.Fatalf("%d mails after the survey, want 3 (welcome chip, survey chip, fan notice)", len(msgs))
		}
		if bal, _ := db.Balance(ctx, w.member.ID, w.brand.ID, fanmail.UnitChip); bal != 2 {
			t.Errorf("balance after the survey: %d, want 2", bal)
		}
		ds, err := db.FanDecisions(ctx, w.member.ID)
		if err != nil || len(ds) != 1 || !ds[0].IsFan || !strings.Contains(ds[0].Values, "31-60") {
			t.Fatalf("fan decisions: %+v, %v", ds, err)
		}
		certs, err := db.Certificates(ctx, w.member.ID)
		if err != nil || len(certs) != 1 {
			t.Fatalf("certificates: %+v, %v", certs, err)
		}
		var notice channeltest.Message
		for _, m := range msgs {
			if strings.Contains(m.Subject, "매니아 회원") {
				notice = m
			}
		}
		if !strings.Contains(notice.Text, certs[0].Code) || !strings.Contains(notice.Text, "10,000원") {
			t.Errorf("fan notice lacks the certificate %s:\n%s", certs[0].Code, notice.Text)
		}
	})
}

func TestFanProgram_NoConsentNoChip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := setup(t, db)
		other := storetest.MustCreateMember(t, db, "minji@example.com")
		w.emit(t, fanmail.BrandSelected{MemberID: other.ID, BrandID: w.brand.ID, Source: "portal"})
		if n := len(w.srv.Messages()); n != 0 {
			t.Errorf("%d mails to a member without marketing consent", n)
		}
		if bal, _ := db.Balance(ctx, other.ID, w.brand.ID, fanmail.UnitChip); bal != 0 {
			t.Errorf("chips without consent: %d", bal)
		}
	})
}

func TestFanProgram_UnpublishedBrandWhileQueued(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := setup(t, db)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.Emit(ctx, fanmail.BrandSelected{MemberID: w.member.ID, BrandID: w.brand.ID, Source: "portal"})
		}); err != nil {
			t.Fatal(err)
		}
		if err := w.events.Relay(ctx); err != nil {
			t.Fatal(err)
		}
		b := w.brand
		b.Published = false
		if _, err := db.UpdateBrand(ctx, b); err != nil {
			t.Fatal(err)
		}
		if _, err := w.outbox.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(w.srv.Messages()); n != 0 {
			t.Fatalf("%d mails for an unpublished brand", n)
		}
		ms, _ := db.Messages(ctx, store.MessageFilter{MemberID: w.member.ID})
		if len(ms) != 1 || ms[0].Status != fanmail.MessageSkipped {
			t.Fatalf("queued chip mail: %+v, want skipped", ms)
		}
		if bal, _ := db.Balance(ctx, w.member.ID, w.brand.ID, fanmail.UnitChip); bal != 1 {
			t.Errorf("the chip stays in the ledger: balance %d, want 1", bal)
		}
	})
}

// Staff turn steps off per brand and write their own chip mail: a turned-off
// welcome step issues no chip; with it on, the chip mail carries staff's
// subject and opening paragraph; with the reward step off a new fan is
// decided but gets no certificate.
func TestFanProgram_BrandSteps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := setup(t, db)
		set := func(s fanmail.BrandStep) {
			t.Helper()
			s.BrandID = w.brand.ID
			if _, err := db.SetBrandStep(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		set(fanmail.BrandStep{Step: fanmail.StepWelcomeChip, Enabled: false})
		sel := fanmail.BrandSelected{MemberID: w.member.ID, BrandID: w.brand.ID, Source: "portal"}
		w.emit(t, sel)
		if bal, _ := db.Balance(ctx, w.member.ID, w.brand.ID, fanmail.UnitChip); bal != 0 || len(w.srv.Messages()) != 0 {
			t.Fatalf("welcome step off: balance %d, %d mails; want none", bal, len(w.srv.Messages()))
		}

		set(fanmail.BrandStep{Step: fanmail.StepWelcomeChip, Enabled: true, SubjectKo: "오즈세컨이 드리는 선물", IntroKo: "가을 신상품과 함께\n매니아칩을 보내 드려요."})
		other := storetest.MustCreateMember(t, db, "minji@example.com")
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.AddConsent(ctx, fanmail.Consent{MemberID: other.ID, Purpose: fanmail.PurposeMarketingEmail, Channel: "email",
				Granted: true, Source: "web", Version: fanmail.ConsentWordingVersion})
		}); err != nil {
			t.Fatal(err)
		}
		w.emit(t, fanmail.BrandSelected{MemberID: other.ID, BrandID: w.brand.ID, Source: "portal"})
		chip := w.srv.WaitFor(t, 1, 5*time.Second)[0]
		if chip.Subject != fanmail.AdSubjectPrefix+" 오즈세컨이 드리는 선물" || !strings.Contains(chip.Text, "가을 신상품과 함께\n매니아칩을 보내 드려요.") ||
			!strings.Contains(chip.Text, "No:10001") {
			t.Errorf("chip mail with staff's wording: %q\n%s", chip.Subject, chip.Text)
		}

		set(fanmail.BrandStep{Step: fanmail.StepFanReward, Enabled: false})
		// The survey promises 3 chips: the answer pays what was promised.
		if _, err := db.SQL().ExecContext(ctx, `UPDATE surveys SET chip_reward = 3 WHERE id = $1`, w.survey); err != nil {
			t.Fatal(err)
		}
		w.emit(t, fanmail.SurveyAnswered{ResponseID: 9, SurveyID: w.survey, MemberID: other.ID, BrandID: w.brand.ID,
			Answers: []fanmail.AnsweredValue{{Question: "wardrobe_share", Options: []string{"61+"}}}})
		ms, err := db.FanMemberships(ctx, other.ID)
		if err != nil || len(ms) != 1 {
			t.Fatalf("memberships %+v, %v; want the new fan", ms, err)
		}
		if bal, _ := db.Balance(ctx, other.ID, w.brand.ID, fanmail.UnitChip); bal != 4 {
			t.Errorf("balance after the welcome chip and a 3-chip survey: %d, want 4", bal)
		}
		if certs, _ := db.Certificates(ctx, other.ID); len(certs) != 0 {
			t.Errorf("reward step off: %d certificates", len(certs))
		}
		for _, m := range w.srv.Messages() {
			if strings.Contains(m.Subject, "매니아 회원") {
				t.Errorf("reward step off, yet a fan notice was sent: %q", m.Subject)
			}
		}

		if _, err := db.SetBrandStep(ctx, fanmail.BrandStep{BrandID: w.brand.ID, Step: "nope"}); fanmail.ErrorField(err) != "step" {
			t.Errorf("unknown step: %v", err)
		}
		if _, err := db.SetBrandStep(ctx, fanmail.BrandStep{BrandID: w.brand.ID, Step: fanmail.StepFanReward, IntroKo: "a\x00b"}); fanmail.ErrorField(err) != "intro_ko" {
			t.Errorf("NUL in the intro: %v", err)
		}
		steps, err := db.BrandSteps(ctx, w.brand.ID)
		if err != nil || len(steps) != 4 || steps[0].SubjectKo != "오즈세컨이 드리는 선물" || !steps[1].Enabled || steps[3].Enabled {
			t.Errorf("brand steps %+v, %v", steps, err)
		}
	})
}
