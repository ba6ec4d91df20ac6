package app

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/campaign"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/staff"
)

func init() {
	commands["user"] = userCmd
	commands["import"] = importCmd
	commands["export"] = exportCmd
	commands["campaign"] = campaignCmd
	commands["dkim"] = dkimCmd
	commands["profiles"] = profilesCmd
	commands["accesslog"] = accessLogCmd
}

// commandUsage is the synopsis of each command but serve, shown by its
// --help and with a wrong number of arguments.
var commandUsage = map[string]string{
	"migrate":   "fanmail migrate",
	"demo":      "fanmail demo [--reset]",
	"user":      "fanmail user add EMAIL ROLE [NAME] | fanmail user passwd EMAIL",
	"import":    "fanmail import FILE.csv [--status active] [--consent marketing_email]",
	"export":    "fanmail export [REASON…] [--status STATUS] [--lang ko|en]",
	"campaign":  "fanmail campaign status ID | fanmail campaign adcheck ID",
	"dkim":      "fanmail dkim keygen DOMAIN [--algo ed25519|rsa] [--selector S] [--key-file FILE]",
	"profiles":  "fanmail profiles recompute",
	"accesslog": "fanmail accesslog verify",
}

// parseCommand parses the flags of command cmd, which may stand before,
// between or after its arguments, and returns the arguments, of which
// there must be from min to max (-1: no limit). -h or --help prints the
// command's usage and flags to out and returns flag.ErrHelp. An argument
// starting with "-" that is no flag of the command (after "--") is refused
// rather than taken for a name, a domain or a file.
func parseCommand(fs *flag.FlagSet, cmd string, args []string, min, max int, out io.Writer) ([]string, error) {
	fs.SetOutput(io.Discard)
	usage := "usage: " + commandUsage[cmd]
	var rest []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(out, "Usage: %s\n", commandUsage[cmd])
			fs.SetOutput(out)
			fs.PrintDefaults()
			fmt.Fprintln(out, "\nThe settings of \"fanmail serve --help\" may stand before the arguments.")
			return nil, err
		} else if err != nil {
			return nil, fmt.Errorf("%w\n%s", err, usage)
		}
		if fs.NArg() == 0 {
			break
		}
		rest, args = append(rest, fs.Arg(0)), fs.Args()[1:]
	}
	for _, a := range rest {
		if strings.HasPrefix(a, "-") {
			return nil, fmt.Errorf("%q is not a flag of this command, nor a valid argument\n%s", a, usage)
		}
	}
	if len(rest) < min || (max >= 0 && len(rest) > max) {
		return nil, errors.New(usage)
	}
	return rest, nil
}

// userCmd: "user add EMAIL ROLE [NAME]" and "user passwd EMAIL" print a
// generated password once.
func userCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	args, err := parseCommand(flag.NewFlagSet("fanmail user", flag.ContinueOnError), "user", args, 2, -1, out)
	if err != nil {
		return err
	}
	if args[0] == "add" && len(args) < 3 {
		return errors.New("usage: " + commandUsage["user"])
	}
	a, err := Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	password := rand.Text()
	switch args[0] {
	case "add":
		name := strings.Join(args[3:], " ")
		u, err := a.Staff.CreateUser(ctx, staff.NewUser{Email: args[1], Role: args[2], Name: name, Password: password})
		if err != nil {
			return errors.New(fanmail.ErrorMessage(err))
		}
		fmt.Fprintf(out, "staff user %d created with role %s\npassword (shown once): %s\n", u.ID, u.Role, password)
	case "passwd":
		u, err := a.Staff.UserByEmail(ctx, args[1])
		if err != nil {
			return errors.New(fanmail.ErrorMessage(err))
		}
		if err := a.Staff.SetPassword(ctx, u.ID, password); err != nil {
			return errors.New(fanmail.ErrorMessage(err))
		}
		fmt.Fprintf(out, "new password for staff user %d (shown once): %s\n", u.ID, password)
	default:
		return fmt.Errorf("unknown user command %q: want add or passwd", args[0])
	}
	return nil
}

