package app

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestMain_CleanShutdownLogsNoError starts fanmail as the binary does and
// stops it as a signal does, right after it serves: a clean shutdown is not
// an error, so nothing may be logged at ERROR (issue 10, item 11).
func TestMain_CleanShutdownLogsNoError(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		env := map[string]string{
			"FANMAIL_DATABASE_URL": databaseURL(t, engine),
			"FANMAIL_MEDIA_DIR":    t.TempDir(),
			"FANMAIL_HTTP_ADDR":    "127.0.0.1:0",
		}
		getenv := func(k string) string { return env[k] }
		for start := 1; start <= 2; start++ { // a first start and a restart
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			logs := &outputWatch{want: "fanmail serving", found: cancel}
			code := Main(ctx, []string{"serve"}, getenv, &outputWatch{}, logs)
			cancel()
			if code != 0 {
				t.Fatalf("start %d: exit %d, log:\n%s", start, code, logs.String())
			}
			if !strings.Contains(logs.String(), "fanmail stopped") {
				t.Fatalf("start %d did not stop cleanly; log:\n%s", start, logs.String())
			}
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, "level=ERROR") {
					t.Errorf("start %d: a clean shutdown logged an error: %s", start, line)
				}
			}
		}
	})
}
