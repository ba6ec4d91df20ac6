package catalog

import (
	"context"

	"github.com/fanmail/fanmail"
)

// GroupBrands is a brand group with its brands, as the catalogue's front
// page and the staff overview show them.
type GroupBrands struct {
	Group  fanmail.BrandGroup
	Brands []fanmail.Brand
}

// Tree returns every group with its brands in display order; publishedOnly
// keeps published groups and their published brands.
func (s *Service) Tree(ctx context.Context, publishedOnly bool) ([]GroupBrands, error) {
	groups, err := s.db.BrandGroups(ctx, publishedOnly)
	if err != nil {
		return nil, err
	}
	brands, err := s.db.Brands(ctx, 0, publishedOnly)
	if err != nil {
		return nil, err
	}
	tree := make([]GroupBrands, len(groups))
	index := map[int64]int{}
	for i, g := range groups {
		tree[i].Group = g
		index[g.ID] = i
	}
	for _, b := range brands {
		if i, ok := index[b.GroupID]; ok {
			tree[i].Brands = append(tree[i].Brands, b)
		}
	}
	return tree, nil
}

// GroupWithBrands returns the group with slug and its brands; publishedOnly
// as for Tree. ENOTFOUND.
func (s *Service) GroupWithBrands(ctx context.Context, slug string, publishedOnly bool) (GroupBrands, error) {
	g, err := s.db.BrandGroupBySlug(ctx, normalizeSlug(slug), publishedOnly)
	if err != nil {
		return GroupBrands{}, err
	}
	brands, err := s.db.Brands(ctx, g.ID, publishedOnly)
	return GroupBrands{Group: g, Brands: brands}, err
}

// Shelf is one shelf of a brand with its products in display order.
type Shelf struct {
	Name     string // fanmail.ShelfNew, ShelfPrevious or ShelfSale
	Products []fanmail.Product
}

// Showcase is a brand with its group and its products on their shelves.
type Showcase struct {
	Group   fanmail.BrandGroup
	Brand   fanmail.Brand
	Shelves []Shelf // always all three, in order new, previous, sale
}

// ShowcaseBySlug returns the brand with slug on its shelves; publishedOnly
// keeps published products and answers ENOTFOUND for a hidden brand.
func (s *Service) ShowcaseBySlug(ctx context.Context, slug string, publishedOnly bool) (Showcase, error) {
	b, err := s.db.BrandBySlug(ctx, normalizeSlug(slug), publishedOnly)
	if err != nil {
		return Showcase{}, err
	}
	return s.showcase(ctx, b, publishedOnly)
}

// ShowcaseByID is ShowcaseBySlug by brand id.
func (s *Service) ShowcaseByID(ctx context.Context, id int64, publishedOnly bool) (Showcase, error) {
	b, err := s.db.BrandByID(ctx, id, publishedOnly)
	if err != nil {
		return Showcase{}, err
	}
	return s.showcase(ctx, b, publishedOnly)
}

func (s *Service) showcase(ctx context.Context, b fanmail.Brand, publishedOnly bool) (Showcase, error) {
	g, err := s.db.BrandGroupByID(ctx, b.GroupID, publishedOnly)
	if err != nil {
		return Showcase{}, err
	}
	products, err := s.db.Products(ctx, ProductFilter{BrandID: b.ID, PublishedOnly: publishedOnly})
	if err != nil {
		return Showcase{}, err
	}
	sc := Showcase{Group: g, Brand: b}
	for _, name := range fanmail.Shelves {
		shelf := Shelf{Name: name}
		for _, p := range products {
			if p.Shelf == name {
				shelf.Products = append(shelf.Products, p)
			}
		}
		sc.Shelves = append(sc.Shelves, shelf)
	}
	return sc, nil
}
