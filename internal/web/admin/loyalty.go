package admin

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/web"
)

// loyaltyRoutes serves the rewards catalogue, the brands' fan rules and
// reversals of a member's ledger entries.
func (h *Handler) loyaltyRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/loyalty", h.page(fanmail.PermManageLoyalty, h.loyaltyHome))
	mux.Handle("GET /admin/loyalty/rewards/new", h.page(fanmail.PermManageLoyalty, h.newRewardForm))
	mux.Handle("POST /admin/loyalty/rewards", h.page(fanmail.PermManageLoyalty, h.createReward))
	mux.Handle("GET /admin/loyalty/rewards/{id}/edit", h.page(fanmail.PermManageLoyalty, h.editRewardForm))
	mux.Handle("POST /admin/loyalty/rewards/{id}", h.page(fanmail.PermManageLoyalty, h.updateReward))
	mux.Handle("GET /admin/loyalty/rules/{brand}/edit", h.page(fanmail.PermManageLoyalty, h.editRuleForm))
	mux.Handle("POST /admin/loyalty/rules/{brand}", h.page(fanmail.PermManageLoyalty, h.updateRule))
	mux.Handle("GET /admin/members/{id}/ledger/{entry}/reverse", h.page(fanmail.PermManageLoyalty, h.reverseForm))
	mux.Handle("POST /admin/members/{id}/ledger/{entry}/reverse", h.page(fanmail.PermManageLoyalty, h.reverseEntry))
}

// loyaltyHomePage lists the rewards catalogue and each brand's fan rule.
type loyaltyHomePage struct {
	Rewards []rewardRow
	Rules   []ruleRow
}

type rewardRow struct {
	fanmail.Reward
	Brand string
}

type ruleRow struct {
	fanmail.FanRule
	Brand     string
	KindLabel string
	IsDefault bool
}

func (h *Handler) loyaltyHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	names, err := h.Loyalty.BrandNames(ctx)
	if err != nil {
		return err
	}
	rewards, err := h.Loyalty.Rewards(ctx, store.RewardFilter{})
	if err != nil {
		return err
	}
	var page loyaltyHomePage
	for _, rw := range rewards {
		page.Rewards = append(page.Rewards, rewardRow{Reward: rw, Brand: names[rw.BrandID]})
	}
	brands, err := h.Catalog.Brands(ctx, 0, false)
	if err != nil {
		return err
	}
	for _, b := range brands {
		rule, err := h.Loyalty.RuleFor(ctx, b.ID)
		if err != nil {
			return err
		}
		page.Rules = append(page.Rules, ruleRow{FanRule: rule, Brand: b.Name, KindLabel: web.FanRuleKind(rule.Kind),
			IsDefault: rule.UpdatedAt.IsZero()})
	}
	return h.render(w, r, http.StatusOK, "loyalty", trTitle(r, "Loyalty"), page)
}

// rewardFormPage adds or edits a reward; brand and kind are chosen once.
type rewardFormPage struct {
	catalogFormErr
	Reward   fanmail.Reward
	Brands   []fanmail.Brand
	Products []fanmail.Product
}

func (h *Handler) rewardForm(w http.ResponseWriter, r *http.Request, status int, rw fanmail.Reward, err error) error {
	ctx := r.Context()
	page := rewardFormPage{Reward: rw, catalogFormErr: catalogFormErr{err}}
	var lerr error
	if page.Brands, lerr = h.Catalog.Brands(ctx, 0, false); lerr != nil {
		return lerr
	}
	if page.Products, lerr = h.Catalog.Products(ctx, store.ProductFilter{BrandID: rw.BrandID}); lerr != nil {
		return lerr
	}
	title := "New reward"
	if rw.ID != 0 {
		title = "Edit reward"
	}
	return h.render(w, r, status, "loyalty_reward_form", trTitle(r, title), page)
}

func (h *Handler) newRewardForm(w http.ResponseWriter, r *http.Request) error {
	return h.rewardForm(w, r, http.StatusOK, fanmail.Reward{Kind: fanmail.RewardProduct, Active: true}, nil)
}

// rewardFromForm reads the reward form; kind and brand only count for a
// new reward.
func rewardFromForm(r *http.Request) fanmail.Reward {
	num := func(name string) int64 {
		n, _ := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(r.PostFormValue(name)), ",", ""), 10, 64)
		return n
	}
	return fanmail.Reward{BrandID: num("brand_id"), Kind: r.PostFormValue("kind"), Name: r.PostFormValue("name"),
		NameEn: r.PostFormValue("name_en"), ProductID: num("product_id"), Cost: num("cost"), Value: num("value"),
		Active: r.PostFormValue("active") == "1"}
}

func (h *Handler) createReward(w http.ResponseWriter, r *http.Request) error {
	in := rewardFromForm(r)
	_, err := h.Loyalty.CreateReward(r.Context(), in)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		return h.rewardForm(w, r, http.StatusUnprocessableEntity, in, err)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/loyalty?flash=Reward+saved.", http.StatusSeeOther)
	return nil
}

func (h *Handler) editRewardForm(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	rw, err := h.Loyalty.Reward(r.Context(), id)
	if err != nil {
		return err
	}
	return h.rewardForm(w, r, http.StatusOK, rw, nil)
}

func (h *Handler) updateReward(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	old, err := h.Loyalty.Reward(ctx, id)
	if err != nil {
		return err
	}
	in := rewardFromForm(r)
	upd := fanmail.RewardUpdate{Name: &in.Name, NameEn: &in.NameEn, ProductID: &in.ProductID, Cost: &in.Cost,
		Value: &in.Value, Active: &in.Active}
	_, err = h.Loyalty.UpdateReward(ctx, id, upd)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		return h.rewardForm(w, r, http.StatusUnprocessableEntity, upd.Apply(old), err)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/loyalty?flash=Reward+saved.", http.StatusSeeOther)
	return nil
}

