package fanmail

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// Access log actions: what a staff user, an API token or the command line did
// with members' personal data (PIPA safety measures), and other staff actions
// worth an audit trail.
const (
	AccessView   = "view"   // opened one member's record
	AccessSearch = "search" // searched or listed members
	AccessEdit   = "edit"   // changed a member (profile, status, consents, brands)
	AccessExport = "export" // downloaded members in bulk
	AccessErase  = "erase"  // erased a member on request
	// AccessAdOverride: content with ad signals let out as non-advertising
	// mail (PermOverrideAdRule); the target is the campaign.
	AccessAdOverride = "campaign.ad_override"
	AccessRead       = "access_log.read"
)

// AccessActions lists the actions the access-log filter offers. Other
// packages may append theirs with their own Action string (e.g. an ad-rule
// override); the log takes any non-empty action.
var AccessActions = []string{AccessView, AccessSearch, AccessEdit, AccessExport, AccessErase, AccessRead, AccessAdOverride}

// AccessEntry is one line of the access log. The log is append-only and
// chained: Hash is the SHA-256 of PrevHash and the entry's canonical content,
// so editing, inserting or removing a past entry breaks every hash after it.
type AccessEntry struct {
	ID       int64
	At       time.Time // UTC, microseconds (what both databases keep)
	UserID   int64     // staff user; 0 for the command line
	Actor    string    // staff e-mail, "api:TOKEN NAME" or "cli"
	IP       string
	Action   string // AccessView, AccessSearch, … or another package's action
	Target   string // "member:12", "members:3,5,9" or the search filter
	Count    int    // how many member records the action touched
	Reason   string // why (a bulk export, an override)
	PrevHash string // Hash of the entry before; "" for the first
	Hash     string
}

// ValidateAccessEntry returns EINVALID when e lacks an action or an actor.
func ValidateAccessEntry(e AccessEntry) error {
	if e.Action == "" || len(e.Action) > 100 {
		return FieldError("action", "An access log entry needs an action.")
	}
	if e.Actor == "" {
		return FieldError("actor", "An access log entry needs an actor.")
	}
	if len([]rune(e.Reason)) > 500 {
		return FieldError("reason", "The reason is too long: at most 500 characters.")
	}
	if e.Count < 0 {
		return FieldError("count", "The number of records cannot be negative.")
	}
	return nil
}

// ChainHash returns the hash of e following prev: hex SHA-256 of prev and the
// JSON of e's content (every field but ID and the hashes, in a fixed order).
func ChainHash(prev string, e AccessEntry) string {
	content, _ := json.Marshal(struct {
		At     string `json:"at"`
		UserID int64  `json:"user_id"`
		Actor  string `json:"actor"`
		IP     string `json:"ip"`
		Action string `json:"action"`
		Target string `json:"target"`
		Count  int    `json:"count"`
		Reason string `json:"reason"`
	}{e.At.UTC().Format(time.RFC3339Nano), e.UserID, e.Actor, e.IP, e.Action, e.Target, e.Count, e.Reason})
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{0})
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// AccessRetention is the shortest time the access log is kept (PIPA safety
// measures standard, art. 8: at least two years when it covers many data
// subjects). fanmail deletes no access log entry at all.
const AccessRetention = 2 * 365 * 24 * time.Hour

// DefaultExportReasonAbove is how many records an export may hold before it
// needs a stated reason, unless configured otherwise.
const DefaultExportReasonAbove = 1000

// CheckExportReason returns EINVALID (field "reason") when an export of count
// records exceeds limit (0 = no limit) and reason is blank.
func CheckExportReason(count, limit int, reason string) error {
	if limit > 0 && count > limit && len([]rune(strings.TrimSpace(reason))) < 2 {
		return FieldErrorf("reason", "This export holds %d members, more than %d: state the reason for it.", count, limit)
	}
	return nil
}
