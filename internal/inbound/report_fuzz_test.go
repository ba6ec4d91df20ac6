package inbound_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/fanmail/fanmail/internal/inbound"
	"github.com/fanmail/fanmail/internal/tracking"
)

// FuzzParseReport reads arbitrary bytes as a received message, seeded with
// the DSN, ARF and reply fixtures: it must not panic, and whatever it
// returns is one of the kinds the receiver acts on, as the report said.
func FuzzParseReport(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; a\r\n\r\nAction: failed\r\nStatus: 5.1.1\r\n--x--\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := inbound.ParseReport(bytes.NewReader(data))
		if err != nil {
			return
		}
		// A bounce comes from a DSN recipient's Action, a complaint from a
		// feedback report, which has no Action.
		switch rep.Kind {
		case tracking.KindBounceHard, tracking.KindBounceSoft:
			if rep.Action != "failed" && rep.Action != "delayed" {
				t.Fatalf("a bounce with action %q: %+v", rep.Action, rep)
			}
		case tracking.KindComplaint:
			if rep.Action != "" || rep.Status != "" {
				t.Fatalf("a complaint with a DSN action: %+v", rep)
			}
		case "":
		default:
			t.Fatalf("kind %q", rep.Kind)
		}
	})
}
