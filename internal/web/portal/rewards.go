package portal

import (
	"cmp"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/survey"
	"github.com/fanmail/fanmail/internal/web"
)

// rewardRoutes serves the member's chips, gift certificates and fan
// memberships, and redemption with a confirmation step.
func (h *Handler) rewardRoutes(mux *http.ServeMux) {
	mux.Handle("GET /portal/rewards", h.portalPage(h.rewards))
	mux.Handle("GET /portal/rewards/{id}/redeem", h.portalPage(h.redeemForm))
	mux.Handle("POST /portal/rewards/{id}/redeem", h.portalPage(h.redeem))
	mux.Handle("GET /portal/redemptions/{id}", h.portalPage(h.redemption))
}

// rewardsPage shows, per brand, the member's chips, fan membership and the
// rewards they buy; then gift certificates and the chip history.
type rewardsPage struct {
	Brands       []brandChips
	Certificates []certificateRow
	History      []historyRow
	Surveys      []survey.OpenSurvey // invitations still open
	NoConsent    bool                // no e-mail marketing consent: no chip mails come
}

type brandChips struct {
	ID       int64
	Name     string
	Chips    int64
	Points   int64
	FanSince *time.Time
	Rewards  []rewardOffer
}

// rewardOffer is a reward with what the member lacks for it (0: affordable).
type rewardOffer struct {
	fanmail.Reward
	Missing int64
}

type certificateRow struct {
	fanmail.Certificate
	Brand   string
	State   string // message key
	Barcode template.HTML
}

type historyRow struct {
	store.EntryLine
	Reason string // message key
}

func (h *Handler) rewards(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m := currentMember(r)
	names, err := h.Loyalty.BrandNames(ctx)
	if err != nil {
		return err
	}
	brands := map[int64]*brandChips{}
	brand := func(id int64) *brandChips {
		if brands[id] == nil {
			brands[id] = &brandChips{ID: id, Name: names[id]}
		}
		return brands[id]
	}
	bals, err := h.Loyalty.Balances(ctx, m.ID)
	if err != nil {
		return err
	}
	for _, b := range bals {
		if b.Unit == fanmail.UnitPoint {
			brand(b.BrandID).Points = b.Amount
		} else {
			brand(b.BrandID).Chips = b.Amount
		}
	}
	fans, err := h.Loyalty.Memberships(ctx, m.ID)
	if err != nil {
		return err
	}
	for _, f := range fans {
		brand(f.BrandID).FanSince = &f.Since
	}
	favourites, err := h.Members.Brands(ctx, m.ID)
	if err != nil {
		return err
	}
	for _, id := range favourites {
		brand(id)
	}
	rewards, err := h.Loyalty.Rewards(ctx, store.RewardFilter{ActiveOnly: true})
	if err != nil {
		return err
	}
	for _, rw := range rewards {
		if b := brands[rw.BrandID]; b != nil {
			b.Rewards = append(b.Rewards, rewardOffer{Reward: rw, Missing: max(0, rw.Cost-b.Chips)})
		}
	}
	var page rewardsPage
	for _, b := range brands {
		page.Brands = append(page.Brands, *b)
	}
	slices.SortFunc(page.Brands, func(a, b brandChips) int { return cmp.Compare(a.Name, b.Name) })
	if page.Certificates, err = h.certificateRows(r, m.ID, names); err != nil {
		return err
	}
	if page.History, err = h.historyRows(r, m.ID); err != nil {
		return err
	}
	consents, err := h.Members.CurrentConsents(ctx, m.ID)
	if err != nil {
		return err
	}
	page.NoConsent = !consents[fanmail.PurposeMarketingEmail]
	if page.Surveys, err = h.Surveys.OpenSurveys(ctx, m.ID, web.Lang(r)); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "portal_rewards", tr(r, "My chips and rewards"), page)
}

