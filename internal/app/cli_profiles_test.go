package app

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLI_ProfilesRecompute(t *testing.T) {
	env := map[string]string{
		"FANMAIL_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "fanmail.db"),
		"FANMAIL_NO_DEMO":      "1",
	}
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	if code, out, errOut := run("profiles", "recompute"); code != 0 || !strings.Contains(out, "profiles of 0 members recomputed") {
		t.Errorf("profiles recompute: exit %d, %q, %q", code, out, errOut)
	}
	if code, _, errOut := run("profiles"); code != 1 || !strings.Contains(errOut, "usage: fanmail profiles recompute") {
		t.Errorf("profiles without a command: exit %d, %q", code, errOut)
	}
	if code, out, _ := run("profiles", "--help"); code != 0 || !strings.Contains(out, "Usage: fanmail profiles recompute") {
		t.Errorf("profiles --help: exit %d, %q", code, out)
	}
}
