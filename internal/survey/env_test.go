package survey_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/survey"
)

// env is the survey service over a fresh database with the default
// surveys, one published brand and one member, at a fixed time.
type env struct {
	db     *store.DB
	svc    *survey.Service
	now    time.Time
	brand  fanmail.Brand
	member fanmail.Member
	deep   fanmail.Survey
	q      map[string]fanmail.Question // deep survey questions by key
}

const baseURL = "https://fan.example.com"

func setup(t *testing.T, db *store.DB) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{db: db, now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time { return e.now }
	e.svc = survey.New(db, slog.New(slog.NewTextHandler(t.Output(), nil)), survey.Options{BaseURL: baseURL + "/"})
	if err := e.svc.EnsureDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	e.brand = mustBrand(t, db, "ozsecond", "오즈세컨")
	// 23 years old in 2026: the "21-23" band of fig. 4.
	e.member = mustMember(t, db, fanmail.Member{Email: "jin72@example.com", Name: "김지은", Gender: fanmail.GenderFemale, BirthYear: 2003})
	var err error
	if e.deep, err = e.svc.SurveyByKey(ctx, fanmail.SurveyBrandDeep); err != nil {
		t.Fatal(err)
	}
	qs, err := e.svc.Questions(ctx, fanmail.SurveyBrandDeep, true)
	if err != nil {
		t.Fatal(err)
	}
	e.q = map[string]fanmail.Question{}
	for _, q := range qs {
		e.q[q.Key] = q
	}
	return e
}

func mustBrand(t *testing.T, db *store.DB, slug, name string) fanmail.Brand {
	t.Helper()
	ctx := context.Background()
	g, err := db.BrandGroupBySlug(ctx, "casual", false)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		g, err = db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: slug, Name: name, Published: true})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustMember stores an active Korean-speaking member like m.
func mustMember(t *testing.T, db *store.DB, m fanmail.Member) fanmail.Member {
	t.Helper()
	ctx := context.Background()
	m.Status, m.Source = fanmail.MemberActive, fanmail.SourceAdmin
	if m.Lang == "" {
		m.Lang = fanmail.LangKorean
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		m, err = tx.CreateMember(ctx, m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// invite invites the member to the deep survey about the brand and returns
// the invitation and its link's token.
func (e *env) invite(t *testing.T, memberID, brandID int64, cause string) (fanmail.SurveyInvitation, string) {
	t.Helper()
	ctx := context.Background()
	var inv fanmail.SurveyInvitation
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		inv, err = e.svc.InviteTx(ctx, tx, survey.Invite{SurveyKey: fanmail.SurveyBrandDeep, MemberID: memberID, BrandID: brandID, Cause: cause})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return inv, e.token(t, inv)
}

// token signs the invitation's link, as its mail does.
func (e *env) token(t *testing.T, inv fanmail.SurveyInvitation) string {
	t.Helper()
	token, err := e.svc.Token(context.Background(), inv)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// option returns the id of the option with value of the deep survey's
// question key.
func (e *env) option(t *testing.T, key, value string) int64 {
	t.Helper()
	o, ok := e.q[key].OptionByValue(value)
	if !ok {
		t.Fatalf("question %s has no option %s", key, value)
	}
	return o.ID
}

func num(n int) *int { return &n }

// countRows returns how many rows table has.
func countRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
