package admin

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/web"
)

// redeemRoutes serves redemption at the shop terminal: staff scan or type a
// gift certificate code, or look a member up and redeem their chips for a
// reward; each redemption is confirmed on a page of its own and answered
// with a result page, and the member gets a receipt mail.
func (h *Handler) redeemRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/shop/redeem", h.page(fanmail.PermRedeem, h.redeemDesk))
	mux.Handle("GET /admin/shop/redeem/certificate", h.page(fanmail.PermRedeem, h.confirmCertificate))
	mux.Handle("GET /admin/shop/redeem/members/{id}", h.page(fanmail.PermRedeem, h.redeemMember))
	mux.Handle("GET /admin/shop/redeem/members/{id}/rewards/{reward}", h.page(fanmail.PermRedeem, h.confirmReward))
	mux.Handle("POST /admin/shop/redeem", h.page(fanmail.PermRedeem, h.shopRedeem))
	mux.Handle("GET /admin/shop/redemptions/{id}", h.page(fanmail.PermRedeem, h.shopRedemption))
}

// redeemDeskPage takes a certificate code or a member search.
type redeemDeskPage struct {
	Query    string
	Searched bool
	Members  []fanmail.Member
	Error    string // message key
}

func (h *Handler) redeemDesk(w http.ResponseWriter, r *http.Request) error {
	page := redeemDeskPage{Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	if page.Query != "" {
		found, err := h.Members.FindMembers(r.Context(), member.MemberFilter{Query: page.Query, Limit: 20})
		if err != nil {
			return err
		}
		page.Searched, page.Members = true, found.Members
		f := member.MemberFilter{Query: page.Query}
		if err := h.logAccess(r, fanmail.AccessSearch, mbSearchTarget(f, found.Members), len(found.Members), ""); err != nil {
			return err
		}
	}
	return h.render(w, r, http.StatusOK, "shop_redeem", trTitle(r, "Redeem"), page)
}

// redeemConfirmPage asks staff to confirm one redemption: a member's chips
// for a reward, or a gift certificate. Error says why it cannot be done
// (then there is no form). Key is the form's idempotency key.
type redeemConfirmPage struct {
	Member      fanmail.Member
	Reward      fanmail.Reward
	Certificate fanmail.Certificate
	Brand       string
	Chips       int64
	After       int64
	Code        string // as typed
	Key         string
	Error       string
}

// confirmCertificate shows the gift certificate of a typed or scanned code.
// A forged or mistyped code, an unknown, used, expired or void one is
// shown with the reason and its status.
func (h *Handler) confirmCertificate(w http.ResponseWriter, r *http.Request) error {
	page := redeemConfirmPage{Code: strings.TrimSpace(r.URL.Query().Get("code")), Key: web.IdempotencyKey()}
	page, err := h.certificatePage(r, page)
	if err == nil {
		if err := h.logAccess(r, fanmail.AccessView, accesslog.MemberTarget(page.Member.ID)+" certificate", 1, ""); err != nil {
			return err
		}
		err = page.Certificate.CanRedeem(h.Loyalty.Now())
	}
	return h.confirmPage(w, r, page, err)
}

// certificatePage adds the gift certificate of page.Code and its member to
// page; a code that names none is the error.
func (h *Handler) certificatePage(r *http.Request, page redeemConfirmPage) (redeemConfirmPage, error) {
	c, err := h.Loyalty.CertificateByCode(r.Context(), page.Code)
	if err != nil {
		return page, err
	}
	page.Certificate = c
	page.Member, err = h.Members.MemberByID(r.Context(), c.MemberID)
	return page, err
}

// confirmPage renders page; err (a reason it cannot be redeemed) is shown
// instead of the form, with its status.
func (h *Handler) confirmPage(w http.ResponseWriter, r *http.Request, page redeemConfirmPage, err error) error {
	status := http.StatusOK
	switch fanmail.ErrorCode(err) {
	case "":
	case fanmail.EINVALID, fanmail.ENOTFOUND, fanmail.ECONFLICT, fanmail.EEXPIRED:
		page.Error, status = fanmail.ErrorMessage(err), web.StatusOf(err)
	default:
		return err
	}
	names, nerr := h.Loyalty.BrandNames(r.Context())
	if nerr != nil {
		return nerr
	}
	page.Brand = names[page.Reward.BrandID]
	if page.Reward.ID == 0 {
		page.Brand = names[page.Certificate.BrandID]
	}
	return h.render(w, r, status, "shop_redeem_confirm", trTitle(r, "Redeem"), page)
}

// redeemMemberPage shows a member's chips per brand with the rewards they
// buy, and their valid gift certificates.
type redeemMemberPage struct {
	Member       fanmail.Member
	Brands       []redeemBrand
	Certificates []fanmail.Certificate
}

type redeemBrand struct {
	Name    string
	Chips   int64
	Rewards []fanmail.Reward // affordable
}

func (h *Handler) redeemMember(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	m, err := h.Members.MemberByID(ctx, id)
	if err != nil {
		return err
	}
	if err := h.logAccess(r, fanmail.AccessView, accesslog.MemberTarget(id)+" redeem", 1, ""); err != nil {
		return err
	}
	page := redeemMemberPage{Member: m}
	bals, err := h.Loyalty.Balances(ctx, id)
	if err != nil {
		return err
	}
	for _, b := range bals {
		if b.Unit != fanmail.UnitChip {
			continue
		}
		rs, err := h.Loyalty.Affordable(ctx, b.BrandID, b.Amount)
		if err != nil {
			return err
		}
		page.Brands = append(page.Brands, redeemBrand{Name: b.BrandName, Chips: b.Amount, Rewards: rs})
	}
	certs, err := h.Loyalty.Certificates(ctx, id)
	if err != nil {
		return err
	}
	for _, c := range certs {
		if c.CanRedeem(h.Loyalty.Now()) == nil {
			page.Certificates = append(page.Certificates, c)
		}
	}
	return h.render(w, r, http.StatusOK, "shop_redeem_member", trTitle(r, "Redeem"), page)
}

func (h *Handler) confirmReward(w http.ResponseWriter, r *http.Request) error {
	page, err := h.rewardConfirmPage(r, web.IdempotencyKey())
	if err != nil {
		return err
	}
	if err := h.logAccess(r, fanmail.AccessView, accesslog.MemberTarget(page.Member.ID)+" redeem", 1, ""); err != nil {
		return err
	}
	return h.confirmPage(w, r, page, nil)
}

// rewardConfirmPage gathers the member and reward named by the path (GET)
// or the form (POST).
func (h *Handler) rewardConfirmPage(r *http.Request, key string) (redeemConfirmPage, error) {
	ctx := r.Context()
	memberID, _ := strconv.ParseInt(firstOf(r.PathValue("id"), r.PostFormValue("member_id")), 10, 64)
	rewardID, _ := strconv.ParseInt(firstOf(r.PathValue("reward"), r.PostFormValue("reward_id")), 10, 64)
	m, err := h.Members.MemberByID(ctx, memberID)
	if err != nil {
		return redeemConfirmPage{}, err
	}
	rw, err := h.Loyalty.Reward(ctx, rewardID)
	if err != nil {
		return redeemConfirmPage{}, err
	}
	chips, err := h.Loyalty.Balance(ctx, m.ID, rw.BrandID, fanmail.UnitChip)
	if err != nil {
		return redeemConfirmPage{}, err
	}
	return redeemConfirmPage{Member: m, Reward: rw, Chips: chips, After: chips - rw.Cost, Key: key}, nil
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// shopRedeem does a confirmed redemption and shows its result: the receipt,
// or the reason it was refused (not enough chips, a used, expired or forged
// certificate, a repeated form with other values).
func (h *Handler) shopRedeem(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	key := r.PostFormValue("key")
	req := loyalty.RedeemRequest{CertificateCode: r.PostFormValue("code"), ShopID: u.ShopID, StaffID: u.ID}
	req.MemberID, _ = strconv.ParseInt(r.PostFormValue("member_id"), 10, 64)
	req.RewardID, _ = strconv.ParseInt(r.PostFormValue("reward_id"), 10, 64)
	if key != "" {
		req.IdempotencyKey = "shop:" + key
	}
	red, _, err := h.Loyalty.Redeem(r.Context(), req)
	if err == nil {
		if err := h.logAccess(r, fanmail.AccessEdit, redemptionTarget(red.MemberID, red.ID), 1, ""); err != nil {
			return err
		}
		http.Redirect(w, r, "/admin/shop/redemptions/"+strconv.FormatInt(red.ID, 10), http.StatusSeeOther)
		return nil
	}
	// Show what was to be redeemed, with the reason instead of the form.
	page := redeemConfirmPage{Code: req.CertificateCode}
	var perr error
	if req.RewardID != 0 {
		page, perr = h.rewardConfirmPage(r, key)
	} else if req.CertificateCode != "" {
		page, perr = h.certificatePage(r, page)
	}
	if code := fanmail.ErrorCode(perr); code != "" && code != fanmail.EINVALID && code != fanmail.ENOTFOUND {
		return perr
	}
	return h.confirmPage(w, r, page, err)
}

// redemptionTarget is the access-log target of a redemption.
func redemptionTarget(memberID, id int64) string {
	return accesslog.MemberTarget(memberID) + " redemption " + strconv.FormatInt(id, 10)
}

// redemptionResultPage is the result of a redemption at the terminal.
type redemptionResultPage struct {
	loyalty.Receipt
	Member fanmail.Member
}

func (h *Handler) shopRedemption(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	rc, err := h.Loyalty.Receipt(ctx, id)
	if err != nil {
		return err
	}
	page := redemptionResultPage{Receipt: rc}
	if page.Member, err = h.Members.MemberByID(ctx, rc.MemberID); err != nil {
		return err
	}
	if err := h.logAccess(r, fanmail.AccessView, redemptionTarget(rc.MemberID, rc.ID), 1, ""); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "shop_redeem_result", trTitle(r, "Redeem"), page)
}
