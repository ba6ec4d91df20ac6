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

// Shop staff redeem at the terminal; the catalogue of rewards, fan rules
// and ledger corrections are the marketers' (and admins').
func TestCan_Loyalty(t *testing.T) {
	for _, tt := range []struct {
		role           string
		redeem, manage bool
	}{
		{fanmail.RoleAdmin, true, true},
		{fanmail.RoleMarketer, false, true},
		{fanmail.RoleCounsellor, false, false},
		{fanmail.RoleShopStaff, true, false},
		{fanmail.RoleServiceCentre, false, false},
	} {
		if got := fanmail.Can(tt.role, fanmail.PermRedeem); got != tt.redeem {
			t.Errorf("Can(%q, loyalty.redeem) = %v, want %v", tt.role, got, tt.redeem)
		}
		if got := fanmail.Can(tt.role, fanmail.PermManageLoyalty); got != tt.manage {
			t.Errorf("Can(%q, loyalty.manage) = %v, want %v", tt.role, got, tt.manage)
		}
	}
}
