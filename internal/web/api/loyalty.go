package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/store"
)

// Loyalty: a member's chips, balances, ledger, gift certificates and fan
// memberships; redemptions with an Idempotency-Key; the rewards catalogue;
// each brand's fan rule.

// loyaltyService returns the loyalty service, or EUNAVAILABLE on a server
// built without one.
func (h *Handler) loyaltyService() (*loyalty.Service, error) {
	if h.Loyalty == nil {
		return nil, fanmail.Errorf(fanmail.EUNAVAILABLE, "Loyalty is not available on this server.")
	}
	return h.Loyalty, nil
}

// loyaltyPath returns the service and the id of the path; notFound is
// the message of an id that cannot exist.
func (h *Handler) loyaltyPath(r *http.Request, notFound string) (*loyalty.Service, int64, error) {
	svc, err := h.loyaltyService()
	if err != nil {
		return nil, 0, err
	}
	id, err := pathID(r, "id", notFound)
	return svc, id, err
}

// loyaltyMember returns the service and the member of the path, which must
// exist.
func (h *Handler) loyaltyMember(r *http.Request) (*loyalty.Service, int64, error) {
	svc, err := h.loyaltyService()
	if err != nil {
		return nil, 0, err
	}
	id, err := h.memberID(r)
	return svc, id, err
}

// balanceJSON is one balance of a member.
type balanceJSON struct {
	BrandID   *int64 `json:"brand_id"`
	BrandName string `json:"brand_name"`
	Unit      string `json:"unit"`
	Amount    int64  `json:"amount"`
}

func (h *Handler) listBalances(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := h.loyaltyMember(r)
	if err != nil {
		return err
	}
	bs, err := svc.Balances(r.Context(), id)
	if err != nil {
		return err
	}
	out := list[balanceJSON]{Data: []balanceJSON{}}
	for _, b := range bs {
		out.Data = append(out.Data, balanceJSON{BrandID: optID(b.BrandID), BrandName: b.BrandName, Unit: b.Unit, Amount: b.Amount})
	}
	return writeJSON(w, http.StatusOK, out)
}

// entryJSON is a ledger entry as the API shows it.
type entryJSON struct {
	ID           int64      `json:"id"`
	BrandID      *int64     `json:"brand_id"`
	BrandName    string     `json:"brand_name"`
	Unit         string     `json:"unit"`
	Op           string     `json:"op"`
	Amount       int64      `json:"amount"`
	ChipNumber   *int64     `json:"chip_number"`
	ChipNumbers  string     `json:"chip_numbers"`
	Reason       string     `json:"reason"`
	Ref          string     `json:"ref"`
	RedemptionID *int64     `json:"redemption_id"`
	ReversesID   *int64     `json:"reverses_id"`
	StaffID      *int64     `json:"staff_id"`
	Note         string     `json:"note"`
	ExpiresAt    *time.Time `json:"expires_at"`
	CreatedAt    time.Time  `json:"created_at"`
}

// entryPage is one page of a member's ledger, newest first.
type entryPage struct {
	Data []entryJSON `json:"data"`
	// NextBefore is the "before" parameter of the next page; null on the last.
	NextBefore *int64 `json:"next_before"`
}

func entryOut(e store.EntryLine) entryJSON {
	return entryJSON{ID: e.ID, BrandID: optID(e.BrandID), BrandName: e.BrandName, Unit: e.Unit, Op: e.Op, Amount: e.Amount,
		ChipNumber: optID(e.ChipNumber), ChipNumbers: e.ChipNumbers(), Reason: e.Reason, Ref: e.Ref,
		RedemptionID: optID(e.RedemptionID), ReversesID: optID(e.ReversesID), StaffID: optID(e.StaffID), Note: e.Note,
		ExpiresAt: utcPtr(e.ExpiresAt), CreatedAt: e.CreatedAt.UTC()}
}

