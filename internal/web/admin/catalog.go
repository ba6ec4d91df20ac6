package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/catalog"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/web"
)

// catalogRoutes lets staff keep the promotional database current: brand
// groups, brands, products on their shelves and product images.
func (h *Handler) catalogRoutes(mux *http.ServeMux) {
	page := func(fn web.HandlerFunc) http.Handler { return h.page(fanmail.PermManageCatalog, fn) }
	mux.Handle("GET /admin/catalog", page(h.catalogOverview))
	mux.Handle("GET /admin/catalog/groups/new", page(h.newGroupForm))
	mux.Handle("POST /admin/catalog/groups", page(h.createGroup))
	mux.Handle("GET /admin/catalog/groups/{id}/edit", page(h.editGroupForm))
	mux.Handle("POST /admin/catalog/groups/{id}", page(h.updateGroup))
	mux.Handle("POST /admin/catalog/groups/{id}/move", page(h.moveGroup))
	mux.Handle("POST /admin/catalog/groups/{id}/publish", page(h.publishGroup))
	mux.Handle("GET /admin/catalog/brands/new", page(h.newBrandForm))
	mux.Handle("POST /admin/catalog/brands", page(h.createBrand))
	mux.Handle("GET /admin/catalog/brands/{id}", page(h.showBrand))
	mux.Handle("GET /admin/catalog/brands/{id}/edit", page(h.editBrandForm))
	mux.Handle("POST /admin/catalog/brands/{id}", page(h.updateBrand))
	mux.Handle("POST /admin/catalog/brands/{id}/move", page(h.moveBrand))
	mux.Handle("POST /admin/catalog/brands/{id}/publish", page(h.publishBrand))
	mux.Handle("GET /admin/catalog/products/new", page(h.newProductForm))
	mux.Handle("POST /admin/catalog/products", page(h.createProduct))
	mux.Handle("GET /admin/catalog/products/{id}/edit", page(h.editProductForm))
	mux.Handle("POST /admin/catalog/products/{id}", page(h.updateProduct))
	mux.Handle("POST /admin/catalog/products/{id}/move", page(h.moveProduct))
	mux.Handle("POST /admin/catalog/products/{id}/publish", page(h.publishProduct))
	mux.Handle("POST /admin/catalog/products/{id}/images", page(h.addImages))
	mux.Handle("POST /admin/catalog/images/{id}/delete", page(h.deleteImage))
	mux.Handle("GET /admin/media/{path...}", page(h.serveMedia))
	h.brandProgramRoutes(mux)
}

// --- shared form plumbing ---

// catalogFormErr shows a form's error next to its field, or above the form.
type catalogFormErr struct{ Err error }

// FieldError returns the error when it concerns field, else nil; templates
// show it with t, which translates its message and arguments.
func (f catalogFormErr) FieldError(field string) *fanmail.Error {
	if f.Err != nil && fanmail.ErrorField(f.Err) == field {
		return shownError(f.Err)
	}
	return nil
}

// FormError returns an error that names no field, else nil.
func (f catalogFormErr) FormError() *fanmail.Error {
	if f.Err != nil && fanmail.ErrorField(f.Err) == "" {
		return shownError(f.Err)
	}
	return nil
}

// shownError returns err as shown in a form: an *fanmail.Error as it is,
// anything else as the generic message.
func shownError(err error) *fanmail.Error {
	if e := fanmail.AsError(err); e != nil {
		return e
	}
	return &fanmail.Error{Code: fanmail.EINTERNAL, Message: fanmail.ErrorMessage(err)}
}

// isCatalogFormError reports whether err is the user's to fix in the form
// (then the form is shown again with what was typed).
func isCatalogFormError(err error) bool {
	switch fanmail.ErrorCode(err) {
	case fanmail.EINVALID, fanmail.ECONFLICT, fanmail.ETOOLARGE:
		return true
	}
	return false
}

func formText(r *http.Request, name string) string { return strings.TrimSpace(r.PostForm.Get(name)) }

// formChecked reports whether a checkbox was ticked.
func formChecked(r *http.Request, name string) bool { return r.PostForm.Get(name) != "" }

