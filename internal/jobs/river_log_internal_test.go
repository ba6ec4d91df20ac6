package jobs

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

// TestMinLevel_StoppingIsNotAnError: River logs the database call that Stop
// interrupted at ERROR; fanmail's log gets it as Debug. An error with a live
// context, or one that timed out, stays an error.
func TestMinLevel_StoppingIsNotAnError(t *testing.T) {
	var buf bytes.Buffer
	h := minLevel{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}), slog.LevelWarn}
	log := slog.New(h)

	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	log.ErrorContext(stopped, "maintenance.PeriodicJobEnqueuer: Error starting transaction", "error", "context canceled")
	if buf.Len() != 0 {
		t.Fatalf("an error from a stopped service reached an Info log: %s", buf.String())
	}

	log.ErrorContext(context.Background(), "producer: Error fetching jobs", "error", "connection refused")
	if !strings.Contains(buf.String(), "level=ERROR") {
		t.Errorf("an error from a running service was not logged as one: %q", buf.String())
	}
	log.InfoContext(context.Background(), "river chatter")
	if strings.Contains(buf.String(), "river chatter") {
		t.Errorf("River's Info lines reached the log: %q", buf.String())
	}
}
