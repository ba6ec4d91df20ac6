package catalog

import (
	"context"
	"strings"

	"github.com/fanmail/fanmail"
)

// ProductUpdate changes a product; a nil field means "unchanged". Images are
// added with AddImage and removed with DeleteImage.
type ProductUpdate struct {
	BrandID       *int64
	Code          *string
	Name          *string
	Shelf         *string
	Price         *int64
	AgeMin        *int
	AgeMax        *int
	StylingAdvice *string
	Accessories   *string
	Description   *string
	Position      *int
	Published     *bool
}

// Products returns the products f selects, with their images, ordered by
// brand, shelf (new, previous, sale) and position.
func (s *Service) Products(ctx context.Context, f ProductFilter) ([]fanmail.Product, error) {
	return s.db.Products(ctx, f)
}

// ProductByID returns the product with id and its images, or ENOTFOUND (also
// when publishedOnly and the product, its brand or its group is unpublished).
func (s *Service) ProductByID(ctx context.Context, id int64, publishedOnly bool) (fanmail.Product, error) {
	return s.db.ProductByID(ctx, id, publishedOnly)
}

func cleanProduct(p *fanmail.Product) {
	p.Code = strings.TrimSpace(p.Code)
	p.Name = strings.TrimSpace(p.Name)
	p.Shelf = strings.TrimSpace(p.Shelf)
	p.StylingAdvice = strings.TrimSpace(p.StylingAdvice)
	p.Accessories = strings.TrimSpace(p.Accessories)
	p.Description = strings.TrimSpace(p.Description)
}

func validateProductFields(p fanmail.Product) error {
	if p.Code == "" {
		return fanmail.FieldError("code", "The product code is required.")
	}
	if len(p.Code) > 40 || !codePattern.MatchString(p.Code) {
		return fanmail.FieldError("code", "The product code may use only letters, digits, dots, dashes and underscores (up to 40).")
	}
	if err := validateName("name", p.Name, "The name is required."); err != nil {
		return err
	}
	if !fanmail.IsShelf(p.Shelf) {
		return fanmail.FieldError("shelf", "Choose a shelf: new, previous season or sale.")
	}
	switch {
	case p.Price < 0:
		return fanmail.FieldError("price", "The price cannot be negative.")
	case p.Price > maxPrice:
		return fanmail.FieldError("price", "The price is too high.")
	case p.AgeMin < 0 || p.AgeMin > maxAge:
		return fanmail.FieldError("age_min", "Ages must be between 0 and 120.")
	case p.AgeMax < 0 || p.AgeMax > maxAge:
		return fanmail.FieldError("age_max", "Ages must be between 0 and 120.")
	case p.AgeMax > 0 && p.AgeMin > p.AgeMax:
		return fanmail.FieldError("age_max", "The maximum age cannot be below the minimum age.")
	}
	return firstError(
		validateText("styling_advice", p.StylingAdvice),
		validateText("accessories", p.Accessories),
		validateText("description", p.Description),
		validatePosition(p.Position),
	)
}

func (s *Service) validateProduct(ctx context.Context, p fanmail.Product) error {
	if err := validateProductFields(p); err != nil {
		return err
	}
	if _, err := s.db.BrandByID(ctx, p.BrandID, false); fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return fanmail.FieldError("brand_id", "Choose a brand.")
	} else if err != nil {
		return err
	}
	return nil
}

// CreateProduct stores a new product with the given images; Position 0 puts
// it last on its shelf. Either everything is stored or nothing: EINVALID names
// the field at fault (field "images" for a file that is not a JPEG, PNG, GIF
// or WebP image), ETOOLARGE for an image over the size limit, ECONFLICT when
// the code is taken.
func (s *Service) CreateProduct(ctx context.Context, p fanmail.Product, images ...Upload) (fanmail.Product, error) {
	cleanProduct(&p)
	p.Images = nil
	if err := s.validateProduct(ctx, p); err != nil {
		return p, err
	}
	for _, u := range images {
		img, err := s.saveImage(u, p.Name)
		if err != nil {
			s.removeImageFiles(p.Images)
			p.Images = nil
			return p, err
		}
		p.Images = append(p.Images, img)
	}
	created, err := s.db.CreateProduct(ctx, p)
	if err != nil {
		s.removeImageFiles(p.Images)
		p.Images = nil
		return p, err
	}
	s.logger.Debug("product created", "product_id", created.ID, "images", len(created.Images))
	return created, nil
}

// UpdateProduct applies u to the product with id and returns it with its
// images. ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdateProduct(ctx context.Context, id int64, u ProductUpdate) (fanmail.Product, error) {
	p, err := s.db.ProductByID(ctx, id, false)
	if err != nil {
		return p, err
	}
	setIf(&p.BrandID, u.BrandID)
	setIf(&p.Code, u.Code)
	setIf(&p.Name, u.Name)
	setIf(&p.Shelf, u.Shelf)
	setIf(&p.Price, u.Price)
	setIf(&p.AgeMin, u.AgeMin)
	setIf(&p.AgeMax, u.AgeMax)
	setIf(&p.StylingAdvice, u.StylingAdvice)
	setIf(&p.Accessories, u.Accessories)
	setIf(&p.Description, u.Description)
	setIf(&p.Position, u.Position)
	setIf(&p.Published, u.Published)
	cleanProduct(&p)
	if err := s.validateProduct(ctx, p); err != nil {
		return p, err
	}
	return s.db.UpdateProduct(ctx, p)
}

// MoveProduct moves the product one place up (delta < 0) or down (delta > 0)
// on its brand's shelf and returns it. ENOTFOUND.
func (s *Service) MoveProduct(ctx context.Context, id int64, delta int) (fanmail.Product, error) {
	p, err := s.db.ProductByID(ctx, id, false)
	if err != nil {
		return p, err
	}
	siblings, err := s.db.Products(ctx, ProductFilter{BrandID: p.BrandID, Shelf: p.Shelf})
	if err != nil {
		return p, err
	}
	ids := make([]int64, len(siblings))
	for i, x := range siblings {
		ids[i] = x.ID
	}
	moveID(ids, id, delta)
	return p, s.db.ReorderProducts(ctx, ids)
}
