package catalog

import (
	"context"
	"strings"

	"github.com/fanmail/fanmail"
)

// GroupUpdate changes a brand group; a nil field means "unchanged".
type GroupUpdate struct {
	Slug      *string
	NameKo    *string
	NameEn    *string
	Position  *int
	Published *bool
}

// Groups returns the brand groups in display order; publishedOnly keeps the
// published ones.
func (s *Service) Groups(ctx context.Context, publishedOnly bool) ([]fanmail.BrandGroup, error) {
	return s.db.BrandGroups(ctx, publishedOnly)
}

// GroupByID returns the group with id, or ENOTFOUND (also when publishedOnly
// and it is not published).
func (s *Service) GroupByID(ctx context.Context, id int64, publishedOnly bool) (fanmail.BrandGroup, error) {
	return s.db.BrandGroupByID(ctx, id, publishedOnly)
}

// GroupBySlug returns the group with slug, or ENOTFOUND.
func (s *Service) GroupBySlug(ctx context.Context, slug string, publishedOnly bool) (fanmail.BrandGroup, error) {
	return s.db.BrandGroupBySlug(ctx, normalizeSlug(slug), publishedOnly)
}

func validateGroup(g fanmail.BrandGroup) error {
	return firstError(
		validateSlug(g.Slug),
		validateName("name_ko", g.NameKo, "The Korean name is required."),
		validateText("name_en", g.NameEn),
		validatePosition(g.Position),
	)
}

func cleanGroup(g *fanmail.BrandGroup) {
	g.Slug = normalizeSlug(g.Slug)
	g.NameKo, g.NameEn = strings.TrimSpace(g.NameKo), strings.TrimSpace(g.NameEn)
}

// CreateGroup stores a new brand group; Position 0 puts it last. EINVALID
// names the field at fault; ECONFLICT when the slug is taken.
func (s *Service) CreateGroup(ctx context.Context, g fanmail.BrandGroup) (fanmail.BrandGroup, error) {
	cleanGroup(&g)
	if err := validateGroup(g); err != nil {
		return g, err
	}
	created, err := s.db.CreateBrandGroup(ctx, g)
	if err != nil {
		return g, err
	}
	s.logger.Debug("brand group created", "group_id", created.ID)
	return created, nil
}

// UpdateGroup applies u to the group with id. ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) UpdateGroup(ctx context.Context, id int64, u GroupUpdate) (fanmail.BrandGroup, error) {
	g, err := s.db.BrandGroupByID(ctx, id, false)
	if err != nil {
		return g, err
	}
	setIf(&g.Slug, u.Slug)
	setIf(&g.NameKo, u.NameKo)
	setIf(&g.NameEn, u.NameEn)
	setIf(&g.Position, u.Position)
	setIf(&g.Published, u.Published)
	cleanGroup(&g)
	if err := validateGroup(g); err != nil {
		return g, err
	}
	return s.db.UpdateBrandGroup(ctx, g)
}

// MoveGroup moves the group one place up (delta < 0) or down (delta > 0) in
// the display order; moving past either end changes nothing. ENOTFOUND.
func (s *Service) MoveGroup(ctx context.Context, id int64, delta int) error {
	groups, err := s.db.BrandGroups(ctx, false)
	if err != nil {
		return err
	}
	ids := make([]int64, len(groups))
	for i, g := range groups {
		ids[i] = g.ID
	}
	if !moveID(ids, id, delta) {
		return fanmail.Errorf(fanmail.ENOTFOUND, "Brand group not found.")
	}
	return s.db.ReorderBrandGroups(ctx, ids)
}

// moveID swaps id with its neighbour in direction delta, in place. It
// reports false when id is not in ids.
func moveID(ids []int64, id int64, delta int) bool {
	for i, x := range ids {
		if x != id {
			continue
		}
		j := i + 1
		if delta < 0 {
			j = i - 1
		}
		if j >= 0 && j < len(ids) {
			ids[i], ids[j] = ids[j], ids[i]
		}
		return true
	}
	return false
}

// setIf sets *dst to *src when src is not nil.
func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// PurgeGroups deletes the groups with the given slugs and everything in them:
// brands, products, images (rows and files), members' preferences for those
// brands and their preference counts; survey options linked to the brands are
// unlinked. Unknown slugs are ignored. Demo reset uses it.
func (s *Service) PurgeGroups(ctx context.Context, slugs []string) error {
	paths, err := s.db.PurgeBrandGroups(ctx, slugs)
	if err != nil {
		return err
	}
	imgs := make([]fanmail.ProductImage, len(paths))
	for i, p := range paths {
		imgs[i].Path = p
	}
	s.removeImageFiles(imgs)
	s.logger.Debug("brand groups purged", "groups", len(slugs), "images", len(paths))
	return nil
}
