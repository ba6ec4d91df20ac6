package app

import (
	"bytes"
	"context"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// outputWatch is a standard output that calls found once when it has
// printed want.
type outputWatch struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	want  string
	found func()
}

func (o *outputWatch) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	if o.found != nil && strings.Contains(o.buf.String(), o.want) {
		o.found()
		o.found = nil
	}
	return len(p), nil
}

func (o *outputWatch) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// TestMain_BusyPort starts fanmail for the first time on a port that is
// taken: it must fail before creating the admin account, so that the next
// start creates it and prints its password.
func TestMain_BusyPort(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		env := map[string]string{
			"FANMAIL_DATABASE_URL": databaseURL(t, engine),
			"FANMAIL_MEDIA_DIR":    t.TempDir(),
			"FANMAIL_NO_DEMO":      "1",
			"FANMAIL_LOG_LEVEL":    "warn",
		}
		getenv := func(k string) string { return env[k] }
		busy, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer busy.Close()

		var out, errs bytes.Buffer
		code := Main(t.Context(), []string{"serve", "--http-addr", busy.Addr().String()}, getenv, &out, &errs)
		if code == 0 || !strings.Contains(errs.String(), "listen") {
			t.Fatalf("start on a busy port: exit %d, stderr %q; want a failure to listen", code, errs.String())
		}
		if strings.Contains(out.String(), "password") {
			t.Fatalf("start on a busy port printed an admin password:\n%s", out.String())
		}

		// The next start, on a free port, prints the password; it stops
		// as soon as it has.
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
		defer cancel()
		next := &outputWatch{want: "password:", found: cancel}
		errs.Reset()
		code = Main(ctx, []string{"serve", "--http-addr", "127.0.0.1:0"}, getenv, next, &errs)
		if code != 0 {
			t.Fatalf("second start: exit %d, stderr %s", code, errs.String())
		}
		if !printedPassword.MatchString(next.String()) {
			t.Errorf("second start printed no admin password:\n%s", next.String())
		}
	})
}

// TestMain_CommandFlags runs commands with help flags and flags in every
// place: help prints the usage and does nothing, a flag is never taken for
// a domain, and flags may follow the arguments.
func TestMain_CommandFlags(t *testing.T) {
	env := map[string]string{"FANMAIL_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "fanmail.db")}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name    string
		args    []string
		code    int
		stdout  string // wanted in standard output
		stderr  string // wanted in standard error
		private bool   // a private key was printed
	}{
		{"KeygenHelp", []string{"dkim", "keygen", "--help"}, 0, "Usage: fanmail dkim keygen DOMAIN", "", false},
		{"KeygenShortHelp", []string{"dkim", "keygen", "-h"}, 0, "-algo", "", false},
		{"DKIMHelp", []string{"dkim", "--help"}, 0, "Usage: fanmail dkim keygen DOMAIN", "", false},
		{"ImportHelp", []string{"import", "--help"}, 0, "-consent", "", false},
		{"UserHelp", []string{"user", "add", "--help"}, 0, "Usage: fanmail user add", "", false},
		{"ErrDashDomain", []string{"dkim", "keygen", "--", "--help"}, 1, "", `"--help" is not a flag`, false},
		{"ErrUnknownFlag", []string{"dkim", "keygen", "mail.example.com", "--bits", "4096"}, 1, "", "flag provided but not defined", false},
		{"ErrNoDomain", []string{"dkim", "keygen"}, 1, "", "usage: fanmail dkim keygen", false},
		{"FlagsAfterDomain", []string{"dkim", "keygen", "mail.example.com", "--algo", "rsa"}, 0, "k=rsa", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			code := Main(t.Context(), tt.args, getenv, &out, &errs)
			if code != tt.code || !strings.Contains(out.String(), tt.stdout) || !strings.Contains(errs.String(), tt.stderr) {
				t.Errorf("fanmail %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(tt.args, " "), code, tt.code, out.String(), errs.String())
			}
			if got := strings.Contains(out.String(), "PRIVATE KEY"); got != tt.private {
				t.Errorf("fanmail %s printed a private key: %v, want %v", strings.Join(tt.args, " "), got, tt.private)
			}
		})
	}
}

