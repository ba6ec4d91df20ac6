package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/demo"
)

// Version is set at build time with -ldflags "-X github.com/fanmail/fanmail/internal/app.Version=…".
var Version = "dev"

const usage = `fanmail — e-mail-first customer management

Usage:
  fanmail [command] [flags]

Commands:
  serve              run the web server and background jobs (default)
  migrate            apply database migrations and exit
  user add EMAIL ROLE [NAME]
                     create a staff user (roles: admin, marketer, counsellor,
                     shop_staff, service_centre, privacy_officer); prints a
                     generated password
  user passwd EMAIL  set a new generated password for a staff user
  demo [--reset]     load demo data (brands, products, shops); --reset deletes
                     the demo brand groups with their brands, products, images
                     and brand preferences, then loads them again
  import FILE.csv    import members from a CSV file, printing progress
  export [REASON]    write all members as CSV to standard output; above
                     --export-reason-above members it needs a reason, which
                     the access log keeps with the count
  accesslog verify   check the access log's hash chain; exits 1 if broken
  member erase ID --reason TEXT [--void-certificates]
                     erase a member's personal data on request (what is
                     kept: README, "Erasure"); refused while they hold
                     unused gift certificates unless --void-certificates
  member export ID [--format json|csv]
                     write everything held about a member to standard output
  campaign status ID print a campaign's progress
  campaign adcheck ID
                     print what in a campaign's content makes it an ad and
                     whether it may be sent as marked
  profiles recompute analyse every member's profile again (preferred brand
                     group, purchase pattern), e.g. after moving a brand to
                     another group
  dkim keygen DOMAIN make a DKIM key pair and print the DNS record
  compliance status  print overdue consent notices (Network Act art. 50),
                     re-confirmations due, the last run of each compliance
                     job and the retention periods
  compliance run notices|reconfirm|retention
                     run one compliance job now and print what it did
  version            print the version

Run "fanmail COMMAND --help" for the flags of a command. Every flag also
reads an environment variable, shown in its help.
`

// Main runs the command line and returns the exit code.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "help" || (cmd == "serve" && len(args) > 0 && isHelp(args[0])) {
		fmt.Fprint(stdout, usage)
		if cmd == "serve" {
			fmt.Fprintln(stdout, "\nFlags:")
			fs := config.FlagSet("serve", new(config.Config), getenv, stdout)
			fs.PrintDefaults()
		}
		return 0
	}
	if cmd == "version" {
		fmt.Fprintln(stdout, "fanmail", version())
		return 0
	}
	run, ok := commands[cmd]
	if !ok {
		fmt.Fprintf(stderr, "fanmail: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if cmd != "serve" && len(args) > 0 && isHelp(args[0]) {
		// The command's own help, not the settings': it runs no further
		// than parsing its flags.
		run(ctx, config.Default(), NewLogger(config.Default(), stderr), args, stdout)
		return 0
	}
	cfg, rest, err := config.Load(cmd, args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "fanmail:", err)
		return 2
	}
	logger := NewLogger(cfg, stderr)
	if err := run(ctx, cfg, logger, rest, stdout); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		fmt.Fprintln(stderr, "fanmail:", err)
		return 1
	}
	return 0
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

type command func(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error

var commands = map[string]command{
	"serve":   serve,
	"migrate": migrate,
	"demo":    demoCmd,
}

func version() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return Version
}

// NewLogger returns the process logger configured by cfg.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func serve(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	if domain := cfg.LocalMailDomain(); domain != "" {
		logger.Warn("system mail is sent from a local domain that receivers refuse; set FANMAIL_BASE_URL to the public URL or FANMAIL_MAIL_FROM",
			"domain", domain)
	}
	a, err := Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	// Bind before Prepare prints the first admin's password: on a busy
	// port the process must stop before the account exists, so that the
	// next start creates it and prints the password again.
	if err := a.Listen(); err != nil {
		a.Close()
		return err
	}
	if err := a.Prepare(ctx, out); err != nil {
		a.Close()
		return err
	}
	a.pageOut = !cfg.NoPageOut
	return a.Run(ctx)
}

func migrate(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	if _, err := parseCommand(flag.NewFlagSet("fanmail migrate", flag.ContinueOnError), "migrate", args, 0, 0, out); err != nil {
		return err
	}
	a, err := Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintln(out, "migrations applied")
	return nil
}

// Prepare readies a fresh database for use: the first admin account (its
// password is printed once to out), the default surveys (profile and deep
// brand survey), the members' profile analysis when none is stored and,
// unless disabled, demo data for an empty catalogue.
func (a *App) Prepare(ctx context.Context, out io.Writer) error {
	if !a.cfg.NoDemo {
		empty, err := demo.IsEmpty(ctx, a.db)
		if err != nil {
			return err
		}
		if empty {
			if err := demo.Load(ctx, a.db, a.Catalog); err != nil {
				return fmt.Errorf("load demo data: %w", err)
			}
			a.logger.Info("demo data loaded")
		}
	}
	// After the demo brands, so style options link to them.
	if err := a.Surveys.EnsureDefaults(ctx); err != nil {
		return fmt.Errorf("default surveys: %w", err)
	}
	// Members stored before the profile analysis existed get theirs once.
	if err := a.Members.EnsureProfiles(ctx); err != nil {
		return fmt.Errorf("member profiles: %w", err)
	}
	email, password, created, err := a.Staff.EnsureAdmin(ctx)
	if err != nil {
		return fmt.Errorf("first admin: %w", err)
	}
	if created {
		fmt.Fprintf(out, "\n  fanmail admin account created (shown once):\n    sign in at %s/admin/\n    e-mail:   %s\n    password: %s\n\n", a.cfg.BaseURL, email, password)
	}
	return nil
}

func demoCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fanmail demo", flag.ContinueOnError)
	reset := fs.Bool("reset", false, "delete the demo brand groups with their brands, products, images and brand preferences, then load them again")
	args, err := parseCommand(fs, "demo", args, 0, 1, out)
	if err != nil {
		return err
	}
	if len(args) == 1 && args[0] != "reset" {
		return errors.New("usage: " + commandUsage["demo"])
	}
	*reset = *reset || len(args) == 1
	a, err := Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	if *reset {
		if err := demo.Reset(ctx, a.db, a.Catalog); err != nil {
			return err
		}
		// The members' favourites of demo brands went with them.
		if _, err := a.Members.RecomputeProfiles(ctx, nil); err != nil {
			return err
		}
		fmt.Fprintln(out, "demo data reset")
	} else {
		if err := demo.Load(ctx, a.db, a.Catalog); err != nil {
			return err
		}
		fmt.Fprintln(out, "demo data loaded")
	}
	return a.Surveys.EnsureDefaults(ctx)
}