// parseWhole parses a whole number typed in a form, allowing "89,000원";
// empty is 0.
func parseWhole(field, s string) (int64, error) {
	s = strings.NewReplacer(",", "", " ", "", "원", "", "₩", "").Replace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fanmail.FieldError(field, "Enter a whole number.")
	}
	return n, nil
}

// moveDelta reads the direction of a move button.
func moveDelta(r *http.Request) int {
	if r.PostFormValue("dir") == "up" {
		return -1
	}
	return 1
}

func (h *Handler) catalogTitle(r *http.Request, title string) string {
	return i18n.T(web.Lang(r), title)
}

// --- overview and groups ---

type catalogOverviewPage struct {
	Groups []catalog.GroupBrands
}

func (h *Handler) catalogOverview(w http.ResponseWriter, r *http.Request) error {
	tree, err := h.Catalog.Tree(r.Context(), false)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "catalog", h.catalogTitle(r, "Catalogue"), catalogOverviewPage{Groups: tree})
}

type groupForm struct {
	catalogFormErr
	ID                   int64
	Slug, NameKo, NameEn string
	Published            bool
}

func (h *Handler) renderGroupForm(w http.ResponseWriter, r *http.Request, status int, f groupForm) error {
	title := "New brand group"
	if f.ID != 0 {
		title = "Edit brand group"
	}
	return h.render(w, r, status, "catalog_group_form", h.catalogTitle(r, title), f)
}

func groupFormFrom(r *http.Request) groupForm {
	return groupForm{Slug: formText(r, "slug"), NameKo: formText(r, "name_ko"), NameEn: formText(r, "name_en"), Published: formChecked(r, "published")}
}

func (h *Handler) newGroupForm(w http.ResponseWriter, r *http.Request) error {
	return h.renderGroupForm(w, r, http.StatusOK, groupForm{Published: true})
}