// TestMain_LocalMailDomain starts fanmail with the default base URL, whose
// host (localhost) receivers refuse as a sender's domain: the start warns.
func TestMain_LocalMailDomain(t *testing.T) {
	for name, baseURL := range map[string]string{"Localhost": "", "Public": "https://crm.ozsecond.example"} {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{
				"FANMAIL_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "fanmail.db"),
				"FANMAIL_MEDIA_DIR":    t.TempDir(),
				"FANMAIL_NO_DEMO":      "1",
				"FANMAIL_BASE_URL":     baseURL,
			}
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			logs := &outputWatch{want: "fanmail serving", found: cancel}
			code := Main(ctx, []string{"serve", "--http-addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, io.Discard, logs)
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, logs.String())
			}
			warned := strings.Contains(logs.String(), "level=WARN msg=\"system mail is sent from a local domain")
			if warned != (baseURL == "") {
				t.Errorf("warned %v about the mail domain with base URL %q:\n%s", warned, baseURL, logs.String())
			}
		})
	}
}

// cliDatabase returns the URL of a fresh, migrated database of engine for
// a command to open, and the database itself for the test (closed at the
// end).
func cliDatabase(t *testing.T, engine string) (string, *store.DB) {
	t.Helper()
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "fanmail.db")
	if engine == store.Postgres {
		pg := storetest.PostgresURL(t)
		dbURL = pg + "&search_path=" + storetest.NewSchema(t, pg)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return dbURL, db
}

// "fanmail campaign status" shows what went wrong with the campaign's relay.
func TestCLI_CampaignStatusShowsRelayErrors(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dbURL, db := cliDatabase(t, engine)
			// A campaign started as the engine starts it, whose relay then
			// refused the login twice.
			snd, err := db.CreateSender(ctx, fanmail.Sender{Name: "오즈세컨", FromEmail: "news@ozsecond.example", Kind: fanmail.SenderBrand})
			if err != nil {
				t.Fatal(err)
			}
			c, err := db.CreateCampaign(ctx, fanmail.Campaign{Name: "봄 신상품", SenderID: snd.ID, Kind: fanmail.CampaignTransactional})
			if err != nil {
				t.Fatal(err)
			}
			now := db.Now()
			if _, err := db.MoveCampaign(ctx, c.ID, fanmail.CampaignScheduled, &now, fanmail.CampaignDraft); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.StartCampaign(ctx, c.ID, store.Audience{}, now); err != nil {
				t.Fatal(err)
			}
			if err := db.RecordSends(ctx, store.SendOutcome{CampaignID: c.ID, RelayErrors: 2,
				RelayError: "relay smtp.example.com: smtp connect: smtp: 535 5.7.8 Authentication failed"}); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			env := map[string]string{"FANMAIL_DATABASE_URL": dbURL}
			if code := Main(ctx, []string{"campaign", "status", strconv.FormatInt(c.ID, 10)}, func(k string) string { return env[k] },
				&out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			if !strings.Contains(out.String(), "relay errors 2, the last at ") || !strings.Contains(out.String(), "535 5.7.8 Authentication failed") {
				t.Errorf("output:\n%s", out.String())
			}
		})
	}
}

// "fanmail campaign adcheck" says what makes an unmarked campaign an ad.
func TestCLI_CampaignAdCheck(t *testing.T) {
	ctx := context.Background()
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "fanmail.db")
	db := openMigrated(t, dbURL)
	c, err := db.CreateCampaign(ctx, fanmail.Campaign{Name: "주문 안내", Kind: fanmail.CampaignTransactional, Timezone: "Asia/Seoul",
		Subject: "주문 감사 쿠폰", Body: "<p>{{products \"ozsecond\" \"sale\" 3}}</p>"})
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	env := map[string]string{"FANMAIL_DATABASE_URL": dbURL}
	if code := Main(ctx, []string{"campaign", "adcheck", strconv.FormatInt(c.ID, 10)}, func(k string) string { return env[k] },
		&out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"2 ad signals; refused: ", "Subject (coupon): 쿠폰", `Body, line 1, block 1 (product block): {{products "ozsecond" "sale" 3}}`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// openMigrated opens the database at dbURL, migrated, until the test ends.
func openMigrated(t *testing.T, dbURL string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}
