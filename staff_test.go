package fanmail_test

import (
	"testing"

	"github.com/fanmail/fanmail"
)

// Campaigns, senders and segments are the marketers' (and admins'); the
// other roles see members at most.
func TestCan_Campaigns(t *testing.T) {
	for role, want := range map[string]bool{
		fanmail.RoleAdmin:         true,
		fanmail.RoleMarketer:      true,
		fanmail.RoleCounsellor:    false,
		fanmail.RoleShopStaff:     false,
		fanmail.RoleServiceCentre: false,
		"unknown":                 false,
	} {
		if got := fanmail.Can(role, fanmail.PermManageCampaigns); got != want {
			t.Errorf("Can(%q, campaigns.manage) = %v, want %v", role, got, want)
		}
	}
	// Managing the catalogue no longer implies campaigns, and the reverse.
	if fanmail.PermManageCampaigns == fanmail.PermManageCatalog {
		t.Error("campaigns share the catalogue's permission")
	}
}
