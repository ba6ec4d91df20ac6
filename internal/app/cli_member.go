package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/fanmail/fanmail/internal/accesslog"
	"io"
	"log/slog"
	"strconv"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
)

func init() {
	commands["member"] = memberCmd
	commandUsage["member"] = "fanmail member erase ID --reason TEXT [--void-certificates] | fanmail member export ID [--format json|csv]"
}

// memberCmd: "member erase ID --reason TEXT" erases a member on request;
// "member export ID --format json|csv" writes their data copy to out.
func memberCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fanmail member", flag.ContinueOnError)
	reason := fs.String("reason", "", "erase: why (the request's date and channel); required")
	void := fs.Bool("void-certificates", false, "erase: void the member's unused gift certificates")
	format := fs.String("format", "json", "export: json or csv")
	args, err := parseCommand(fs, "member", args, 2, 2, out)
	if err != nil {
		return err
	}
	if args[0] != "erase" && args[0] != "export" {
		return errors.New("usage: " + commandUsage["member"])
	}
	id, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil {
		return fmt.Errorf("member id %q is not a number", args[1])
	}
	if args[0] == "export" && *format != "json" && *format != "csv" {
		return errors.New("--format must be json or csv")
	}
	a, err := Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	if args[0] == "export" {
		d, err := a.Members.MemberData(ctx, id)
		if err != nil {
			return errors.New(fanmail.ErrorMessage(err))
		}
		if err := a.Access.Record(ctx, fanmail.AccessEntry{Actor: cliActor(), Action: fanmail.AccessExport,
			Target: accesslog.MemberTarget(id) + " data copy", Count: 1}); err != nil {
			return err
		}
		if *format == "csv" {
			return member.WriteDataCSV(out, d)
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	res, err := a.Members.Erase(ctx, id, store.EraseOptions{Source: member.ErasedByCLI, Reason: *reason, VoidCertificates: *void})
	if err != nil {
		return errors.New(fanmail.ErrorMessage(err))
	}
	if err := a.Access.Record(ctx, fanmail.AccessEntry{Actor: cliActor(), Action: fanmail.AccessErase,
		Target: accesslog.MemberTarget(id), Count: 1, Reason: *reason}); err != nil {
		return err
	}
	fmt.Fprintf(out, "member %d erased: %d gift certificate(s) voided, %d message(s) deleted, %d tracking event(s) anonymised\n",
		id, res.VoidedCerts, res.DeletedMessages, res.AnonymisedEvents)
	return nil
}