// ruleFormPage edits a brand's fan rule. Points is the score rule's
// points as typed: one "option value = points" a line.
type ruleFormPage struct {
	catalogFormErr
	Rule      fanmail.FanRule
	Brand     fanmail.Brand
	Kinds     []string
	Points    string
	IsDefault bool
}

// KindLabel names a rule kind.
func (ruleFormPage) KindLabel(kind string) string { return web.FanRuleKind(kind) }

func (h *Handler) ruleForm(w http.ResponseWriter, r *http.Request, status int, page ruleFormPage) error {
	b, err := h.Catalog.BrandByID(r.Context(), page.Rule.BrandID, false)
	if err != nil {
		return err
	}
	page.Brand, page.Kinds = b, fanmail.FanRuleKinds
	return h.render(w, r, status, "loyalty_rule_form", trTitle(r, "Fan rule"), page)
}

func (h *Handler) editRuleForm(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "brand")
	if err != nil {
		return err
	}
	rule, err := h.Loyalty.RuleFor(r.Context(), id)
	if err != nil {
		return err
	}
	return h.ruleForm(w, r, http.StatusOK, ruleFormPage{Rule: rule, Points: formatPoints(rule.Points), IsDefault: rule.UpdatedAt.IsZero()})
}

func (h *Handler) updateRule(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "brand")
	if err != nil {
		return err
	}
	minPos, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("min_position")))
	threshold, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("threshold")))
	rule := fanmail.FanRule{BrandID: id, Enabled: r.PostFormValue("enabled") == "1", Kind: r.PostFormValue("kind"),
		QuestionKey: r.PostFormValue("question_key"), MinPosition: minPos, Threshold: threshold}
	page := ruleFormPage{Rule: rule, Points: r.PostFormValue("points")}
	rule.Points, err = parsePoints(page.Points)
	if err == nil {
		_, err = h.Loyalty.SetRule(r.Context(), rule)
	}
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		page.catalogFormErr = catalogFormErr{err}
		return h.ruleForm(w, r, http.StatusUnprocessableEntity, page)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/loyalty?flash=Fan+rule+saved.", http.StatusSeeOther)
	return nil
}

// formatPoints writes a score rule's points one "value = points" a line.
func formatPoints(points map[string]int) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(points)) {
		fmt.Fprintf(&b, "%s = %d\n", k, points[k])
	}
	return b.String()
}

// parsePoints reads "value = points" lines; blank lines are skipped.
func parsePoints(text string) (map[string]int, error) {
	points := map[string]int{}
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if !ok || err != nil || strings.TrimSpace(k) == "" {
			return nil, fanmail.FieldErrorf("points", "Write one answer value and its points a line, e.g. %s.", "61+ = 3")
		}
		points[strings.TrimSpace(k)] = n
	}
	return points, nil
}

// reversePage confirms the reversal of a ledger entry with a note.
type reversePage struct {
	Member fanmail.Member
	Entry  fanmail.LedgerEntry
	Brand  string
	Reason string // message key
	Note   string
	Error  string
}

func (h *Handler) reversePageFor(r *http.Request) (reversePage, error) {
	memberID, err := web.PathID(r, "id")
	if err != nil {
		return reversePage{}, err
	}
	entryID, err := web.PathID(r, "entry")
	if err != nil {
		return reversePage{}, err
	}
	ctx := r.Context()
	e, err := h.Loyalty.Entry(ctx, entryID)
	if err != nil {
		return reversePage{}, err
	}
	if e.MemberID != memberID {
		return reversePage{}, fanmail.Errorf(fanmail.ENOTFOUND, "Ledger entry not found.")
	}
	m, err := h.Members.MemberByID(ctx, memberID)
	if err != nil {
		return reversePage{}, err
	}
	names, err := h.Loyalty.BrandNames(ctx)
	if err != nil {
		return reversePage{}, err
	}
	return reversePage{Member: m, Entry: e, Brand: names[e.BrandID], Reason: web.LedgerReason(e.Reason)}, nil
}

// ledgerTarget is the access-log target of the ledger entry page shows.
func ledgerTarget(page reversePage) string {
	return fmt.Sprintf("%s ledger %d", accesslog.MemberTarget(page.Member.ID), page.Entry.ID)
}

func (h *Handler) reverseForm(w http.ResponseWriter, r *http.Request) error {
	page, err := h.reversePageFor(r)
	if err != nil {
		return err
	}
	if err := h.logAccess(r, fanmail.AccessView, ledgerTarget(page), 1, ""); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "loyalty_reverse", trTitle(r, "Reverse entry"), page)
}

func (h *Handler) reverseEntry(w http.ResponseWriter, r *http.Request) error {
	page, err := h.reversePageFor(r)
	if err != nil {
		return err
	}
	page.Note = r.PostFormValue("note")
	_, err = h.Loyalty.Reverse(r.Context(), page.Entry.ID, page.Note, currentUser(r).ID)
	switch fanmail.ErrorCode(err) {
	case "":
		if err := h.logAccess(r, fanmail.AccessEdit, ledgerTarget(page)+" reverse", 1, ""); err != nil {
			return err
		}
		http.Redirect(w, r, fmt.Sprintf("/admin/members/%d?flash=Entry+reversed.#member-loyalty", page.Member.ID), http.StatusSeeOther)
		return nil
	case fanmail.EINVALID, fanmail.ECONFLICT:
		page.Error = fanmail.ErrorMessage(err)
		return h.render(w, r, web.StatusOf(err), "loyalty_reverse", trTitle(r, "Reverse entry"), page)
	}
	return err
}
