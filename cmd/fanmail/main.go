// Command fanmail runs the fanmail e-CRM: web server, background jobs and
// maintenance commands. See "fanmail help".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/fanmail/fanmail/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