// importCmd: "import FILE.csv [--status active] [--consent p1,p2]", printing
// progress to standard error.
func importCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fanmail import", flag.ContinueOnError)
	status := fs.String("status", fanmail.MemberPending, "status of imported members: pending or active (only for lists confirmed elsewhere)")
	consents := fs.String("consent", "", "consent purposes granted for rows that don't say, comma-separated, e.g. marketing_email")
	args, err := parseCommand(fs, "import", args, 1, 1, out)
	if err != nil {
		return err
	}
	path := args[0]
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	a, err := Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	var defaults []string
	if *consents != "" {
		defaults = strings.Split(*consents, ",")
	}
	res, err := a.Members.Import(ctx, member.ImportRequest{
		Filename: filepath.Base(path), Body: f, Size: st.Size(), Status: *status, DefaultConsents: defaults,
	}, func(p member.ImportProgress) { fmt.Fprintln(os.Stderr, p) })
	if err == nil || res.OK > 0 {
		if rerr := a.Access.Record(ctx, fanmail.AccessEntry{Actor: cliActor(), Action: fanmail.AccessEdit,
			Target: "members import " + strconv.FormatInt(res.ImportID, 10), Count: int(res.OK)}); rerr != nil {
			return rerr
		}
	}
	if err != nil {
		return errors.New(fanmail.ErrorMessage(err))
	}
	fmt.Fprintf(out, "%s\nencoding %s; bad rows are listed at %s/admin/imports/%d\n", res.ImportProgress, res.Encoding, cfg.BaseURL, res.ImportID)
	return nil
}

// exportCmd writes every member (or those with --status) as CSV to out.
func exportCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fanmail export", flag.ContinueOnError)
	status := fs.String("status", "", "only members with this status: pending, active or inactive")
	lang := fs.String("lang", fanmail.LangKorean, "header language: ko or en")
	// The reason is the arguments: flags before them would be taken for
	// the settings of "fanmail serve --help".
	words, err := parseCommand(fs, "export", args, 0, -1, out)
	if err != nil {
		return err
	}
	reason := strings.Join(words, " ")
	a, err := Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	f := member.ExportFilter{Status: *status, Lang: *lang}
	n, err := a.Members.CountExport(ctx, f)
	if err == nil {
		err = a.Access.CheckExport(n, reason)
	}
	if fanmail.ErrorField(err) == "reason" {
		return fmt.Errorf("%s\nusage: %s", fanmail.ErrorMessage(err), commandUsage["export"])
	}
	if err != nil {
		return errors.New(fanmail.ErrorMessage(err))
	}
	target := "all members"
	if f.Status != "" {
		target = "status=" + f.Status
	}
	if err := a.Access.Record(ctx, fanmail.AccessEntry{Actor: cliActor(), Action: fanmail.AccessExport,
		Target: target, Count: n, Reason: strings.TrimSpace(reason)}); err != nil {
		return err
	}
	return a.Members.Export(ctx, out, f)
}

// cliActor names the operator of a command in the access log: the
// operating system account running it.
func cliActor() string {
	if u := os.Getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

// accessLogCmd: "accesslog verify" walks the access log's hash chain and
// fails, naming the first broken entry, if it was tampered with.
func accessLogCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	args, err := parseCommand(flag.NewFlagSet("fanmail accesslog", flag.ContinueOnError), "accesslog", args, 1, 1, out)
	if err != nil {
		return err
	}
	if args[0] != "verify" {
		return errors.New("usage: " + commandUsage["accesslog"])
	}
	a, err := Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	c, err := a.Access.Verify(ctx)
	if err != nil {
		return err
	}
	if c.Broken != 0 {
		return fmt.Errorf("access log broken at entry %d (%d entries checked): %s", c.Broken, c.Checked, c.Problem)
	}
	fmt.Fprintf(out, "access log intact: %d entries checked\n", c.Checked)
	return nil
}

