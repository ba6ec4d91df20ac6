package admin

import (
	"net/http"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/web"
)

// memberLoyalty is the loyalty part of a member's page: balances, the
// ledger with what can be reversed, fan memberships and the decisions with
// the rule and values behind them, and gift certificates.
type memberLoyalty struct {
	MemberID     int64
	Balances     []store.BalanceLine
	Entries      []entryRow
	Fans         []fanRow
	Decisions    []decisionRow
	Certificates []certRow
}

type entryRow struct {
	store.EntryLine
	Reason     string // message key
	Reversed   bool
	CanReverse bool
}

type fanRow struct {
	fanmail.FanMembership
	Brand string
}

type decisionRow struct {
	fanmail.FanDecision
	Brand string
}

type certRow struct {
	fanmail.Certificate
	Brand string
	State string // message key
}

// memberEntries is how many ledger entries the member page lists.
const memberEntries = 200

func (h *Handler) memberLoyalty(r *http.Request, memberID int64) (*memberLoyalty, error) {
	ctx := r.Context()
	l := &memberLoyalty{MemberID: memberID}
	names, err := h.Loyalty.BrandNames(ctx)
	if err != nil {
		return nil, err
	}
	if l.Balances, err = h.Loyalty.Balances(ctx, memberID); err != nil {
		return nil, err
	}
	entries, err := h.Loyalty.History(ctx, store.EntryFilter{MemberID: memberID, Limit: memberEntries})
	if err != nil {
		return nil, err
	}
	undone := map[int64]bool{}
	for _, e := range entries {
		if e.ReversesID != 0 {
			undone[e.ReversesID] = true
		}
	}
	now := h.Loyalty.Now()
	for _, e := range entries {
		live := e.ExpiresAt == nil || now.Before(*e.ExpiresAt)
		l.Entries = append(l.Entries, entryRow{EntryLine: e, Reason: web.LedgerReason(e.Reason), Reversed: undone[e.ID],
			CanReverse: (e.Op == fanmail.OpIssue || e.Op == fanmail.OpRedeem) && !undone[e.ID] && live})
	}
	fans, err := h.Loyalty.Memberships(ctx, memberID)
	if err != nil {
		return nil, err
	}
	for _, f := range fans {
		l.Fans = append(l.Fans, fanRow{FanMembership: f, Brand: names[f.BrandID]})
	}
	decisions, err := h.Loyalty.Decisions(ctx, memberID)
	if err != nil {
		return nil, err
	}
	for _, d := range decisions {
		l.Decisions = append(l.Decisions, decisionRow{FanDecision: d, Brand: names[d.BrandID]})
	}
	certs, err := h.Loyalty.Certificates(ctx, memberID)
	if err != nil {
		return nil, err
	}
	for _, c := range certs {
		l.Certificates = append(l.Certificates, certRow{Certificate: c, Brand: names[c.BrandID], State: web.CertificateState(c.State)})
	}
	return l, nil
}
