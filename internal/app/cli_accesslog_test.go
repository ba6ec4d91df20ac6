package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// TestCLI_AccessLog exports from the shell (a reason is needed above the
// limit and logged), verifies the chain, then edits a row in SQL as someone
// with database access could: verify fails naming the entry.
func TestCLI_AccessLog(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dbURL, db := cliDatabase(t, engine)
			for _, e := range []string{"jimin@example.com", "seoyeon@example.com", "hana@example.com"} {
				storetest.MustCreateMember(t, db, e)
			}
			env := map[string]string{"FANMAIL_DATABASE_URL": dbURL, "FANMAIL_EXPORT_REASON_ABOVE": "2"}
			run := func(args ...string) (int, string, string) {
				var out, errOut bytes.Buffer
				code := Main(ctx, args, func(k string) string { return env[k] }, &out, &errOut)
				return code, out.String(), errOut.String()
			}
			if code, out, errs := run("export"); code == 0 || out != "" || !strings.Contains(errs, "state the reason") {
				t.Fatalf("export without a reason: exit %d\n%s\n%s", code, out, errs)
			}
			code, out, errs := run("export", "세무 감사 자료 제출")
			if code != 0 || strings.Count(out, "\r\n") != 4 {
				t.Fatalf("export with a reason: exit %d\n%s\n%s", code, out, errs)
			}
			es, _, err := db.AccessEntries(ctx, store.AccessFilter{})
			if err != nil || len(es) != 1 || es[0].Action != fanmail.AccessExport || es[0].Count != 3 ||
				es[0].Reason != "세무 감사 자료 제출" || !strings.HasPrefix(es[0].Actor, "cli") {
				t.Fatalf("access log = %+v, %v", es, err)
			}
			for _, e := range []fanmail.AccessEntry{{UserID: 4, Actor: "counsel@shop.example", Action: fanmail.AccessView, Target: "member:2", Count: 1},
				{UserID: 4, Actor: "counsel@shop.example", Action: fanmail.AccessEdit, Target: "member:2", Count: 1}} {
				if _, err := db.AppendAccess(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			if code, out, errs := run("accesslog", "verify"); code != 0 || !strings.Contains(out, "intact: 3 entries") {
				t.Fatalf("verify: exit %d\n%s\n%s", code, out, errs)
			}

			drop := `DROP TRIGGER access_log_no_update`
			if engine == "postgres" {
				drop = `DROP TRIGGER access_log_no_change ON access_log`
			}
			if _, err := db.SQL().ExecContext(ctx, drop); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(ctx, `UPDATE access_log SET count = 1 WHERE id = $1`, es[0].ID); err != nil {
				t.Fatal(err)
			}
			code, _, errs = run("accesslog", "verify")
			if code == 0 || !strings.Contains(errs, "broken at entry 1") || !strings.Contains(errs, "edited") {
				t.Errorf("verify after tampering: exit %d\n%s", code, errs)
			}
		})
	}
}

// TestCLI_AccessLogImport: an import from the shell is recorded as an edit
// of the members it created.
func TestCLI_AccessLogImport(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dbURL, db := cliDatabase(t, engine)
			storetest.MustCreateMember(t, db, "hana@example.com")
			path := filepath.Join(t.TempDir(), "members.csv")
			csv := "email,name\nhana@example.com,박하나\njimin@example.com,김지민\nseoyeon@example.com,이서연\n"
			if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			env := map[string]string{"FANMAIL_DATABASE_URL": dbURL}
			if code := Main(ctx, []string{"import", path}, func(k string) string { return env[k] }, &out, &errOut); code != 0 {
				t.Fatalf("import: exit %d\n%s\n%s", code, out.String(), errOut.String())
			}
			es, _, err := db.AccessEntries(ctx, store.AccessFilter{})
			if err != nil || len(es) != 1 || es[0].Action != fanmail.AccessEdit || es[0].Count != 2 ||
				!strings.HasPrefix(es[0].Target, "members import ") || !strings.HasPrefix(es[0].Actor, "cli") {
				t.Fatalf("access log = %+v, %v", es, err)
			}
		})
	}
}
