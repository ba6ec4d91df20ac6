package admin_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/store/storetest"
	"github.com/fanmail/fanmail/internal/web/admin"
)

// TestNew_RequiresEveryService: the staff UI builds no services of its own;
// one missing fails at construction, naming it.
func TestNew_RequiresEveryService(t *testing.T) {
	db := storetest.OpenSQLite(t)
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	cfg := config.Default()
	cfg.MediaDir = t.TempDir()
	if _, err := admin.New(admin.FullDeps(t, db, cfg, logger)); err != nil {
		t.Fatalf("New with every service: %v", err)
	}
	for name, drop := range map[string]func(*admin.Deps){
		"Campaigns": func(d *admin.Deps) { d.Campaigns = nil },
		"Segments":  func(d *admin.Deps) { d.Segments = nil },
		"Tracking":  func(d *admin.Deps) { d.Tracking = nil },
		"Orders":    func(d *admin.Deps) { d.Orders = nil },
		"Surveys":   func(d *admin.Deps) { d.Surveys = nil },
		"Loyalty":   func(d *admin.Deps) { d.Loyalty = nil },
		"Mailbox":   func(d *admin.Deps) { d.Mailbox = nil },
	} {
		d := admin.FullDeps(t, db, cfg, logger)
		drop(&d)
		_, err := admin.New(d)
		if err == nil || !strings.Contains(err.Error(), "Deps."+name) {
			t.Errorf("New without %s: err = %v; want it named", name, err)
		}
	}
}
