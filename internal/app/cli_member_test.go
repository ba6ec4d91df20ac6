package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// "fanmail member export" and "fanmail member erase" answer an access and
// an erasure request from the command line.
func TestCLI_MemberExportAndErase(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dbURL, db := cliDatabase(t, engine)
			m := storetest.MustCreateMember(t, db, "jiwoo@example.com")
			id := strconv.FormatInt(m.ID, 10)
			env := map[string]string{"FANMAIL_DATABASE_URL": dbURL, "FANMAIL_NO_DEMO": "1"}
			run := func(args ...string) (int, string, string) {
				var out, errOut bytes.Buffer
				code := Main(ctx, args, func(k string) string { return env[k] }, &out, &errOut)
				return code, out.String(), errOut.String()
			}

			code, out, errOut := run("member", "export", id)
			var d member.DataCopy
			if code != 0 || json.Unmarshal([]byte(out), &d) != nil || d.Profile.Email != "jiwoo@example.com" {
				t.Fatalf("export json: exit %d, %s\n%.300s", code, errOut, out)
			}
			code, out, _ = run("member", "export", id, "--format", "csv")
			if recs, err := csv.NewReader(strings.NewReader(out)).ReadAll(); code != 0 || err != nil || len(recs) < 10 {
				t.Errorf("export csv: exit %d, %d records, %v", code, len(recs), err)
			}
			if code, _, errOut = run("member", "export", id, "--format", "xml"); code == 0 || !strings.Contains(errOut, "json or csv") {
				t.Errorf("bad format: exit %d, %s", code, errOut)
			}
			if code, _, errOut = run("member", "erase", id); code != 1 || !strings.Contains(errOut, "reason") {
				t.Errorf("erase without reason: exit %d, %s", code, errOut)
			}
			if code, _, errOut = run("member", "erase", "999999", "--reason", "x"); code != 1 || !strings.Contains(errOut, "not found") {
				t.Errorf("erase unknown member: exit %d, %s", code, errOut)
			}
			code, out, errOut = run("member", "erase", id, "--reason", "서면 요청 2026-12-01")
			if code != 0 || !strings.Contains(out, "member "+id+" erased") {
				t.Fatalf("erase: exit %d, %s %s", code, out, errOut)
			}
			if strings.Contains(errOut, "jiwoo") {
				t.Errorf("the log names the address: %s", errOut)
			}
			if erased, err := db.IsErased(ctx, "jiwoo@example.com"); err != nil || !erased {
				t.Errorf("IsErased = %v, %v", erased, err)
			}
		})
	}
}
