package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/catalog"
)

// productJSON is a product as the API shows it.
type productJSON struct {
	ID            int64       `json:"id"`
	BrandID       int64       `json:"brand_id"`
	Code          string      `json:"code"`
	Name          string      `json:"name"`
	Shelf         string      `json:"shelf"`
	Price         int64       `json:"price"`
	AgeMin        int         `json:"age_min"`
	AgeMax        int         `json:"age_max"`
	StylingAdvice string      `json:"styling_advice"`
	Accessories   string      `json:"accessories"`
	Description   string      `json:"description"`
	Position      int         `json:"position"`
	Published     bool        `json:"published"`
	Images        []imageJSON `json:"images"`
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
}

// imageJSON is a product image; its file is uploaded and served by the staff
// UI and the public site, not by the API.
type imageJSON struct {
	ID          int64  `json:"id"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Alt         string `json:"alt"`
	Position    int    `json:"position"`
}

func productOut(p fanmail.Product) productJSON {
	imgs := make([]imageJSON, len(p.Images))
	for i, img := range p.Images {
		imgs[i] = imageJSON{ID: img.ID, ContentType: img.ContentType, Size: img.Size, Alt: img.Alt, Position: img.Position}
	}
	return productJSON{
		ID: p.ID, BrandID: p.BrandID, Code: p.Code, Name: p.Name, Shelf: p.Shelf, Price: p.Price,
		AgeMin: p.AgeMin, AgeMax: p.AgeMax, StylingAdvice: p.StylingAdvice, Accessories: p.Accessories,
		Description: p.Description, Position: p.Position, Published: p.Published, Images: imgs,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
}

// productInput is the body of POST /api/v1/products.
type productInput struct {
	BrandID       int64  `json:"brand_id"`
	Code          string `json:"code"`
	Name          string `json:"name"`
	Shelf         string `json:"shelf"`
	Price         int64  `json:"price"`
	AgeMin        int    `json:"age_min"`
	AgeMax        int    `json:"age_max"`
	StylingAdvice string `json:"styling_advice"`
	Accessories   string `json:"accessories"`
	Description   string `json:"description"`
	Position      int    `json:"position"`
	Published     bool   `json:"published"`
}

// productPatch is the body of PATCH /api/v1/products/{id}; absent fields stay
// unchanged.
type productPatch struct {
	BrandID       *int64  `json:"brand_id"`
	Code          *string `json:"code"`
	Name          *string `json:"name"`
	Shelf         *string `json:"shelf"`
	Price         *int64  `json:"price"`
	AgeMin        *int    `json:"age_min"`
	AgeMax        *int    `json:"age_max"`
	StylingAdvice *string `json:"styling_advice"`
	Accessories   *string `json:"accessories"`
	Description   *string `json:"description"`
	Position      *int    `json:"position"`
	Published     *bool   `json:"published"`
}

const msgProductNotFound = "Product not found."

func (h *Handler) listProducts(w http.ResponseWriter, r *http.Request) error {
	var (
		f   catalog.ProductFilter
		err error
	)
	if f.BrandID, err = queryInt64(r, "brand_id"); err != nil {
		return err
	}
	if f.GroupID, err = queryInt64(r, "group_id"); err != nil {
		return err
	}
	if f.PublishedOnly, err = queryBool(r, "published_only"); err != nil {
		return err
	}
	f.Shelf = strings.TrimSpace(r.URL.Query().Get("shelf"))
	if f.Shelf != "" && !fanmail.IsShelf(f.Shelf) {
		return invalidField("shelf", "Unknown shelf; use new, previous or sale.")
	}
	products, err := h.Catalog.Products(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]productJSON, len(products))
	for i, p := range products {
		out[i] = productOut(p)
	}
	return writeJSON(w, http.StatusOK, list[productJSON]{Data: out})
}

func (h *Handler) getProduct(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", msgProductNotFound)
	if err != nil {
		return err
	}
	p, err := h.Catalog.ProductByID(r.Context(), id, false)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, productOut(p))
}

func (h *Handler) createProduct(w http.ResponseWriter, r *http.Request) error {
	var in productInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	p, err := h.Catalog.CreateProduct(r.Context(), fanmail.Product{
		BrandID: in.BrandID, Code: in.Code, Name: in.Name, Shelf: in.Shelf, Price: in.Price,
		AgeMin: in.AgeMin, AgeMax: in.AgeMax, StylingAdvice: in.StylingAdvice, Accessories: in.Accessories,
		Description: in.Description, Position: in.Position, Published: in.Published,
	})
	if err != nil {
		return err
	}
	return writeCreated(w, fmt.Sprintf("/api/v1/products/%d", p.ID), productOut(p))
}

func (h *Handler) updateProduct(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", msgProductNotFound)
	if err != nil {
		return err
	}
	var in productPatch
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	p, err := h.Catalog.UpdateProduct(r.Context(), id, catalog.ProductUpdate{
		BrandID: in.BrandID, Code: in.Code, Name: in.Name, Shelf: in.Shelf, Price: in.Price,
		AgeMin: in.AgeMin, AgeMax: in.AgeMax, StylingAdvice: in.StylingAdvice, Accessories: in.Accessories,
		Description: in.Description, Position: in.Position, Published: in.Published,
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, productOut(p))
}
