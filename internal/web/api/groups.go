package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/catalog"
)

// groupJSON is a brand group as the API shows it.
type groupJSON struct {
	ID        int64     `json:"id"`
	Slug      string    `json:"slug"`
	NameKo    string    `json:"name_ko"`
	NameEn    string    `json:"name_en"`
	Position  int       `json:"position"`
	Published bool      `json:"published"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func groupOut(g fanmail.BrandGroup) groupJSON {
	return groupJSON{
		ID: g.ID, Slug: g.Slug, NameKo: g.NameKo, NameEn: g.NameEn, Position: g.Position,
		Published: g.Published, CreatedAt: g.CreatedAt.UTC(), UpdatedAt: g.UpdatedAt.UTC(),
	}
}

// groupInput is the body of POST /api/v1/brand-groups.
type groupInput struct {
	Slug      string `json:"slug"`
	NameKo    string `json:"name_ko"`
	NameEn    string `json:"name_en"`
	Position  int    `json:"position"`
	Published bool   `json:"published"`
}

// groupPatch is the body of PATCH /api/v1/brand-groups/{id}; absent fields
// stay unchanged.
type groupPatch struct {
	Slug      *string `json:"slug"`
	NameKo    *string `json:"name_ko"`
	NameEn    *string `json:"name_en"`
	Position  *int    `json:"position"`
	Published *bool   `json:"published"`
}

const msgGroupNotFound = "Brand group not found."

func (h *Handler) listGroups(w http.ResponseWriter, r *http.Request) error {
	publishedOnly, err := queryBool(r, "published_only")
	if err != nil {
		return err
	}
	groups, err := h.Catalog.Groups(r.Context(), publishedOnly)
	if err != nil {
		return err
	}
	out := make([]groupJSON, len(groups))
	for i, g := range groups {
		out[i] = groupOut(g)
	}
	return writeJSON(w, http.StatusOK, list[groupJSON]{Data: out})
}

func (h *Handler) getGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", msgGroupNotFound)
	if err != nil {
		return err
	}
	g, err := h.Catalog.GroupByID(r.Context(), id, false)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, groupOut(g))
}

func (h *Handler) createGroup(w http.ResponseWriter, r *http.Request) error {
	var in groupInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	g, err := h.Catalog.CreateGroup(r.Context(), fanmail.BrandGroup{
		Slug: in.Slug, NameKo: in.NameKo, NameEn: in.NameEn, Position: in.Position, Published: in.Published,
	})
	if err != nil {
		return err
	}
	return writeCreated(w, fmt.Sprintf("/api/v1/brand-groups/%d", g.ID), groupOut(g))
}

func (h *Handler) updateGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", msgGroupNotFound)
	if err != nil {
		return err
	}
	var in groupPatch
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	g, err := h.Catalog.UpdateGroup(r.Context(), id, catalog.GroupUpdate{
		Slug: in.Slug, NameKo: in.NameKo, NameEn: in.NameEn, Position: in.Position, Published: in.Published,
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, groupOut(g))
}
