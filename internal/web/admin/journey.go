package admin

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/web"
)

// journeyRoutes: a member's way through the flows, step by step with
// timestamps (messages, events, chips, decisions, certificates), and staff
// sending a step's mail again.
func (h *Handler) journeyRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/members/{id}/journey", h.page(fanmail.PermViewMembers, h.journey))
	mux.Handle("POST /admin/members/{id}/messages/{mid}/resend", h.page(fanmail.PermEditMembers, h.resendMessage))
}

// resendable are the message kinds staff may send again.
var resendable = map[string]bool{
	fanmail.MessageOptIn: true, fanmail.MessageOrderConfirmation: true, fanmail.MessageChip: true,
	fanmail.MessageSurveyInvitation: true, fanmail.MessageFanNotice: true, fanmail.MessageReward: true,
	fanmail.MessageReceipt: true,
}

// journeyItem is one line of the journey.
type journeyItem struct {
	When      time.Time
	What      string // kind of step, e.g. "message chip", "event brand_selected"
	Details   string
	Status    string
	MessageID int64 // for messages: the one to resend
	Resend    bool
}

type journeyPage struct {
	Member fanmail.Member
	Items  []journeyItem
	Resent bool
}

func (h *Handler) journey(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	db := h.Sessions.DB
	m, err := db.MemberByID(ctx, id)
	if err != nil {
		return err
	}
	if err := h.logAccess(r, fanmail.AccessView, accesslog.MemberTarget(id)+" journey", 1, ""); err != nil {
		return err
	}
	p := journeyPage{Member: m, Resent: r.URL.Query().Get("resent") == "1"}
	msgs, err := db.Messages(ctx, store.MessageFilter{MemberID: id, Limit: 200})
	if err != nil {
		return err
	}
	for _, msg := range msgs {
		it := journeyItem{When: msg.CreatedAt, What: "message " + msg.Kind, Status: msg.Status, MessageID: msg.ID,
			Resend: resendable[msg.Kind] && msg.Status != fanmail.MessageQueued && msg.Status != fanmail.MessageSending}
		switch {
		case msg.SentAt != nil:
			it.Details = "sent " + web.FormatTime(*msg.SentAt, h.Config.Location())
		case msg.SkipReason != "":
			it.Details = msg.SkipReason
		case msg.Error != "":
			it.Details = msg.Error
		}
		p.Items = append(p.Items, it)
	}
	evs, err := db.EventsOfMember(ctx, id, 200)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		p.Items = append(p.Items, journeyItem{When: ev.CreatedAt, What: "event " + ev.Kind, Details: string(ev.Payload)})
	}
	entries, err := db.LedgerEntries(ctx, store.EntryFilter{MemberID: id, Limit: 200})
	if err != nil {
		return err
	}
	for _, e := range entries {
		d := fmt.Sprintf("%s %+d %s · %s", e.BrandName, e.Amount, e.Unit, e.Reason)
		if e.ChipNumber > 0 {
			d += " · No:" + strconv.FormatInt(e.ChipNumber, 10)
		}
		p.Items = append(p.Items, journeyItem{When: e.CreatedAt, What: "ledger " + e.Op, Details: d})
	}
	ds, err := db.FanDecisions(ctx, id)
	if err != nil {
		return err
	}
	for _, d := range ds {
		st := "not a fan"
		if d.IsFan {
			st = "fan"
		}
		p.Items = append(p.Items, journeyItem{When: d.DecidedAt, What: "fan decision", Status: st,
			Details: fmt.Sprintf("brand %d · %s · %s", d.BrandID, d.Rule, d.Values)})
	}
	certs, err := db.Certificates(ctx, id)
	if err != nil {
		return err
	}
	for _, c := range certs {
		p.Items = append(p.Items, journeyItem{When: c.CreatedAt, What: "certificate", Status: c.State,
			Details: fmt.Sprintf("%s · %s", c.Code, web.Won(c.Value))})
	}
	sort.SliceStable(p.Items, func(a, b int) bool { return p.Items[a].When.After(p.Items[b].When) })
	return h.render(w, r, http.StatusOK, "member_journey", m.Name, p)
}

func (h *Handler) resendMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	mid, err := web.PathID(r, "mid")
	if err != nil {
		return err
	}
	ctx := r.Context()
	msg, err := h.Sessions.DB.MessageByID(ctx, mid)
	if err != nil {
		return err
	}
	if msg.MemberID != id {
		return fanmail.Errorf(fanmail.ENOTFOUND, "Message not found.")
	}
	if !resendable[msg.Kind] {
		return fanmail.Errorf(fanmail.EINVALID, "Only mails of the fan program and links can be sent again.")
	}
	if _, err := h.Sessions.DB.ResendMessage(ctx, mid); err != nil {
		return err
	}
	if err := h.logAccess(r, fanmail.AccessEdit, accesslog.MemberTarget(id)+" resend message "+strconv.FormatInt(mid, 10), 1, ""); err != nil {
		return err
	}
	if h.AfterCommit != nil {
		h.AfterCommit()
	}
	h.Logger.Info("message resent", "message_id", mid, "member_id", id, "user_id", currentUser(r).ID)
	http.Redirect(w, r, "/admin/members/"+strconv.FormatInt(id, 10)+"/journey?resent=1", http.StatusSeeOther)
	return nil
}
