package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/compliance"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
)

// openCompliance builds the compliance service (the Network Act's consent
// notices, retention) and registers its notices with the outbox; openQueue
// adds its jobs.
func (a *App) openCompliance() {
	a.Compliance = compliance.New(a.db, a.logger, compliance.Options{
		BaseURL: a.cfg.BaseURL, Sender: a.footerSender, AfterCommit: a.afterCommit, Retention: a.cfg.Retention,
		EraseInactive: a.eraseInactive,
	})
	a.Outbox.RegisterAll(a.Compliance.Renderers())
}

func init() {
	commands["compliance"] = complianceCmd
	commandUsage["compliance"] = "fanmail compliance status | fanmail compliance run notices|reconfirm|retention"
}

// complianceCmd: "compliance status" prints what the compliance page shows;
// "compliance run JOB" runs one job now and prints its counts.
func complianceCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	args, err := parseCommand(flag.NewFlagSet("fanmail compliance", flag.ContinueOnError), "compliance", args, 1, 2, out)
	if err != nil {
		return err
	}
	usage := errors.New("usage: " + commandUsage["compliance"])
	if (args[0] == "status") != (len(args) == 1) || (args[0] != "status" && args[0] != "run") {
		return usage
	}
	a, err := Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	if args[0] == "run" {
		counts, err := a.Compliance.Run(ctx, args[1])
		if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
			return usage
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s done: %s\n", args[1], formatCounts(counts))
		return nil
	}
	st, err := a.Compliance.Status(ctx)
	if err != nil {
		return err
	}
	printStatus(out, st)
	return nil
}

func printStatus(out io.Writer, st compliance.Status) {
	day := func(t time.Time) string { return t.In(fanmail.KST).Format("2006-01-02 15:04 KST") }
	fmt.Fprintf(out, "compliance status at %s\n", day(st.At))
	fmt.Fprintf(out, "result notices overdue (over 14 days): %d\n", st.OverdueNotices)
	for _, e := range st.Overdue {
		fmt.Fprintf(out, "  consent %d of member %d: %s (%s) %s on %s\n", e.ID, e.MemberID,
			e.Purpose, fanmail.PurposeLabel(e.Purpose), strings.ToLower(e.Result()), day(e.CreatedAt))
	}
	fmt.Fprintf(out, "re-confirmations due: %d\n", st.ReconfirmationsDue)
	for _, d := range st.Due {
		fmt.Fprintf(out, "  member %d: %s (%s) granted %s, period %d due %s\n", d.MemberID,
			d.Purpose, fanmail.PurposeLabel(d.Purpose), day(d.GrantedAt), d.Period, day(d.DueAt))
	}
	fmt.Fprintln(out, "last runs:")
	for _, job := range compliance.Jobs {
		i := slices.IndexFunc(st.Runs, func(r store.JobRun) bool { return r.Job == job })
		if i < 0 {
			fmt.Fprintf(out, "  %s: never ran\n", job)
			continue
		}
		r := st.Runs[i]
		end := "unfinished"
		if r.FinishedAt != nil {
			end = day(*r.FinishedAt)
		}
		fmt.Fprintf(out, "  %s: started %s, ended %s, %s", job, day(r.StartedAt), end, formatCounts(r.Counts))
		if r.Error != "" {
			fmt.Fprintf(out, ", error: %s", r.Error)
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintln(out, "retention:")
	for _, r := range st.Retention {
		fmt.Fprintf(out, "  %s: %s, %s\n", r.Data, config.FormatDays(r.Period), r.Action)
	}
}

// formatCounts writes counts as "a=1 b=2", sorted by name; "nothing" when empty.
func formatCounts(counts map[string]int64) string {
	if len(counts) == 0 {
		return "nothing"
	}
	var parts []string
	for k, v := range counts {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// privacyRetention is what the privacy policy states about how long data
// is kept: fanmail.DefaultRetention with the periods configured for
// retention (FANMAIL_RETAIN_*) where it names the same data.
func privacyRetention(r config.Retention) []fanmail.RetentionItem {
	out := slices.Clone(fanmail.DefaultRetention)
	for i := range out {
		switch out[i].Data {
		case fanmail.RetentionOpensClicks:
			out[i].Period = r.TrackingEvents
		case fanmail.RetentionRepliesBounces:
			out[i].Period = max(r.Replies, r.BounceReports)
		}
	}
	return out
}

// eraseInactive erases member id for the retention job, which found them
// inactive past FANMAIL_RETAIN_INACTIVE_MEMBERS, and records it in the
// access log. A refusal (unused gift certificates) is the job's to count.
func (a *App) eraseInactive(ctx context.Context, id int64) error {
	if _, err := a.Members.Erase(ctx, id, store.EraseOptions{Source: member.ErasedByRetention,
		Reason: "inactive past the retention period (FANMAIL_RETAIN_INACTIVE_MEMBERS)"}); err != nil {
		return err
	}
	return a.Access.Record(ctx, fanmail.AccessEntry{Actor: "system:retention", Action: fanmail.AccessErase,
		Target: fmt.Sprintf("member:%d", id), Count: 1, Reason: "inactive past the retention period"})
}