func (h *Handler) createGroup(w http.ResponseWriter, r *http.Request) error {
	r.ParseForm()
	f := groupFormFrom(r)
	_, err := h.Catalog.CreateGroup(r.Context(), fanmail.BrandGroup{Slug: f.Slug, NameKo: f.NameKo, NameEn: f.NameEn, Published: f.Published})
	if isCatalogFormError(err) {
		f.Err = err
		return h.renderGroupForm(w, r, web.StatusOf(err), f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/catalog?flash=Saved.", http.StatusSeeOther)
	return nil
}

func (h *Handler) editGroupForm(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	g, err := h.Catalog.GroupByID(r.Context(), id, false)
	if err != nil {
		return err
	}
	return h.renderGroupForm(w, r, http.StatusOK, groupForm{ID: g.ID, Slug: g.Slug, NameKo: g.NameKo, NameEn: g.NameEn, Published: g.Published})
}

func (h *Handler) updateGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	r.ParseForm()
	f := groupFormFrom(r)
	f.ID = id
	_, err = h.Catalog.UpdateGroup(r.Context(), id, catalog.GroupUpdate{Slug: &f.Slug, NameKo: &f.NameKo, NameEn: &f.NameEn, Published: &f.Published})
	if isCatalogFormError(err) {
		f.Err = err
		return h.renderGroupForm(w, r, web.StatusOf(err), f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/catalog?flash=Saved.", http.StatusSeeOther)
	return nil
}

func (h *Handler) moveGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Catalog.MoveGroup(r.Context(), id, moveDelta(r)); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/catalog", http.StatusSeeOther)
	return nil
}

func (h *Handler) publishGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	pub := r.PostFormValue("published") == "1"
	if _, err := h.Catalog.UpdateGroup(r.Context(), id, catalog.GroupUpdate{Published: &pub}); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/catalog", http.StatusSeeOther)
	return nil
}

// --- brands ---

type brandForm struct {
	catalogFormErr
	ID                                       int64
	GroupID                                  int64
	Slug, Name, DescriptionKo, DescriptionEn string
	Published                                bool
	Groups                                   []catalog.GroupBrands // for the group select
}

func (h *Handler) renderBrandForm(w http.ResponseWriter, r *http.Request, status int, f brandForm) error {
	tree, err := h.Catalog.Tree(r.Context(), false)
	if err != nil {
		return err
	}
	f.Groups = tree
	title := "New brand"
	if f.ID != 0 {
		title = "Edit brand"
	}
	return h.render(w, r, status, "catalog_brand_form", h.catalogTitle(r, title), f)
}

func brandFormFrom(r *http.Request) brandForm {
	gid, _ := strconv.ParseInt(r.PostForm.Get("group_id"), 10, 64)
	return brandForm{GroupID: gid, Slug: formText(r, "slug"), Name: formText(r, "name"),
		DescriptionKo: formText(r, "description_ko"), DescriptionEn: formText(r, "description_en"), Published: formChecked(r, "published")}
}

func (h *Handler) newBrandForm(w http.ResponseWriter, r *http.Request) error {
	gid, _ := strconv.ParseInt(r.URL.Query().Get("group"), 10, 64)
	return h.renderBrandForm(w, r, http.StatusOK, brandForm{GroupID: gid, Published: true})
}

func (h *Handler) createBrand(w http.ResponseWriter, r *http.Request) error {
	r.ParseForm()
	f := brandFormFrom(r)
	b, err := h.Catalog.CreateBrand(r.Context(), fanmail.Brand{GroupID: f.GroupID, Slug: f.Slug, Name: f.Name,
		DescriptionKo: f.DescriptionKo, DescriptionEn: f.DescriptionEn, Published: f.Published})
	if isCatalogFormError(err) {
		f.Err = err
		return h.renderBrandForm(w, r, web.StatusOf(err), f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/catalog/brands/%d?flash=Saved.", b.ID), http.StatusSeeOther)
	return nil
}

func (h *Handler) editBrandForm(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.Catalog.BrandByID(r.Context(), id, false)
	if err != nil {
		return err
	}
	return h.renderBrandForm(w, r, http.StatusOK, brandForm{ID: b.ID, GroupID: b.GroupID, Slug: b.Slug, Name: b.Name,
		DescriptionKo: b.DescriptionKo, DescriptionEn: b.DescriptionEn, Published: b.Published})
}

func (h *Handler) updateBrand(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	r.ParseForm()
	f := brandFormFrom(r)
	f.ID = id
	_, err = h.Catalog.UpdateBrand(r.Context(), id, catalog.BrandUpdate{GroupID: &f.GroupID, Slug: &f.Slug, Name: &f.Name,
		DescriptionKo: &f.DescriptionKo, DescriptionEn: &f.DescriptionEn, Published: &f.Published})
	if isCatalogFormError(err) {
		f.Err = err
		return h.renderBrandForm(w, r, web.StatusOf(err), f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/catalog/brands/%d?flash=Saved.", id), http.StatusSeeOther)
	return nil
}

// adminBrandPage shows a brand's products on their shelves for editing.
type adminBrandPage struct {
	catalog.Showcase
}

// ShelfTitle names a shelf in English; the template translates it.
func (adminBrandPage) ShelfTitle(shelf string) string { return catalogShelfTitle(shelf) }

func (h *Handler) showBrand(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	sc, err := h.Catalog.ShowcaseByID(r.Context(), id, false)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "catalog_brand", sc.Brand.Name, adminBrandPage{sc})
}

func (h *Handler) moveBrand(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Catalog.MoveBrand(r.Context(), id, moveDelta(r)); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/catalog", http.StatusSeeOther)
	return nil
}

func (h *Handler) publishBrand(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	pub := r.PostFormValue("published") == "1"
	if _, err := h.Catalog.UpdateBrand(r.Context(), id, catalog.BrandUpdate{Published: &pub}); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/catalog", http.StatusSeeOther)
	return nil
}

func catalogShelfTitle(shelf string) string {
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

// --- products ---

// maxImagesPerPost bounds one upload form; the request body may then be up to
// that many images plus the form's text.
const maxImagesPerPost = 10

// productForm is a product as typed (numbers stay text until parsed, so a
// mistyped price is shown back as typed).
type productForm struct {
	catalogFormErr
	ID, BrandID                              int64
	Code, Name, Shelf, Price, AgeMin, AgeMax string
	StylingAdvice, Accessories, Description  string
	Published                                bool
	Images                                   []fanmail.ProductImage
	Groups                                   []catalog.GroupBrands // for the brand select
	Shelves                                  []string
	MaxImageMB                               int64
}

// ShelfTitle names a shelf in English; the template translates it.
func (productForm) ShelfTitle(shelf string) string { return catalogShelfTitle(shelf) }

func productFormOf(p fanmail.Product) productForm {
	f := productForm{ID: p.ID, BrandID: p.BrandID, Code: p.Code, Name: p.Name, Shelf: p.Shelf,
		Price: strconv.FormatInt(p.Price, 10), StylingAdvice: p.StylingAdvice, Accessories: p.Accessories,
		Description: p.Description, Published: p.Published, Images: p.Images}
	if p.AgeMin > 0 {
		f.AgeMin = strconv.Itoa(p.AgeMin)
	}
	if p.AgeMax > 0 {
		f.AgeMax = strconv.Itoa(p.AgeMax)
	}
	return f
}

func productFormFrom(r *http.Request) productForm {
	bid, _ := strconv.ParseInt(r.PostForm.Get("brand_id"), 10, 64)
	return productForm{BrandID: bid, Code: formText(r, "code"), Name: formText(r, "name"), Shelf: formText(r, "shelf"),
		Price: formText(r, "price"), AgeMin: formText(r, "age_min"), AgeMax: formText(r, "age_max"),
		StylingAdvice: formText(r, "styling_advice"), Accessories: formText(r, "accessories"),
		Description: formText(r, "description"), Published: formChecked(r, "published")}
}

// product parses the typed numbers; EINVALID names a field that is not a number.
func (f productForm) product() (fanmail.Product, error) {
	p := fanmail.Product{BrandID: f.BrandID, Code: f.Code, Name: f.Name, Shelf: f.Shelf,
		StylingAdvice: f.StylingAdvice, Accessories: f.Accessories, Description: f.Description, Published: f.Published}
	price, err := parseWhole("price", f.Price)
	if err != nil {
		return p, err
	}
	lo, err := parseWhole("age_min", f.AgeMin)
	if err != nil {
		return p, err
	}
	hi, err := parseWhole("age_max", f.AgeMax)
	if err != nil {
		return p, err
	}
	p.Price, p.AgeMin, p.AgeMax = price, int(lo), int(hi)
	return p, nil
}

func (h *Handler) renderProductForm(w http.ResponseWriter, r *http.Request, status int, f productForm) error {
	tree, err := h.Catalog.Tree(r.Context(), false)
	if err != nil {
		return err
	}
	f.Groups, f.Shelves = tree, fanmail.Shelves
	f.MaxImageMB = max(1, h.Catalog.MaxImageSize()>>20)
	title := "New product"
	if f.ID != 0 {
		title = "Edit product"
	}
	return h.render(w, r, status, "catalog_product_form", h.catalogTitle(r, title), f)
}

// parseUploadForm reads a multipart form of at most maxImagesPerPost images
// and returns its "images" files; close must be called when done. An
// oversized body is ETOOLARGE and nothing of it is used; a field or file name
// with invalid UTF-8 or a NUL is EINVALID.
func (h *Handler) parseUploadForm(w http.ResponseWriter, r *http.Request) (uploads []catalog.Upload, close func(), err error) {
	limit := h.Catalog.MaxImageSize()*maxImagesPerPost + 1<<20
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	close = func() {}
	err = r.ParseMultipartForm(1 << 20)
	if errors.Is(err, http.ErrNotMultipart) {
		return nil, close, nil // a form without files; ParseForm has run
	}
	if err != nil {
		return nil, close, web.ErrBodyTooLarge(err)
	}
	var open []interface{ Close() error }
	close = func() {
		for _, f := range open {
			f.Close()
		}
		r.MultipartForm.RemoveAll()
	}
	// web.CheckInput leaves multipart forms to their readers.
	if err := web.CheckValues(r.MultipartForm.Value); err != nil {
		return nil, close, err
	}
	for _, fh := range r.MultipartForm.File["images"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the browser sends an empty part when no file was chosen
		}
		if err := web.CheckText("images", fh.Filename); err != nil {
			return nil, close, err
		}
		if len(uploads) == maxImagesPerPost {
			return nil, close, fanmail.FieldError("images", "Upload at most 10 images at a time.")
		}
		f, err := fh.Open()
		if err != nil {
			return nil, close, fmt.Errorf("open upload: %w", err)
		}
		open = append(open, f)
		uploads = append(uploads, catalog.Upload{Filename: fh.Filename, Content: f, Size: fh.Size})
	}
	return uploads, close, nil
}

// unreadableForm reports whether parseUploadForm failed so that there is no
// form to show again: an oversized body (ETOOLARGE) or a broken request.
func unreadableForm(err error) bool {
	return err != nil && (fanmail.ErrorCode(err) == fanmail.ETOOLARGE || !isCatalogFormError(err))
}

func (h *Handler) newProductForm(w http.ResponseWriter, r *http.Request) error {
	bid, _ := strconv.ParseInt(r.URL.Query().Get("brand"), 10, 64)
	return h.renderProductForm(w, r, http.StatusOK, productForm{BrandID: bid, Shelf: fanmail.ShelfNew, Published: true})
}

func (h *Handler) createProduct(w http.ResponseWriter, r *http.Request) error {
	uploads, done, err := h.parseUploadForm(w, r)
	defer done()
	if unreadableForm(err) {
		return err
	}
	f := productFormFrom(r)
	var p fanmail.Product
	if err == nil {
		p, err = f.product()
	}
	if err == nil {
		p, err = h.Catalog.CreateProduct(r.Context(), p, uploads...)
	}
	if isCatalogFormError(err) {
		f.Err = err
		return h.renderProductForm(w, r, web.StatusOf(err), f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/catalog/products/%d/edit?flash=Saved.", p.ID), http.StatusSeeOther)
	return nil
}

func (h *Handler) editProductForm(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	p, err := h.Catalog.ProductByID(r.Context(), id, false)
	if err != nil {
		return err
	}
	return h.renderProductForm(w, r, http.StatusOK, productFormOf(p))
}

func (h *Handler) updateProduct(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	r.ParseForm()
	f := productFormFrom(r)
	f.ID = id
	p, err := f.product()
	if err == nil {
		p, err = h.Catalog.UpdateProduct(r.Context(), id, catalog.ProductUpdate{
			BrandID: &p.BrandID, Code: &p.Code, Name: &p.Name, Shelf: &p.Shelf, Price: &p.Price,
			AgeMin: &p.AgeMin, AgeMax: &p.AgeMax, StylingAdvice: &p.StylingAdvice, Accessories: &p.Accessories,
			Description: &p.Description, Published: &p.Published,
		})
	}
	if isCatalogFormError(err) {
		if cur, cerr := h.Catalog.ProductByID(r.Context(), id, false); cerr == nil {
			f.Images = cur.Images
		}
		f.Err = err
		return h.renderProductForm(w, r, web.StatusOf(err), f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/catalog/products/%d/edit?flash=Saved.", id), http.StatusSeeOther)
	return nil
}

func (h *Handler) moveProduct(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	p, err := h.Catalog.MoveProduct(r.Context(), id, moveDelta(r))
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/catalog/brands/%d#shelf-%s", p.BrandID, p.Shelf), http.StatusSeeOther)
	return nil
}

func (h *Handler) publishProduct(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	pub := r.PostFormValue("published") == "1"
	p, err := h.Catalog.UpdateProduct(r.Context(), id, catalog.ProductUpdate{Published: &pub})
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/catalog/brands/%d#shelf-%s", p.BrandID, p.Shelf), http.StatusSeeOther)
	return nil
}

func (h *Handler) addImages(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	uploads, done, err := h.parseUploadForm(w, r)
	defer done()
	if unreadableForm(err) {
		return err
	}
	if err == nil {
		_, err = h.Catalog.AddImages(r.Context(), id, uploads...)
	}
	if isCatalogFormError(err) {
		p, perr := h.Catalog.ProductByID(r.Context(), id, false)
		if perr != nil {
			return perr
		}
		f := productFormOf(p)
		f.Err = err
		return h.renderProductForm(w, r, web.StatusOf(err), f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/catalog/products/%d/edit?flash=Saved.#images", id), http.StatusSeeOther)
	return nil
}

func (h *Handler) deleteImage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	img, err := h.Catalog.DeleteImage(r.Context(), id)
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/catalog/products/%d/edit#images", img.ProductID), http.StatusSeeOther)
	return nil
}

// serveMedia shows staff any stored image, published or not.
func (h *Handler) serveMedia(w http.ResponseWriter, r *http.Request) error {
	f, info, err := h.Catalog.OpenMedia(r.PathValue("path"))
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, info.Name(), info.ModTime(), f)
	return nil
}