// campaignCmd: "campaign status ID" prints a campaign's progress;
// "campaign adcheck ID" what in its content makes it an ad.
func campaignCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	args, err := parseCommand(flag.NewFlagSet("fanmail campaign", flag.ContinueOnError), "campaign", args, 2, 2, out)
	if err != nil {
		return err
	}
	if args[0] != "status" && args[0] != "adcheck" {
		return errors.New("usage: " + commandUsage["campaign"])
	}
	id, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil {
		return fmt.Errorf("campaign id %q is not a number", args[1])
	}
	a, err := Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	if args[0] == "adcheck" {
		return campaignAdCheck(ctx, a, id, out)
	}
	p, err := a.Campaigns.Status(ctx, id)
	if err != nil {
		return errors.New(fanmail.ErrorMessage(err))
	}
	fmt.Fprintf(out, "campaign %d %q: %s, %.1f%% done\n  total %d, queued %d, sending %d, sent %d, failed %d, skipped %d\n",
		p.Campaign.ID, p.Campaign.Name, p.Campaign.Status, p.Percent(), p.Total, p.Queued, p.Sending, p.Sent, p.Failed, p.Skipped)
	if p.RelayErrors > 0 {
		fmt.Fprintf(out, "  relay errors %d, the last at %s: %s\n", p.RelayErrors, p.RelayErrorAt.Format(time.RFC3339), p.RelayError)
	}
	return nil
}

// campaignAdCheck prints what in campaign id's content makes it an ad,
// whether it may go out as marked, and the override that lets it, if any.
func campaignAdCheck(ctx context.Context, a *App, id int64, out io.Writer) error {
	c, err := a.Campaigns.Campaign(ctx, id)
	if err != nil {
		return errors.New(fanmail.ErrorMessage(err))
	}
	signals := fanmail.AdSignals(c.AdContent())
	verdict := "may go out as marked"
	if err := c.CheckAdRule(); err != nil {
		verdict = "refused: " + fanmail.ErrorMessage(err)
	}
	fmt.Fprintf(out, "campaign %d %q: %s, advertisement %v; %d ad signals; %s\n", c.ID, c.Name, c.Kind, c.IsAd, len(signals), verdict)
	for _, s := range signals {
		fmt.Fprintf(out, "  %s\n", s.Describe())
	}
	if o := c.AdOverride; o != nil {
		fmt.Fprintf(out, "  override by staff user %d at %s: %s\n", o.UserID, o.At.Format(time.RFC3339), o.Reason)
	}
	return nil
}

// dkimCmd: "dkim keygen DOMAIN [--algo rsa] [--selector S] [--key-file F]".
func dkimCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fanmail dkim keygen", flag.ContinueOnError)
	var o campaign.KeygenOptions
	fs.StringVar(&o.Algo, "algo", "ed25519", "ed25519 or rsa (RSA-2048, for receivers without ed25519 support)")
	fs.StringVar(&o.Selector, "selector", "", "DKIM selector; default "+campaign.DefaultDKIMSelector)
	fs.StringVar(&o.KeyFile, "key-file", "", "write the private key to this new file (mode 0600) instead of printing it")
	args, err := parseCommand(fs, "dkim", args, 2, 2, out)
	if err != nil {
		return err
	}
	if args[0] != "keygen" {
		return errors.New("usage: " + commandUsage["dkim"])
	}
	o.Domain = args[1]
	return campaign.DKIMKeygen(out, o)
}

// profilesCmd: "profiles recompute" analyses every member's profile again,
// printing progress to standard error.
func profilesCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	args, err := parseCommand(flag.NewFlagSet("fanmail profiles", flag.ContinueOnError), "profiles", args, 1, 1, out)
	if err != nil {
		return err
	}
	if args[0] != "recompute" {
		return errors.New("usage: " + commandUsage["profiles"])
	}
	a, err := Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.Members.RecomputeProfiles(ctx, func(done int) { fmt.Fprintf(os.Stderr, "%d members analysed\n", done) })
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "profiles of %d members recomputed\n", n)
	return nil
}