// listLedger pages through a member's ledger; unit and op filter it.
func (h *Handler) listLedger(w http.ResponseWriter, r *http.Request) error {
	f := store.EntryFilter{Unit: r.URL.Query().Get("unit"), Op: r.URL.Query().Get("op")}
	if f.Unit != "" && !fanmail.IsUnit(f.Unit) {
		return invalidField("unit", "This parameter must be chip or point.")
	}
	switch f.Op {
	case "", fanmail.OpIssue, fanmail.OpRedeem, fanmail.OpExpire, fanmail.OpReverse:
	default:
		return invalidField("op", "This parameter must be issue, redeem, expire or reverse.")
	}
	return h.writeEntries(w, r, f)
}

// listChips lists the chips a member received: the chip issues of the
// ledger, each with its chip numbers.
func (h *Handler) listChips(w http.ResponseWriter, r *http.Request) error {
	return h.writeEntries(w, r, store.EntryFilter{Unit: fanmail.UnitChip, Op: fanmail.OpIssue})
}

func (h *Handler) writeEntries(w http.ResponseWriter, r *http.Request, f store.EntryFilter) error {
	svc, id, err := h.loyaltyMember(r)
	if err != nil {
		return err
	}
	before, err := queryInt64(r, "before")
	if err != nil {
		return err
	}
	limit, err := queryInt64(r, "limit")
	if err != nil {
		return err
	}
	if limit > 500 {
		return invalidField("limit", "This parameter must be at most 500.")
	}
	if limit == 0 {
		limit = 50
	}
	f.MemberID, f.Before, f.Limit = id, before, int(limit)+1 // one more tells whether a next page exists
	es, err := svc.History(r.Context(), f)
	if err != nil {
		return err
	}
	out := entryPage{Data: []entryJSON{}}
	if len(es) > int(limit) {
		es = es[:limit]
		out.NextBefore = &es[len(es)-1].ID
	}
	for _, e := range es {
		out.Data = append(out.Data, entryOut(e))
	}
	return writeJSON(w, http.StatusOK, out)
}

