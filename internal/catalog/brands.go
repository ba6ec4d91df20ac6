package catalog

import (
	"context"
	"strings"

	"github.com/fanmail/fanmail"
)

// BrandUpdate changes a brand; a nil field means "unchanged".
type BrandUpdate struct {
	GroupID       *int64
	Slug          *string
	Name          *string
	DescriptionKo *string
	DescriptionEn *string
	Position      *int
	Published     *bool
}

// Brands returns the brands of group groupID (0 = every group) in display
// order; publishedOnly keeps the published brands of published groups.
func (s *Service) Brands(ctx context.Context, groupID int64, publishedOnly bool) ([]fanmail.Brand, error) {
	return s.db.Brands(ctx, groupID, publishedOnly)
}

// BrandByID returns the brand with id, or ENOTFOUND (also when publishedOnly
// and the brand or its group is not published).
func (s *Service) BrandByID(ctx context.Context, id int64, publishedOnly bool) (fanmail.Brand, error) {
	return s.db.BrandByID(ctx, id, publishedOnly)
}

// BrandBySlug returns the brand with slug, or ENOTFOUND.
func (s *Service) BrandBySlug(ctx context.Context, slug string, publishedOnly bool) (fanmail.Brand, error) {
	return s.db.BrandBySlug(ctx, normalizeSlug(slug), publishedOnly)
}

func (s *Service) validateBrand(ctx context.Context, b fanmail.Brand) error {
	err := firstError(
		validateSlug(b.Slug),
		validateName("name", b.Name, "The name is required."),
		validateText("description_ko", b.DescriptionKo),
		validateText("description_en", b.DescriptionEn),
		validatePosition(b.Position),
	)
	if err != nil {
		return err
	}
	if _, err := s.db.BrandGroupByID(ctx, b.GroupID, false); fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return fanmail.FieldError("group_id", "Choose a brand group.")
	} else if err != nil {
		return err
	}
	return nil
}

func cleanBrand(b *fanmail.Brand) {
	b.Slug = normalizeSlug(b.Slug)
	b.Name = strings.TrimSpace(b.Name)
	b.DescriptionKo, b.DescriptionEn = strings.TrimSpace(b.DescriptionKo), strings.TrimSpace(b.DescriptionEn)
}

// CreateBrand stores a new brand in its group; Position 0 puts it last.
// EINVALID names the field at fault; ECONFLICT when the slug is taken.
func (s *Service) CreateBrand(ctx context.Context, b fanmail.Brand) (fanmail.Brand, error) {
	cleanBrand(&b)
	if err := s.validateBrand(ctx, b); err != nil {
		return b, err
	}
	created, err := s.db.CreateBrand(ctx, b)
	if err != nil {
		return b, err
	}
	s.logger.Debug("brand created", "brand_id", created.ID)
	return created, nil
}

// UpdateBrand applies u to the brand with id. ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdateBrand(ctx context.Context, id int64, u BrandUpdate) (fanmail.Brand, error) {
	b, err := s.db.BrandByID(ctx, id, false)
	if err != nil {
		return b, err
	}
	setIf(&b.GroupID, u.GroupID)
	setIf(&b.Slug, u.Slug)
	setIf(&b.Name, u.Name)
	setIf(&b.DescriptionKo, u.DescriptionKo)
	setIf(&b.DescriptionEn, u.DescriptionEn)
	setIf(&b.Position, u.Position)
	setIf(&b.Published, u.Published)
	cleanBrand(&b)
	if err := s.validateBrand(ctx, b); err != nil {
		return b, err
	}
	return s.db.UpdateBrand(ctx, b)
}

// MoveBrand moves the brand one place up (delta < 0) or down (delta > 0)
// within its group. ENOTFOUND.
func (s *Service) MoveBrand(ctx context.Context, id int64, delta int) error {
	b, err := s.db.BrandByID(ctx, id, false)
	if err != nil {
		return err
	}
	siblings, err := s.db.Brands(ctx, b.GroupID, false)
	if err != nil {
		return err
	}
	ids := make([]int64, len(siblings))
	for i, x := range siblings {
		ids[i] = x.ID
	}
	moveID(ids, id, delta)
	return s.db.ReorderBrands(ctx, ids)
}
