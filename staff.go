package fanmail

import "time"

// Staff roles. Shop staff see only the shop terminal and member look-up.
const (
	RoleAdmin         = "admin"
	RoleMarketer      = "marketer"
	RoleCounsellor    = "counsellor"
	RoleShopStaff     = "shop_staff"
	RoleServiceCentre = "service_centre"
	// RolePrivacyOfficer (개인정보 보호책임자) reads the access log of
	// personal data; no other role does, not even admin (PIPA art. 31).
	RolePrivacyOfficer = "privacy_officer"
)

// Roles lists every staff role.
var Roles = []string{RoleAdmin, RoleMarketer, RoleCounsellor, RoleShopStaff, RoleServiceCentre, RolePrivacyOfficer}

// IsRole reports whether r is a known role.
func IsRole(r string) bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Permissions, checked on every page and API call.
const (
	PermManageStaff   = "staff.manage"   // staff accounts, API tokens, settings
	PermManageCatalog = "catalog.manage" // brand groups, brands, products
	PermViewMembers   = "members.view"   // search and read members
	PermEditMembers   = "members.edit"   // edit, deactivate, consents
	PermImportMembers = "members.import" // CSV import and export
	PermRegisterShop  = "shop.register"  // the shop terminal
	PermManageSurveys = "surveys.manage" // profile survey questions
	// PermManageCampaigns: segments, senders and campaigns (composing,
	// test sends, scheduling, pausing, statistics).
	PermManageCampaigns = "campaigns.manage"
	// PermRedeem: redeem chips and gift certificates at the shop terminal
	// or through the API.
	PermRedeem = "loyalty.redeem"
	// PermManageLoyalty: the rewards catalogue, brands' fan rules and
	// reversals of ledger entries.
	PermManageLoyalty = "loyalty.manage"
	// PermOverrideAdRule: send a campaign whose content carries ad signals
	// (see AdSignals) as non-advertising mail, giving a reason that is
	// recorded with the campaign.
	PermOverrideAdRule = "campaigns.override_ad"
	// PermReadAccessLog: the access log of personal data and its
	// verification; the privacy officer's alone.
	PermReadAccessLog = "accesslog.read"
	// PermEraseMembers: erase a member's personal data on request (the
	// admin member page, the API, the CLI). Kept apart from PermEditMembers
	// so it can be granted alone, as to the privacy officer.
	PermEraseMembers = "members.erase"
)

var rolePerms = map[string][]string{
	RoleAdmin: {PermManageStaff, PermManageCatalog, PermViewMembers, PermEditMembers, PermImportMembers, PermRegisterShop,
		PermManageSurveys, PermManageCampaigns, PermRedeem, PermManageLoyalty, PermOverrideAdRule, PermEraseMembers},
	RoleMarketer: {PermManageCatalog, PermViewMembers, PermEditMembers, PermImportMembers, PermManageSurveys, PermManageCampaigns,
		PermManageLoyalty},
	RoleCounsellor:     {PermViewMembers, PermEditMembers},
	RoleShopStaff:      {PermViewMembers, PermRegisterShop, PermRedeem},
	RoleServiceCentre:  {PermViewMembers},
	RolePrivacyOfficer: {PermReadAccessLog, PermEraseMembers},
}

// Can reports whether role grants perm.
func Can(role, perm string) bool {
	for _, p := range rolePerms[role] {
		if p == perm {
			return true
		}
	}
	return false
}

// User is a staff account.
type User struct {
	ID          int64
	Email       string
	Name        string
	Role        string
	ShopID      int64 // for shop staff: the shop they work in
	Lang        string
	Active      bool
	LastLoginAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Shop is a store whose staff register customers at a terminal.
type Shop struct {
	ID        int64
	Code      string
	Name      string
	Kind      string // ShopStore, ShopDepartment or ShopOutlet; purchase patterns read it
	Region    string
	Phone     string
	Address   string
	CreatedAt time.Time
}

// Shop kinds: where a purchase was made says how the member buys (see
// PurchaseLine.Pattern).
const (
	ShopStore      = "store"      // the brand's own shop or an agency (대리점); the default
	ShopDepartment = "department" // a counter in a department store
	ShopOutlet     = "outlet"     // a permanent discount store (상설 할인매장)
)

// IsShopKind reports whether s is a known shop kind.
func IsShopKind(s string) bool { return s == ShopStore || s == ShopDepartment || s == ShopOutlet }

// APIToken authenticates a program calling the JSON API with a role's rights.
type APIToken struct {
	ID         int64
	Name       string
	Role       string
	Prefix     string // first characters of the token, to recognise it
	CreatedBy  int64
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}
