package portal

import (
	"mime"
	"net/http"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/catalog"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/web"
)

// catalogRoutes serves the public catalogue (seed 000 fig. 2): everyone may
// browse published groups, brands and products and download their material.
func (h *Handler) catalogRoutes(mux *http.ServeMux) {
	mux.Handle("GET /{$}", h.public(h.home))
	mux.Handle("GET /catalog", h.public(h.catalogIndex))
	mux.Handle("GET /catalog/groups/{slug}", h.public(h.showGroup))
	mux.Handle("GET /catalog/brands/{slug}", h.public(h.showBrand))
	mux.Handle("GET /catalog/products/{id}", h.public(h.showProduct))
	mux.Handle("GET /catalog/products/{id}/material.zip", h.public(h.downloadMaterial))
	mux.Handle("GET /media/{path...}", h.public(h.serveMedia))
}

// catalogTree is the page data of the home page and the catalogue index.
type catalogTree struct {
	Groups []catalog.GroupBrands
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) error {
	tree, err := h.Catalog.Tree(r.Context(), true)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "home", i18n.T(web.Lang(r), "Welcome"), catalogTree{Groups: tree})
}

func (h *Handler) catalogIndex(w http.ResponseWriter, r *http.Request) error {
	tree, err := h.Catalog.Tree(r.Context(), true)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "catalog", i18n.T(web.Lang(r), "Brands"), catalogTree{Groups: tree})
}

func (h *Handler) showGroup(w http.ResponseWriter, r *http.Request) error {
	gb, err := h.Catalog.GroupWithBrands(r.Context(), r.PathValue("slug"), true)
	if err != nil {
		return err
	}
	lang := web.Lang(r)
	return h.render(w, r, http.StatusOK, "catalog_group", pickLang(lang, gb.Group.NameKo, gb.Group.NameEn), gb)
}

// brandPage is the data of a brand's page: its products on their shelves.
type brandPage struct {
	catalog.Showcase
}

// ShelfTitle names a shelf in English; the template translates it.
func (brandPage) ShelfTitle(shelf string) string { return shelfTitle(shelf) }

func shelfTitle(shelf string) string {
	switch shelf {
	case fanmail.ShelfNew:
		return "New arrivals"
	case fanmail.ShelfPrevious:
		return "Previous season"
	case fanmail.ShelfSale:
		return "Sale"
	}
	return shelf
}

func (h *Handler) showBrand(w http.ResponseWriter, r *http.Request) error {
	sc, err := h.Catalog.ShowcaseBySlug(r.Context(), r.PathValue("slug"), true)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "catalog_brand", sc.Brand.Name, brandPage{sc})
}

// productPage is the data of a product's page.
type productPage struct {
	*catalog.Material
}

// ShelfTitle names the product's shelf in English; the template translates it.
func (p productPage) ShelfTitle() string { return shelfTitle(p.Product.Shelf) }

// Ages describes the target age band in lang, or "" when there is none.
func (p productPage) Ages(lang string) string {
	lo, hi := p.Product.AgeMin, p.Product.AgeMax
	switch {
	case lo > 0 && hi > 0:
		return i18n.T(lang, "Ages %d to %d", lo, hi)
	case lo > 0:
		return i18n.T(lang, "Ages %d and over", lo)
	case hi > 0:
		return i18n.T(lang, "Ages up to %d", hi)
	}
	return ""
}

func (h *Handler) showProduct(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	m, err := h.Catalog.Material(r.Context(), id, true)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "catalog_product", m.Product.Name, productPage{m})
}

// downloadMaterial streams the product's ZIP (sheet and images). Once bytes
// are sent the status cannot change, so a late failure is only logged.
func (h *Handler) downloadMaterial(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	m, err := h.Catalog.Material(r.Context(), id, true)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": m.Filename()}))
	if err := m.WriteZip(w); err != nil {
		h.Logger.Error("material download failed", "product_id", id, "err", err)
	}
	return nil
}

// serveMedia serves a published product's image. Only paths the media store
// created match, so there is no directory listing and no way out of MediaDir.
func (h *Handler) serveMedia(w http.ResponseWriter, r *http.Request) error {
	f, info, err := h.Catalog.OpenPublicMedia(r.Context(), r.PathValue("path"))
	if err != nil {
		return err
	}
	defer f.Close()
	// Names are random and never reused; an hour keeps unpublishing effective soon.
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, info.Name(), info.ModTime(), f)
	return nil
}

// pickLang returns en for English visitors when there is one, else ko.
func pickLang(lang, ko, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return ko
}