func (h *Handler) certificateRows(r *http.Request, memberID int64, names map[int64]string) ([]certificateRow, error) {
	certs, err := h.Loyalty.Certificates(r.Context(), memberID)
	if err != nil {
		return nil, err
	}
	var rows []certificateRow
	for _, c := range certs {
		row := certificateRow{Certificate: c, Brand: names[c.BrandID], State: web.CertificateState(c.State)}
		if c.CanRedeem(h.Loyalty.Now()) == nil {
			row.Barcode = web.CertificateBarcode(c.Code)
		} else if c.State == fanmail.CertIssued {
			row.State = web.CertificateState(fanmail.CertExpired)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func (h *Handler) historyRows(r *http.Request, memberID int64) ([]historyRow, error) {
	es, err := h.Loyalty.History(r.Context(), store.EntryFilter{MemberID: memberID, Limit: 100})
	if err != nil {
		return nil, err
	}
	rows := make([]historyRow, len(es))
	for i, e := range es {
		rows[i] = historyRow{EntryLine: e, Reason: web.LedgerReason(e.Reason)}
	}
	return rows, nil
}

// redeemPage asks the member to confirm a redemption. Key is the form's
// idempotency key: posting the form twice redeems once.
type redeemPage struct {
	Reward fanmail.Reward
	Brand  string
	Chips  int64
	After  int64
	Key    string
	Error  string // message key
}

func (h *Handler) redeemPageFor(r *http.Request, key string) (redeemPage, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return redeemPage{}, err
	}
	ctx := r.Context()
	rw, err := h.Loyalty.Reward(ctx, id)
	if err != nil {
		return redeemPage{}, err
	}
	if !rw.Active {
		return redeemPage{}, fanmail.Errorf(fanmail.ENOTFOUND, "This reward is no longer offered.")
	}
	chips, err := h.Loyalty.Balance(ctx, currentMember(r).ID, rw.BrandID, fanmail.UnitChip)
	if err != nil {
		return redeemPage{}, err
	}
	names, err := h.Loyalty.BrandNames(ctx)
	if err != nil {
		return redeemPage{}, err
	}
	return redeemPage{Reward: rw, Brand: names[rw.BrandID], Chips: chips, After: chips - rw.Cost, Key: key}, nil
}

func (h *Handler) redeemForm(w http.ResponseWriter, r *http.Request) error {
	page, err := h.redeemPageFor(r, web.IdempotencyKey())
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "portal_redeem", tr(r, "Redeem chips"), page)
}

func (h *Handler) redeem(w http.ResponseWriter, r *http.Request) error {
	m := currentMember(r)
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	key := r.PostFormValue("key")
	req := loyalty.RedeemRequest{MemberID: m.ID, RewardID: id}
	if key != "" {
		// Keys are the member's own: another member's form cannot replay.
		req.IdempotencyKey = "portal:" + strconv.FormatInt(m.ID, 10) + ":" + key
	}
	red, _, err := h.Loyalty.Redeem(r.Context(), req)
	switch fanmail.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/portal/redemptions/"+strconv.FormatInt(red.ID, 10), http.StatusSeeOther)
		return nil
	case fanmail.EINVALID, fanmail.ECONFLICT:
		page, perr := h.redeemPageFor(r, key)
		if perr != nil {
			return perr
		}
		page.Error = fanmail.ErrorMessage(err)
		return h.render(w, r, web.StatusOf(err), "portal_redeem", tr(r, "Redeem chips"), page)
	}
	return err
}

// redemptionPage is the receipt of one of the member's redemptions.
type redemptionPage struct {
	loyalty.Receipt
	Barcode template.HTML
	Collect bool // a product to collect at a shop
}

func (h *Handler) redemption(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	rc, err := h.Loyalty.Receipt(r.Context(), id)
	if err != nil {
		return err
	}
	if rc.MemberID != currentMember(r).ID {
		return fanmail.Errorf(fanmail.ENOTFOUND, "Redemption not found.")
	}
	page := redemptionPage{Receipt: rc, Collect: rc.Reward.Kind == fanmail.RewardProduct && rc.ShopID == 0}
	if rc.Certificate.ID != 0 && rc.Certificate.CanRedeem(h.Loyalty.Now()) == nil {
		page.Barcode = web.CertificateBarcode(rc.Certificate.Code)
	}
	return h.render(w, r, http.StatusOK, "portal_redemption", tr(r, "Redemption"), page)
}
