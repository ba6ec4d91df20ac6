// Package accesslog owns the access log of personal data (PIPA safety
// measures) and the audit trail of other staff actions: recording entries,
// reading them for the privacy officer, verifying the hash chain, and the
// rule that a large export needs a reason.
package accesslog

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// Service records and reads the access log.
type Service struct {
	db *store.DB
	// exportReasonAbove: an export of more members needs a reason; 0 = never.
	exportReasonAbove int
}

// New returns the service; an export of more than exportReasonAbove members
// needs a stated reason (0: none ever does).
func New(db *store.DB, exportReasonAbove int) *Service {
	return &Service{db: db, exportReasonAbove: exportReasonAbove}
}

// Record appends e in a transaction of its own. Other packages record their
// staff actions (an ad-rule override) with their own Action string, or call
// store.Tx.AppendAccess inside the transaction that makes the change. It
// returns EINVALID for an entry without action or actor.
func (s *Service) Record(ctx context.Context, e fanmail.AccessEntry) error {
	if len(e.Target) > maxTarget {
		cut := maxTarget
		for cut > 0 && !utf8.RuneStart(e.Target[cut]) {
			cut--
		}
		e.Target = e.Target[:cut] + "…"
	}
	_, err := s.db.AppendAccess(ctx, e)
	return err
}

// Entries returns one page of entries, newest first, and the Before of the
// next page (0 on the last).
func (s *Service) Entries(ctx context.Context, f store.AccessFilter) ([]fanmail.AccessEntry, int64, error) {
	return s.db.AccessEntries(ctx, f)
}

// Verify walks the whole chain; see store.DB.VerifyAccessLog.
func (s *Service) Verify(ctx context.Context) (store.AccessChainCheck, error) {
	return s.db.VerifyAccessLog(ctx)
}

// ExportReasonAbove is how many members an export may hold without a reason
// (0: no limit).
func (s *Service) ExportReasonAbove() int { return s.exportReasonAbove }

// CheckExport returns EINVALID (field "reason") when an export of count
// members needs a reason and reason is blank.
func (s *Service) CheckExport(count int, reason string) error {
	return fanmail.CheckExportReason(count, s.exportReasonAbove, reason)
}

// maxTarget bounds the length of a target in bytes.
const maxTarget = 4000

// maxTargetIDs bounds the member ids one entry lists; the count says how
// many there were.
const maxTargetIDs = 200

// MemberTarget is the target of an action on one member.
func MemberTarget(id int64) string { return "member:" + strconv.FormatInt(id, 10) }

// MembersTarget is the target of an action on the members with ids (a page
// of search results), "members:3,5,9", listing at most 200.
func MembersTarget(ids []int64) string {
	var b strings.Builder
	b.WriteString("members:")
	for i, id := range ids {
		if i == maxTargetIDs {
			b.WriteString(",…")
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}

// FilterTarget describes a search: the non-empty filter values as name=value
// pairs in the order given, then the members found. A search text that holds
// an e-mail address or a phone number is replaced by what it is, so the log
// holds no address or number typed into the search box.
func FilterTarget(pairs [][2]string, found []int64) string {
	var parts []string
	for _, p := range pairs {
		if p[1] == "" || p[1] == "0" {
			continue
		}
		parts = append(parts, p[0]+"="+redact(p[1]))
	}
	parts = append(parts, MembersTarget(found))
	return strings.Join(parts, " ")
}

// MailboxTarget describes a page of the built-in mailbox, whose mails are
// to members: "mailbox", the search text (an address or number replaced by
// what it is) and the page, then the messages shown, "messages:7,6", listing
// at most 200.
func MailboxTarget(query string, before int64, ids []int64) string {
	parts := []string{"mailbox"}
	if q := strings.TrimSpace(query); q != "" {
		parts = append(parts, "q="+redact(q))
	}
	if before != 0 {
		parts = append(parts, "before="+strconv.FormatInt(before, 10))
	}
	members := MembersTarget(ids)
	return strings.Join(append(parts, "messages:"+strings.TrimPrefix(members, "members:")), " ")
}

// MailboxMessageTarget is the target of reading one mail of the mailbox.
func MailboxMessageTarget(id int64) string { return "mailbox message " + strconv.FormatInt(id, 10) }

// redact hides an e-mail address or phone number in a search text.
func redact(q string) string {
	if strings.Contains(q, "@") {
		return "(e-mail address)"
	}
	digits := 0
	for _, r := range q {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if digits >= 7 {
		return "(phone number)"
	}
	return strings.ReplaceAll(q, " ", "+")
}
