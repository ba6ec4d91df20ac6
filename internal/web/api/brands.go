package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/catalog"
)

// brandJSON is a brand as the API shows it.
type brandJSON struct {
	ID            int64     `json:"id"`
	GroupID       int64     `json:"group_id"`
	Slug          string    `json:"slug"`
	Name          string    `json:"name"`
	DescriptionKo string    `json:"description_ko"`
	DescriptionEn string    `json:"description_en"`
	Position      int       `json:"position"`
	Published     bool      `json:"published"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func brandOut(b fanmail.Brand) brandJSON {
	return brandJSON{
		ID: b.ID, GroupID: b.GroupID, Slug: b.Slug, Name: b.Name,
		DescriptionKo: b.DescriptionKo, DescriptionEn: b.DescriptionEn,
		Position: b.Position, Published: b.Published, CreatedAt: b.CreatedAt.UTC(), UpdatedAt: b.UpdatedAt.UTC(),
	}
}

// brandInput is the body of POST /api/v1/brands.
type brandInput struct {
	GroupID       int64  `json:"group_id"`
	Slug          string `json:"slug"`
	Name          string `json:"name"`
	DescriptionKo string `json:"description_ko"`
	DescriptionEn string `json:"description_en"`
	Position      int    `json:"position"`
	Published     bool   `json:"published"`
}

// brandPatch is the body of PATCH /api/v1/brands/{id}; absent fields stay
// unchanged.
type brandPatch struct {
	GroupID       *int64  `json:"group_id"`
	Slug          *string `json:"slug"`
	Name          *string `json:"name"`
	DescriptionKo *string `json:"description_ko"`
	DescriptionEn *string `json:"description_en"`
	Position      *int    `json:"position"`
	Published     *bool   `json:"published"`
}

const msgBrandNotFound = "Brand not found."

func (h *Handler) listBrands(w http.ResponseWriter, r *http.Request) error {
	groupID, err := queryInt64(r, "group_id")
	if err != nil {
		return err
	}
	publishedOnly, err := queryBool(r, "published_only")
	if err != nil {
		return err
	}
	brands, err := h.Catalog.Brands(r.Context(), groupID, publishedOnly)
	if err != nil {
		return err
	}
	out := make([]brandJSON, len(brands))
	for i, b := range brands {
		out[i] = brandOut(b)
	}
	return writeJSON(w, http.StatusOK, list[brandJSON]{Data: out})
}

func (h *Handler) getBrand(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", msgBrandNotFound)
	if err != nil {
		return err
	}
	b, err := h.Catalog.BrandByID(r.Context(), id, false)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, brandOut(b))
}

func (h *Handler) createBrand(w http.ResponseWriter, r *http.Request) error {
	var in brandInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	b, err := h.Catalog.CreateBrand(r.Context(), fanmail.Brand{
		GroupID: in.GroupID, Slug: in.Slug, Name: in.Name, DescriptionKo: in.DescriptionKo,
		DescriptionEn: in.DescriptionEn, Position: in.Position, Published: in.Published,
	})
	if err != nil {
		return err
	}
	return writeCreated(w, fmt.Sprintf("/api/v1/brands/%d", b.ID), brandOut(b))
}

func (h *Handler) updateBrand(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", msgBrandNotFound)
	if err != nil {
		return err
	}
	var in brandPatch
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	b, err := h.Catalog.UpdateBrand(r.Context(), id, catalog.BrandUpdate{
		GroupID: in.GroupID, Slug: in.Slug, Name: in.Name, DescriptionKo: in.DescriptionKo,
		DescriptionEn: in.DescriptionEn, Position: in.Position, Published: in.Published,
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, brandOut(b))
}
