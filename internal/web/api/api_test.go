package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/catalog"
	"github.com/fanmail/fanmail/internal/channel/channeltest"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/delivery/deliverytest"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/survey"
)

// testEnv is the API on the real router over a fresh database.
type testEnv struct {
	db      *store.DB
	mux     *http.ServeMux
	staff   *staff.Service
	members *member.Service
	catalog *catalog.Service
	smtp    *channeltest.SMTPServer // nil unless withMail
	outbox  *delivery.Outbox        // sends to smtp
	// access is the access log; an export of more than 2 members needs a
	// reason.
	access *accesslog.Service
}

type envOption int

const (
	withMail   envOption = iota + 1 // confirmation mails go to a real in-process SMTP server
	withSurvey                      // the default profile survey exists
)

func testLogger(t *testing.T) *slog.Logger { return slog.New(slog.NewTextHandler(t.Output(), nil)) }

func newEnv(t *testing.T, db *store.DB, opts ...envOption) *testEnv {
	t.Helper()
	e := &testEnv{db: db}
	logger := testLogger(t)
	mailer := delivery.NewMailer(nil, "", logger) // mail not configured
	for _, o := range opts {
		if o != withMail {
			continue
		}
		e.smtp = channeltest.NewSMTPServer(t)
		cfg, err := email.ParseURL(e.smtp.URL())
		if err != nil {
			t.Fatal(err)
		}
		sender, err := email.New(cfg, logger)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sender.Close() })
		mailer = delivery.NewMailer(sender, "팬메일 <no-reply@fanmail.test>", logger)
	}
	cfg := config.Default()
	cfg.BaseURL = "http://fanmail.test"
	e.staff = staff.New(db, logger, staff.Options{})
	e.catalog = catalog.New(db, t.TempDir(), logger)
	smtpURL := ""
	if e.smtp != nil {
		smtpURL = e.smtp.URL()
	}
	e.outbox = deliverytest.Start(t, db, smtpURL)
	e.members = member.New(db, mailer, member.Options{BaseURL: cfg.BaseURL, AgeBands: cfg.AgeBands, AfterCommit: e.outbox.Notify}, logger)
	e.outbox.RegisterAll(e.members.Renderers())
	for _, o := range opts {
		if o == withSurvey {
			if err := survey.New(db, logger, survey.Options{}).EnsureDefaults(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.access = accesslog.New(db, 2)
	e.mux = http.NewServeMux()
	New(Deps{Config: cfg, Logger: logger, Staff: e.staff, Members: e.members, Catalog: e.catalog, Access: e.access}).Routes(e.mux)
	return e
}

// token returns a new API token acting with role.
func (e *testEnv) token(t *testing.T, role string) string {
	t.Helper()
	plaintext, _, err := e.staff.CreateToken(context.Background(), "test "+role, role, 0)
	if err != nil {
		t.Fatal(err)
	}
	return plaintext
}

// request is one call to the API.
type request struct {
	method, path, token, body string
	header                    map[string]string
}

func (e *testEnv) do(t *testing.T, rq request) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if rq.body != "" {
		req = httptest.NewRequest(rq.method, rq.path, strings.NewReader(rq.body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(rq.method, rq.path, nil)
	}
	if rq.token != "" {
		req.Header.Set("Authorization", "Bearer "+rq.token)
	}
	req.Header.Set("Accept-Language", "en")
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	checkResponse(t, req, rec)
	return rec
}

// checkResponse fails the test when the response to req is not what the
// OpenAPI document describes (see responseChecker).
func checkResponse(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	c, err := openAPIChecker()
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	errs := c.check(req.Method, req.URL.Path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	if len(errs) > 0 {
		t.Errorf("%s %s answered %d unlike openapi.json:\n  %s\nbody: %.500s", req.Method, req.URL.Path, rec.Code,
			strings.Join(errs, "\n  "), rec.Body)
	}
}

// call does rq and decodes the JSON response into out (if not nil), failing
// the test unless the status is want.
func (e *testEnv) call(t *testing.T, rq request, want int, out any) *httptest.ResponseRecorder {
	t.Helper()
	rec := e.do(t, rq)
	if rec.Code != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", rq.method, rq.path, rec.Code, want, rec.Body)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", rq.method, rq.path, rec.Body, err)
		}
	}
	return rec
}

// wantError checks that rec is a JSON error with status, code and field.
func wantError(t *testing.T, rec *httptest.ResponseRecorder, status int, code, field string) errorDetail {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want JSON", ct)
	}
	var body errorBody
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("error body: %v", err)
	}
	if body.Error.Code != code || body.Error.Field != field {
		t.Errorf("error code %q field %q, want %q %q (message %q)", body.Error.Code, body.Error.Field, code, field, body.Error.Message)
	}
	if body.Error.Message == "" {
		t.Error("error without message")
	}
	return body.Error
}

// mustGroup creates a published brand group.
func (e *testEnv) mustGroup(t *testing.T, slug, nameKo string) fanmail.BrandGroup {
	t.Helper()
	g, err := e.catalog.CreateGroup(context.Background(), fanmail.BrandGroup{Slug: slug, NameKo: nameKo, NameEn: slug, Published: true})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// mustBrand creates a published brand in group.
func (e *testEnv) mustBrand(t *testing.T, groupID int64, slug, name string) fanmail.Brand {
	t.Helper()
	b, err := e.catalog.CreateBrand(context.Background(), fanmail.Brand{GroupID: groupID, Slug: slug, Name: name, Published: true})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustMember registers a member through the service, as an import would.
func (e *testEnv) mustMember(t *testing.T, emailAddr, name string) fanmail.Member {
	t.Helper()
	m, err := e.members.Register(context.Background(), member.Registration{
		Email: emailAddr, Name: name, BirthYear: 1992, Gender: fanmail.GenderFemale, Source: fanmail.SourceAPI,
		Consents: []fanmail.ConsentDecision{{Purpose: fanmail.PurposeTerms, Granted: true}, {Purpose: fanmail.PurposePrivacy, Granted: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
