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
}

// userCmd: "user add EMAIL ROLE [NAME]" and "user passwd EMAIL" print a
// generated password once.
func userCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	if len(args) < 2 || (args[0] == "add" && len(args) < 3) {
		return errors.New("usage: fanmail user add EMAIL ROLE [NAME] | fanmail user passwd EMAIL")
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
	if len(args) == 0 {
		return errors.New("usage: fanmail import FILE.csv [--status active] [--consent marketing_email]")
	}
	path := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Members.Export(ctx, out, member.ExportFilter{Status: *status, Lang: *lang})
}

// campaignCmd: "campaign status ID" prints a campaign's progress.
func campaignCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	if len(args) != 2 || args[0] != "status" {
		return errors.New("usage: fanmail campaign status ID")
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

// dkimCmd: "dkim keygen DOMAIN [--algo rsa] [--selector S] [--key-file F]".
func dkimCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	if len(args) < 2 || args[0] != "keygen" {
		return errors.New("usage: fanmail dkim keygen DOMAIN [--algo ed25519|rsa] [--selector S] [--key-file FILE]")
	}
	fs := flag.NewFlagSet("fanmail dkim keygen", flag.ContinueOnError)
	o := campaign.KeygenOptions{Domain: args[1]}
	fs.StringVar(&o.Algo, "algo", "ed25519", "ed25519 or rsa (RSA-2048, for receivers without ed25519 support)")
	fs.StringVar(&o.Selector, "selector", "", "DKIM selector; default "+campaign.DefaultDKIMSelector)
	fs.StringVar(&o.KeyFile, "key-file", "", "write the private key to this new file (mode 0600) instead of printing it")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	return campaign.DKIMKeygen(out, o)
}