// certificateJSON is a gift certificate as the API shows it.
type certificateJSON struct {
	ID         int64      `json:"id"`
	Code       string     `json:"code"`
	MemberID   int64      `json:"member_id"`
	BrandID    *int64     `json:"brand_id"`
	Value      int64      `json:"value"`
	State      string     `json:"state"`
	Reason     string     `json:"reason"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RedeemedAt *time.Time `json:"redeemed_at"`
	ShopID     *int64     `json:"shop_id"`
	CreatedAt  time.Time  `json:"created_at"`
}

func certificateOut(c fanmail.Certificate) certificateJSON {
	return certificateJSON{ID: c.ID, Code: c.Code, MemberID: c.MemberID, BrandID: optID(c.BrandID), Value: c.Value,
		State: c.State, Reason: c.Reason, ExpiresAt: utcPtr(c.ExpiresAt), RedeemedAt: utcPtr(c.RedeemedAt),
		ShopID: optID(c.ShopID), CreatedAt: c.CreatedAt.UTC()}
}

func (h *Handler) listCertificates(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := h.loyaltyMember(r)
	if err != nil {
		return err
	}
	cs, err := svc.Certificates(r.Context(), id)
	if err != nil {
		return err
	}
	out := list[certificateJSON]{Data: []certificateJSON{}}
	for _, c := range cs {
		out.Data = append(out.Data, certificateOut(c))
	}
	return writeJSON(w, http.StatusOK, out)
}

// membershipJSON makes a member a fan of a brand.
type membershipJSON struct {
	BrandID   int64     `json:"brand_id"`
	BrandName string    `json:"brand_name"`
	Since     time.Time `json:"since"`
}

func (h *Handler) listMemberships(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := h.loyaltyMember(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	ms, err := svc.Memberships(ctx, id)
	if err != nil {
		return err
	}
	names, err := svc.BrandNames(ctx)
	if err != nil {
		return err
	}
	out := list[membershipJSON]{Data: []membershipJSON{}}
	for _, m := range ms {
		out.Data = append(out.Data, membershipJSON{BrandID: m.BrandID, BrandName: names[m.BrandID], Since: m.Since.UTC()})
	}
	return writeJSON(w, http.StatusOK, out)
}

// redemptionInput is the body of POST /api/v1/redemptions.
type redemptionInput struct {
	MemberID        int64  `json:"member_id"`
	RewardID        int64  `json:"reward_id"`
	CertificateCode string `json:"certificate_code"`
	ShopID          int64  `json:"shop_id"`
}

// redemptionJSON is a redemption with what it was for.
type redemptionJSON struct {
	ID            int64            `json:"id"`
	MemberID      int64            `json:"member_id"`
	BrandID       *int64           `json:"brand_id"`
	RewardID      *int64           `json:"reward_id"`
	CertificateID *int64           `json:"certificate_id"`
	Certificate   *certificateJSON `json:"certificate"`
	Cost          int64            `json:"cost"`
	ShopID        *int64           `json:"shop_id"`
	State         string           `json:"state"`
	Balance       *int64           `json:"balance"`
	CreatedAt     time.Time        `json:"created_at"`
}

func redemptionOut(rc loyalty.Receipt) redemptionJSON {
	out := redemptionJSON{ID: rc.ID, MemberID: rc.MemberID, BrandID: optID(rc.BrandID), RewardID: optID(rc.RewardID),
		CertificateID: optID(rc.CertificateID), Cost: rc.Cost, ShopID: optID(rc.ShopID), State: rc.State,
		CreatedAt: rc.CreatedAt.UTC()}
	if rc.Certificate.ID != 0 {
		c := certificateOut(rc.Certificate)
		out.Certificate = &c
	}
	if rc.RewardID != 0 {
		out.Balance = &rc.Chips
	}
	return out
}

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 100

// createRedemption redeems chips for a reward or a gift certificate. The
// Idempotency-Key header is required: the first request with a key answers
// 201, a repetition 200 with the same redemption, another request under the
// same key 409. Keys are the token's own.
func (h *Handler) createRedemption(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.loyaltyService()
	if err != nil {
		return err
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if key == "" || len(key) > maxIdempotencyKey || strings.ContainsFunc(key, func(c rune) bool { return c < '!' || c > '~' }) {
		return invalidField("Idempotency-Key", "Send an Idempotency-Key header of 1 to 100 visible ASCII characters, new for each redemption.")
	}
	var in redemptionInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	red, created, err := svc.Redeem(r.Context(), loyalty.RedeemRequest{
		IdempotencyKey: "api:" + strconv.FormatInt(currentToken(r).ID, 10) + ":" + key,
		MemberID:       in.MemberID, RewardID: in.RewardID, CertificateCode: in.CertificateCode, ShopID: in.ShopID})
	if err != nil {
		return renameField(err, func(f string) string {
			switch f {
			case "member", "reward":
				return f + "_id"
			case "idempotency_key":
				return "Idempotency-Key"
			}
			return f
		})
	}
	rc, err := svc.Receipt(r.Context(), red.ID)
	if err != nil {
		return err
	}
	if n := noteAccess(r); n != nil {
		n.Target = redemptionTarget(rc)
	}
	if !created {
		w.Header().Set("Idempotent-Replayed", "true")
		return writeJSON(w, http.StatusOK, redemptionOut(rc))
	}
	return writeCreated(w, fmt.Sprintf("/api/v1/redemptions/%d", rc.ID), redemptionOut(rc))
}

func (h *Handler) getRedemption(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := h.loyaltyPath(r, "Redemption not found.")
	if err != nil {
		return err
	}
	rc, err := svc.Receipt(r.Context(), id)
	if err != nil {
		return err
	}
	if n := noteAccess(r); n != nil {
		n.Target = redemptionTarget(rc)
	}
	return writeJSON(w, http.StatusOK, redemptionOut(rc))
}

// redemptionTarget is the access-log target of a redemption: its member,
// not the redemption id the path names.
func redemptionTarget(rc loyalty.Receipt) string {
	return accesslog.MemberTarget(rc.MemberID) + " redemption " + strconv.FormatInt(rc.ID, 10)
}
