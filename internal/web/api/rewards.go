package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// rewardJSON is a reward of the catalogue.
type rewardJSON struct {
	ID        int64     `json:"id"`
	BrandID   int64     `json:"brand_id"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	NameEn    string    `json:"name_en"`
	ProductID *int64    `json:"product_id"`
	Cost      int64     `json:"cost"`
	Value     int64     `json:"value"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func rewardOut(r fanmail.Reward) rewardJSON {
	return rewardJSON{ID: r.ID, BrandID: r.BrandID, Kind: r.Kind, Name: r.Name, NameEn: r.NameEn, ProductID: optID(r.ProductID),
		Cost: r.Cost, Value: r.Value, Active: r.Active, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// rewardInput is the body of POST /api/v1/rewards.
type rewardInput struct {
	BrandID   int64  `json:"brand_id"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	NameEn    string `json:"name_en"`
	ProductID int64  `json:"product_id"`
	Cost      int64  `json:"cost"`
	Value     int64  `json:"value"`
	Active    *bool  `json:"active"`
}

// rewardPatch is the body of PATCH /api/v1/rewards/{id}: absent fields
// stay; brand and kind never change.
type rewardPatch struct {
	Name      *string `json:"name"`
	NameEn    *string `json:"name_en"`
	ProductID *int64  `json:"product_id"`
	Cost      *int64  `json:"cost"`
	Value     *int64  `json:"value"`
	Active    *bool   `json:"active"`
}

// rewardField names the JSON field of a service field.
func rewardField(f string) string {
	switch f {
	case "brand", "product":
		return f + "_id"
	}
	return f
}

const msgRewardNotFound = "Reward not found."

func (h *Handler) listRewards(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.loyaltyService()
	if err != nil {
		return err
	}
	brand, err := queryInt64(r, "brand_id")
	if err != nil {
		return err
	}
	active, err := queryBool(r, "active")
	if err != nil {
		return err
	}
	rs, err := svc.Rewards(r.Context(), store.RewardFilter{BrandID: brand, ActiveOnly: active})
	if err != nil {
		return err
	}
	out := list[rewardJSON]{Data: []rewardJSON{}}
	for _, rw := range rs {
		out.Data = append(out.Data, rewardOut(rw))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) getReward(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := h.loyaltyPath(r, msgRewardNotFound)
	if err != nil {
		return err
	}
	rw, err := svc.Reward(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rewardOut(rw))
}

func (h *Handler) createReward(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.loyaltyService()
	if err != nil {
		return err
	}
	var in rewardInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	rw := fanmail.Reward{BrandID: in.BrandID, Kind: in.Kind, Name: in.Name, NameEn: in.NameEn, ProductID: in.ProductID,
		Cost: in.Cost, Value: in.Value, Active: in.Active == nil || *in.Active}
	if rw, err = svc.CreateReward(r.Context(), rw); err != nil {
		return renameField(err, rewardField)
	}
	return writeCreated(w, fmt.Sprintf("/api/v1/rewards/%d", rw.ID), rewardOut(rw))
}

func (h *Handler) updateReward(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := h.loyaltyPath(r, msgRewardNotFound)
	if err != nil {
		return err
	}
	var in rewardPatch
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	rw, err := svc.UpdateReward(r.Context(), id, fanmail.RewardUpdate{Name: in.Name, NameEn: in.NameEn,
		ProductID: in.ProductID, Cost: in.Cost, Value: in.Value, Active: in.Active})
	if err != nil {
		return renameField(err, rewardField)
	}
	return writeJSON(w, http.StatusOK, rewardOut(rw))
}

// fanRuleJSON is a brand's fan rule; IsDefault says staff set none and
// the default applies.
type fanRuleJSON struct {
	BrandID     int64          `json:"brand_id"`
	Enabled     bool           `json:"enabled"`
	Kind        string         `json:"kind"`
	QuestionKey string         `json:"question_key"`
	MinPosition int            `json:"min_position"`
	Points      map[string]int `json:"points"`
	Threshold   int            `json:"threshold"`
	Description string         `json:"description"`
	IsDefault   bool           `json:"is_default"`
	UpdatedAt   *time.Time     `json:"updated_at"`
}

// fanRuleInput is the body of PUT /api/v1/brands/{id}/fan-rule.
type fanRuleInput struct {
	Enabled     bool           `json:"enabled"`
	Kind        string         `json:"kind"`
	QuestionKey string         `json:"question_key"`
	MinPosition int            `json:"min_position"`
	Points      map[string]int `json:"points"`
	Threshold   int            `json:"threshold"`
}

func fanRuleOut(rule fanmail.FanRule) fanRuleJSON {
	out := fanRuleJSON{BrandID: rule.BrandID, Enabled: rule.Enabled, Kind: rule.Kind, QuestionKey: rule.QuestionKey,
		MinPosition: rule.MinPosition, Points: rule.Points, Threshold: rule.Threshold, Description: rule.String(),
		IsDefault: rule.UpdatedAt.IsZero()}
	if out.Points == nil {
		out.Points = map[string]int{}
	}
	if !out.IsDefault {
		out.UpdatedAt = utcPtr(&rule.UpdatedAt)
	}
	return out
}

func (h *Handler) getFanRule(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := h.loyaltyPath(r, msgBrandNotFound)
	if err != nil {
		return err
	}
	rule, err := svc.RuleFor(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, fanRuleOut(rule))
}

func (h *Handler) setFanRule(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := h.loyaltyPath(r, msgBrandNotFound)
	if err != nil {
		return err
	}
	var in fanRuleInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := svc.RuleFor(ctx, id); err != nil {
		return err // an unknown brand is 404 here, not a field error
	}
	rule, err := svc.SetRule(ctx, fanmail.FanRule{BrandID: id, Enabled: in.Enabled, Kind: in.Kind, QuestionKey: in.QuestionKey,
		MinPosition: in.MinPosition, Points: in.Points, Threshold: in.Threshold})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, fanRuleOut(rule))
}
