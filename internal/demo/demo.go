// Package demo loads and resets fanmail's demo data: the brand groups, brands
// and products of seed 000 (with generated product pictures stored through the
// catalogue's own media store) and a few shops.
package demo

import (
	"bytes"
	"context"
	"fmt"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/catalog"
	"github.com/fanmail/fanmail/internal/store"
)

// IsEmpty reports whether the database has no brand groups yet; the app loads
// the demo data on the first start of such a database.
func IsEmpty(ctx context.Context, db *store.DB) (bool, error) {
	n, err := db.CountBrandGroups(ctx)
	return n == 0, err
}

// Load adds whatever part of the demo data is missing; it is idempotent and
// leaves existing rows, including staff edits to demo items, as they are. Two
// nodes loading at once end with one copy.
func Load(ctx context.Context, db *store.DB, cat *catalog.Service) error {
	for _, g := range groups {
		group, err := ensureGroup(ctx, cat, g)
		if err != nil {
			return err
		}
		for _, b := range g.brands {
			brand, err := ensureBrand(ctx, cat, group.ID, b)
			if err != nil {
				return err
			}
			for i, item := range g.items {
				if err := ensureProduct(ctx, db, cat, brand.ID, b, i, item); err != nil {
					return err
				}
			}
			if err := ensureReward(ctx, db, brand); err != nil {
				return err
			}
		}
	}
	for _, s := range shops {
		_, err := db.ShopByCode(ctx, s.Code)
		if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
			_, err = db.UpsertShop(ctx, s)
		}
		if err != nil {
			return fmt.Errorf("demo shop %s: %w", s.Code, err)
		}
	}
	return nil
}

// Reset deletes the demo brand groups with everything in them (brands,
// products, images and their files, members' preferences for those brands and
// the preference counts), loads the demo data again, restores the demo shops'
// details, and re-links survey options that pointed at demo brands to the
// reloaded brands of the same slug.
func Reset(ctx context.Context, db *store.DB, cat *catalog.Service) error {
	links, err := db.OptionBrandLinks(ctx, groupSlugs)
	if err != nil {
		return err
	}
	if err := cat.PurgeGroups(ctx, groupSlugs); err != nil {
		return err
	}
	if err := Load(ctx, db, cat); err != nil {
		return err
	}
	for _, s := range shops {
		if _, err := db.UpsertShop(ctx, s); err != nil {
			return fmt.Errorf("demo shop %s: %w", s.Code, err)
		}
	}
	return db.LinkOptionsToBrands(ctx, links)
}

// ensureReward gives a demo brand without rewards one: a 5,000원 gift
// certificate for 2 chips (the welcome chip and the deep survey's).
func ensureReward(ctx context.Context, db *store.DB, brand fanmail.Brand) error {
	rs, err := db.Rewards(ctx, store.RewardFilter{BrandID: brand.ID})
	if err != nil || len(rs) > 0 {
		return err
	}
	_, err = db.CreateReward(ctx, fanmail.Reward{BrandID: brand.ID, Kind: fanmail.RewardCertificate,
		Name: brand.Name + " 5,000원 상품권", NameEn: brand.Name + " ₩5,000 gift certificate", Cost: 2, Value: 5000, Active: true})
	if err != nil {
		return fmt.Errorf("demo reward of %s: %w", brand.Slug, err)
	}
	return nil
}

// ensureGroup returns the group with g's slug, creating it if missing.
func ensureGroup(ctx context.Context, cat *catalog.Service, g demoGroup) (fanmail.BrandGroup, error) {
	group, err := cat.GroupBySlug(ctx, g.slug, false)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		group, err = cat.CreateGroup(ctx, fanmail.BrandGroup{Slug: g.slug, NameKo: g.nameKo, NameEn: g.nameEn, Published: true})
		if fanmail.ErrorCode(err) == fanmail.ECONFLICT { // another node was quicker
			group, err = cat.GroupBySlug(ctx, g.slug, false)
		}
	}
	if err != nil {
		return group, fmt.Errorf("demo group %s: %w", g.slug, err)
	}
	return group, nil
}

// ensureBrand returns the brand with b's slug, creating it if missing.
func ensureBrand(ctx context.Context, cat *catalog.Service, groupID int64, b demoBrand) (fanmail.Brand, error) {
	brand, err := cat.BrandBySlug(ctx, b.slug, false)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		brand, err = cat.CreateBrand(ctx, fanmail.Brand{
			GroupID: groupID, Slug: b.slug, Name: b.name,
			DescriptionKo: b.descKo, DescriptionEn: b.descEn, Published: true,
		})
		if fanmail.ErrorCode(err) == fanmail.ECONFLICT {
			brand, err = cat.BrandBySlug(ctx, b.slug, false)
		}
	}
	if err != nil {
		return brand, fmt.Errorf("demo brand %s: %w", b.slug, err)
	}
	return brand, nil
}

// ensureProduct creates the brand's i-th item with its picture if its code is
// missing, and adds the picture to an existing demo product that has none
// (a load interrupted between the two).
func ensureProduct(ctx context.Context, db *store.DB, cat *catalog.Service, brandID int64, b demoBrand, i int, item demoItem) error {
	p := product(brandID, b, i, item)
	picture, err := productCard(b.colour, i, p.Shelf)
	if err != nil {
		return fmt.Errorf("demo picture %s: %w", p.Code, err)
	}
	upload := catalog.Upload{Filename: p.Code + ".png", Content: bytes.NewReader(picture), Size: int64(len(picture))}
	existing, err := db.ProductByCode(ctx, p.Code, false)
	switch {
	case fanmail.ErrorCode(err) == fanmail.ENOTFOUND:
		_, err = cat.CreateProduct(ctx, p, upload)
		if fanmail.ErrorCode(err) == fanmail.ECONFLICT {
			err = nil
		}
	case err == nil && len(existing.Images) == 0:
		_, err = cat.AddImage(ctx, existing.ID, upload.Filename, upload.Content, upload.Size)
	}
	if err != nil {
		return fmt.Errorf("demo product %s: %w", p.Code, err)
	}
	return nil
}

// product builds the demo product for the brand's i-th item.
func product(brandID int64, b demoBrand, i int, item demoItem) fanmail.Product {
	shelf := shelfOf(i)
	price := roundWon(item.price*b.pricePercent/100, 1000)
	if shelf == fanmail.ShelfSale {
		price = roundWon(price*70/100, 1000) - 100
	}
	return fanmail.Product{
		BrandID:       brandID,
		Code:          fmt.Sprintf("%s-%c%02d", b.code, shelf[0]-'a'+'A', i%2+1),
		Name:          b.style + " " + item.name,
		Shelf:         shelf,
		Price:         price,
		AgeMin:        b.ageMin,
		AgeMax:        b.ageMax,
		StylingAdvice: item.styling,
		Accessories:   item.accessories,
		Description:   shelfNote[shelf] + " " + item.description,
		Published:     true,
	}
}

// roundWon rounds amount to the nearest multiple of unit.
func roundWon(amount, unit int64) int64 { return (amount + unit/2) / unit * unit }
