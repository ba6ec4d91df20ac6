package app

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
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
