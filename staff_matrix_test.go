package fanmail

import (
	"slices"
	"testing"
)

// TestCan_Matrix spells out which role has which permission. A permission
// added, granted or taken away must be written here too: the test fails on
// any difference, including a permission it does not list.
func TestCan_Matrix(t *testing.T) {
	perms := []string{PermManageStaff, PermManageCatalog, PermViewMembers, PermEditMembers, PermImportMembers,
		PermRegisterShop, PermManageSurveys, PermManageCampaigns, PermRedeem, PermManageLoyalty, PermOverrideAdRule,
		PermReadAccessLog, PermEraseMembers}
	// One row per role, one column per permission, in the order above.
	matrix := map[string]string{
		//                  staff catalog view edit import shop surveys campaigns redeem loyalty override_ad accesslog erase
		RoleAdmin:          "YYYYYYYYYYY-Y",
		RoleMarketer:       "-YYYY-YY-Y---",
		RoleCounsellor:     "--YY---------",
		RoleShopStaff:      "--Y--Y--Y----",
		RoleServiceCentre:  "--Y----------",
		RolePrivacyOfficer: "-----------YY",
		"unknown":          "-------------",
		"":                 "-------------",
	}
	for _, role := range Roles {
		if _, ok := matrix[role]; !ok {
			t.Errorf("role %q is not in the matrix", role)
		}
	}
	for role, granted := range rolePerms {
		for _, p := range granted {
			if !slices.Contains(perms, p) {
				t.Errorf("role %q has permission %q, which the matrix does not list", role, p)
			}
		}
	}
	for role, row := range matrix {
		for i, p := range perms {
			if want := row[i] == 'Y'; Can(role, p) != want {
				t.Errorf("Can(%q, %q) = %v, want %v", role, p, !want, want)
			}
		}
		if Can(role, "root") {
			t.Errorf("Can(%q, an unknown permission) = true", role)
		}
	}
}
