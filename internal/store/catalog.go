package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
)

// The promotional catalogue (seed 000 fig. 2): brand groups → brands →
// products on shelves, and product images. "Visible" means published, with a
// published brand in a published group: what the public site may show.

var (
	errGroupNotFound   = fanmail.Errorf(fanmail.ENOTFOUND, "Brand group not found.")
	errBrandNotFound   = fanmail.Errorf(fanmail.ENOTFOUND, "Brand not found.")
	errProductNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Product not found.")
	errImageNotFound   = fanmail.Errorf(fanmail.ENOTFOUND, "Image not found.")
)

// conflict returns ECONFLICT naming the field whose unique value is taken.
func catalogConflict(field, message string) error {
	return &fanmail.Error{Code: fanmail.ECONFLICT, Field: field, Message: message}
}

// qualify prefixes every column of the comma-separated list cols with alias,
// for joins (SQLite's RETURNING takes only unqualified names).
func qualify(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// --- brand groups ---

const groupColumns = `id, slug, name_ko, name_en, position, published, created_at, updated_at`

func scanGroup(row interface{ Scan(...any) error }) (fanmail.BrandGroup, error) {
	var g fanmail.BrandGroup
	err := row.Scan(&g.ID, &g.Slug, &g.NameKo, &g.NameEn, &g.Position, &g.Published, &g.CreatedAt, &g.UpdatedAt)
	g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
	return g, err
}

// BrandGroups returns the groups in display order; publishedOnly keeps the
// published ones.
func (db *DB) BrandGroups(ctx context.Context, publishedOnly bool) ([]fanmail.BrandGroup, error) {
	q := `SELECT ` + qualify("g", groupColumns) + ` FROM brand_groups g`
	if publishedOnly {
		q += ` WHERE g.published`
	}
	rows, err := db.sql.QueryContext(ctx, q+` ORDER BY g.position, g.id`)
	if err != nil {
		return nil, fmt.Errorf("brand groups: %w", err)
	}
	defer rows.Close()
	var groups []fanmail.BrandGroup
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, fmt.Errorf("brand groups: %w", err)
		}
		groups = append(groups, g)
	}
	return groups, rows.Err()
}

// CountBrandGroups returns how many brand groups exist.
func (db *DB) CountBrandGroups(ctx context.Context) (int, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM brand_groups`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count brand groups: %w", err)
	}
	return n, nil
}

// BrandGroupByID returns the group with id, or ENOTFOUND (also when
// publishedOnly and the group is not published).
func (db *DB) BrandGroupByID(ctx context.Context, id int64, publishedOnly bool) (fanmail.BrandGroup, error) {
	return db.brandGroupWhere(ctx, `g.id = $1`, id, publishedOnly)
}

// BrandGroupBySlug returns the group with slug, or ENOTFOUND.
func (db *DB) BrandGroupBySlug(ctx context.Context, slug string, publishedOnly bool) (fanmail.BrandGroup, error) {
	return db.brandGroupWhere(ctx, `g.slug = $1`, slug, publishedOnly)
}

func (db *DB) brandGroupWhere(ctx context.Context, where string, arg any, publishedOnly bool) (fanmail.BrandGroup, error) {
	if publishedOnly {
		where += ` AND g.published`
	}
	g, err := scanGroup(db.sql.QueryRowContext(ctx, `SELECT `+qualify("g", groupColumns)+` FROM brand_groups g WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return g, errGroupNotFound
	}
	if err != nil {
		return g, fmt.Errorf("brand group: %w", err)
	}
	return g, nil
}

// CreateBrandGroup stores g; a zero Position puts it last. It returns
// ECONFLICT (field "slug") when the slug is taken.
func (db *DB) CreateBrandGroup(ctx context.Context, g fanmail.BrandGroup) (fanmail.BrandGroup, error) {
	now := db.Now()
	created, err := scanGroup(db.sql.QueryRowContext(ctx, `
		INSERT INTO brand_groups (slug, name_ko, name_en, position, published, created_at, updated_at)
		VALUES ($1, $2, $3,
			CASE WHEN $4 > 0 THEN $4 ELSE (SELECT COALESCE(MAX(position), 0) + 1 FROM brand_groups) END,
			$5, $6, $6)
		RETURNING `+groupColumns,
		g.Slug, g.NameKo, g.NameEn, g.Position, g.Published, now))
	if isUniqueViolation(err) {
		return created, catalogConflict("slug", "This slug is already taken.")
	}
	if err != nil {
		return created, fmt.Errorf("create brand group: %w", mapError(err))
	}
	return created, nil
}

// UpdateBrandGroup writes every field of g; ENOTFOUND, ECONFLICT (slug).
func (db *DB) UpdateBrandGroup(ctx context.Context, g fanmail.BrandGroup) (fanmail.BrandGroup, error) {
	updated, err := scanGroup(db.sql.QueryRowContext(ctx, `
		UPDATE brand_groups SET slug = $2, name_ko = $3, name_en = $4, position = $5, published = $6, updated_at = $7
		WHERE id = $1
		RETURNING `+groupColumns,
		g.ID, g.Slug, g.NameKo, g.NameEn, g.Position, g.Published, db.Now()))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return updated, errGroupNotFound
	case isUniqueViolation(err):
		return updated, catalogConflict("slug", "This slug is already taken.")
	case err != nil:
		return updated, fmt.Errorf("update brand group %d: %w", g.ID, mapError(err))
	}
	return updated, nil
}

// ReorderBrandGroups sets the positions of the groups to their order in ids.
func (db *DB) ReorderBrandGroups(ctx context.Context, ids []int64) error {
	return db.reorder(ctx, `UPDATE brand_groups SET position = $2, updated_at = $3 WHERE id = $1`, ids)
}

// reorder runs stmt (id $1, position $2, time $3) for each id in one transaction.
func (db *DB) reorder(ctx context.Context, stmt string, ids []int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		for i, id := range ids {
			if _, err := tx.ExecContext(ctx, stmt, id, i+1, tx.Now); err != nil {
				return fmt.Errorf("reorder: %w", err)
			}
		}
		return nil
	})
}

// --- brands ---

const brandColumns = `id, group_id, slug, name, description_ko, description_en, position, published, created_at, updated_at`

func scanBrand(row interface{ Scan(...any) error }) (fanmail.Brand, error) {
	var b fanmail.Brand
	err := row.Scan(&b.ID, &b.GroupID, &b.Slug, &b.Name, &b.DescriptionKo, &b.DescriptionEn, &b.Position, &b.Published, &b.CreatedAt, &b.UpdatedAt)
	b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return b, err
}

// brandFrom joins a brand to its group so visibility can be checked.
const brandFrom = ` FROM brands b JOIN brand_groups g ON g.id = b.group_id`

// Brands returns the brands of group groupID (0 = every group), ordered by
// group then position; publishedOnly keeps visible brands.
func (db *DB) Brands(ctx context.Context, groupID int64, publishedOnly bool) ([]fanmail.Brand, error) {
	q := `SELECT ` + qualify("b", brandColumns) + brandFrom + ` WHERE (b.group_id = $1 OR $1 = 0)`
	if publishedOnly {
		q += ` AND b.published AND g.published`
	}
	rows, err := db.sql.QueryContext(ctx, q+` ORDER BY g.position, g.id, b.position, b.id`, groupID)
	if err != nil {
		return nil, fmt.Errorf("brands: %w", err)
	}
	defer rows.Close()
	var brands []fanmail.Brand
	for rows.Next() {
		b, err := scanBrand(rows)
		if err != nil {
			return nil, fmt.Errorf("brands: %w", err)
		}
		brands = append(brands, b)
	}
	return brands, rows.Err()
}

// BrandByID returns the brand with id, or ENOTFOUND (also when publishedOnly
// and the brand is not visible).
func (db *DB) BrandByID(ctx context.Context, id int64, publishedOnly bool) (fanmail.Brand, error) {
	return db.brandWhere(ctx, `b.id = $1`, id, publishedOnly)
}

// BrandBySlug returns the brand with slug, or ENOTFOUND.
func (db *DB) BrandBySlug(ctx context.Context, slug string, publishedOnly bool) (fanmail.Brand, error) {
	return db.brandWhere(ctx, `b.slug = $1`, slug, publishedOnly)
}

func (db *DB) brandWhere(ctx context.Context, where string, arg any, publishedOnly bool) (fanmail.Brand, error) {
	if publishedOnly {
		where += ` AND b.published AND g.published`
	}
	b, err := scanBrand(db.sql.QueryRowContext(ctx, `SELECT `+qualify("b", brandColumns)+brandFrom+` WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return b, errBrandNotFound
	}
	if err != nil {
		return b, fmt.Errorf("brand: %w", err)
	}
	return b, nil
}

// CreateBrand stores b; a zero Position puts it last in its group. ECONFLICT
// (slug), EINVALID when the group does not exist.
func (db *DB) CreateBrand(ctx context.Context, b fanmail.Brand) (fanmail.Brand, error) {
	now := db.Now()
	created, err := scanBrand(db.sql.QueryRowContext(ctx, `
		INSERT INTO brands (group_id, slug, name, description_ko, description_en, position, published, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5,
			CASE WHEN $6 > 0 THEN $6 ELSE (SELECT COALESCE(MAX(position), 0) + 1 FROM brands WHERE group_id = $1) END,
			$7, $8, $8)
		RETURNING `+brandColumns,
		b.GroupID, b.Slug, b.Name, b.DescriptionKo, b.DescriptionEn, b.Position, b.Published, now))
	if isUniqueViolation(err) {
		return created, catalogConflict("slug", "This slug is already taken.")
	}
	if err != nil {
		return created, fmt.Errorf("create brand: %w", mapError(err))
	}
	return created, nil
}

// UpdateBrand writes every field of b; ENOTFOUND, ECONFLICT (slug).
func (db *DB) UpdateBrand(ctx context.Context, b fanmail.Brand) (fanmail.Brand, error) {
	updated, err := scanBrand(db.sql.QueryRowContext(ctx, `
		UPDATE brands SET group_id = $2, slug = $3, name = $4, description_ko = $5, description_en = $6,
			position = $7, published = $8, updated_at = $9
		WHERE id = $1
		RETURNING `+brandColumns,
		b.ID, b.GroupID, b.Slug, b.Name, b.DescriptionKo, b.DescriptionEn, b.Position, b.Published, db.Now()))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return updated, errBrandNotFound
	case isUniqueViolation(err):
		return updated, catalogConflict("slug", "This slug is already taken.")
	case err != nil:
		return updated, fmt.Errorf("update brand %d: %w", b.ID, mapError(err))
	}
	return updated, nil
}

// ReorderBrands sets the positions of the brands to their order in ids.
func (db *DB) ReorderBrands(ctx context.Context, ids []int64) error {
	return db.reorder(ctx, `UPDATE brands SET position = $2, updated_at = $3 WHERE id = $1`, ids)
}

// --- products ---

// ProductFilter selects products; zero fields select everything.
type ProductFilter struct {
	BrandID       int64  // 0 = every brand
	GroupID       int64  // 0 = every group
	Shelf         string // "" = every shelf
	PublishedOnly bool   // only visible products of visible brands
	Limit         int    // 0 = no limit
}

const productColumns = `id, brand_id, code, name, shelf, price, age_min, age_max,
	styling_advice, accessories, description, position, published, created_at, updated_at`

func scanProduct(row interface{ Scan(...any) error }) (fanmail.Product, error) {
	var p fanmail.Product
	err := row.Scan(&p.ID, &p.BrandID, &p.Code, &p.Name, &p.Shelf, &p.Price, &p.AgeMin, &p.AgeMax,
		&p.StylingAdvice, &p.Accessories, &p.Description, &p.Position, &p.Published, &p.CreatedAt, &p.UpdatedAt)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

const productFrom = ` FROM products p JOIN brands b ON b.id = p.brand_id JOIN brand_groups g ON g.id = b.group_id`

// shelfOrder sorts shelves new, previous, sale.
const shelfOrder = `CASE p.shelf WHEN 'new' THEN 1 WHEN 'previous' THEN 2 ELSE 3 END`

// Products returns the products f selects with their images, ordered by
// brand, shelf (new, previous, sale) and position.
func (db *DB) Products(ctx context.Context, f ProductFilter) ([]fanmail.Product, error) {
	q := `SELECT ` + qualify("p", productColumns) + productFrom + `
		WHERE (p.brand_id = $1 OR $1 = 0) AND (b.group_id = $2 OR $2 = 0) AND (p.shelf = $3 OR $3 = '')`
	if f.PublishedOnly {
		q += ` AND p.published AND b.published AND g.published`
	}
	q += ` ORDER BY g.position, g.id, b.position, b.id, ` + shelfOrder + `, p.position, p.id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := db.sql.QueryContext(ctx, q, f.BrandID, f.GroupID, f.Shelf)
	if err != nil {
		return nil, fmt.Errorf("products: %w", err)
	}
	defer rows.Close()
	var products []fanmail.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, fmt.Errorf("products: %w", err)
		}
		products = append(products, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("products: %w", err)
	}
	rows.Close()
	if err := db.attachImages(ctx, products); err != nil {
		return nil, err
	}
	return products, nil
}

// attachImages fills the Images of products, a few hundred ids per query.
func (db *DB) attachImages(ctx context.Context, products []fanmail.Product) error {
	index := map[int64]int{}
	for i, p := range products {
		index[p.ID] = i
	}
	const chunk = 500
	for start := 0; start < len(products); start += chunk {
		end := min(start+chunk, len(products))
		var marks []string
		var args []any
		for i, p := range products[start:end] {
			marks = append(marks, fmt.Sprintf("$%d", i+1))
			args = append(args, p.ID)
		}
		imgs, err := db.queryImages(ctx, `i.product_id IN (`+strings.Join(marks, ",")+`)`, args...)
		if err != nil {
			return err
		}
		for _, img := range imgs {
			p := &products[index[img.ProductID]]
			p.Images = append(p.Images, img)
		}
	}
	return nil
}

// CountProducts returns how many products exist.
func (db *DB) CountProducts(ctx context.Context) (int, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM products`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count products: %w", err)
	}
	return n, nil
}

// ProductByID returns the product with id and its images, or ENOTFOUND (also
// when publishedOnly and the product is not visible).
func (db *DB) ProductByID(ctx context.Context, id int64, publishedOnly bool) (fanmail.Product, error) {
	return db.productWhere(ctx, `p.id = $1`, id, publishedOnly)
}

// ProductByCode returns the product with code and its images, or ENOTFOUND.
func (db *DB) ProductByCode(ctx context.Context, code string, publishedOnly bool) (fanmail.Product, error) {
	return db.productWhere(ctx, `p.code = $1`, code, publishedOnly)
}

func (db *DB) productWhere(ctx context.Context, where string, arg any, publishedOnly bool) (fanmail.Product, error) {
	if publishedOnly {
		where += ` AND p.published AND b.published AND g.published`
	}
	p, err := scanProduct(db.sql.QueryRowContext(ctx, `SELECT `+qualify("p", productColumns)+productFrom+` WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return p, errProductNotFound
	}
	if err != nil {
		return p, fmt.Errorf("product: %w", err)
	}
	p.Images, err = db.queryImages(ctx, `i.product_id = $1`, p.ID)
	return p, err
}

// CreateProduct stores p and its Images in one transaction; a zero Position
// puts it last on its shelf. ECONFLICT (code), EINVALID when the brand does
// not exist.
func (db *DB) CreateProduct(ctx context.Context, p fanmail.Product) (fanmail.Product, error) {
	var created fanmail.Product
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		created, err = scanProduct(tx.QueryRowContext(ctx, `
			INSERT INTO products (brand_id, code, name, shelf, price, age_min, age_max, styling_advice,
				accessories, description, position, published, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
				CASE WHEN $11 > 0 THEN $11 ELSE
					(SELECT COALESCE(MAX(position), 0) + 1 FROM products WHERE brand_id = $1 AND shelf = $4) END,
				$12, $13, $13)
			RETURNING `+productColumns,
			p.BrandID, p.Code, p.Name, p.Shelf, p.Price, p.AgeMin, p.AgeMax, p.StylingAdvice,
			p.Accessories, p.Description, p.Position, p.Published, tx.Now))
		if isUniqueViolation(err) {
			return catalogConflict("code", "A product with this code already exists.")
		}
		if err != nil {
			return fmt.Errorf("create product: %w", mapError(err))
		}
		for _, img := range p.Images {
			img.ProductID = created.ID
			saved, err := insertImage(ctx, tx, img, tx.Now)
			if err != nil {
				return err
			}
			created.Images = append(created.Images, saved)
		}
		return nil
	})
	return created, err
}

// UpdateProduct writes every field of p except its images; ENOTFOUND,
// ECONFLICT (code).
func (db *DB) UpdateProduct(ctx context.Context, p fanmail.Product) (fanmail.Product, error) {
	updated, err := scanProduct(db.sql.QueryRowContext(ctx, `
		UPDATE products SET brand_id = $2, code = $3, name = $4, shelf = $5, price = $6, age_min = $7,
			age_max = $8, styling_advice = $9, accessories = $10, description = $11, position = $12,
			published = $13, updated_at = $14
		WHERE id = $1
		RETURNING `+productColumns,
		p.ID, p.BrandID, p.Code, p.Name, p.Shelf, p.Price, p.AgeMin, p.AgeMax, p.StylingAdvice,
		p.Accessories, p.Description, p.Position, p.Published, db.Now()))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return updated, errProductNotFound
	case isUniqueViolation(err):
		return updated, catalogConflict("code", "A product with this code already exists.")
	case err != nil:
		return updated, fmt.Errorf("update product %d: %w", p.ID, mapError(err))
	}
	updated.Images, err = db.queryImages(ctx, `i.product_id = $1`, p.ID)
	return updated, err
}

// ReorderProducts sets the positions of the products to their order in ids.
func (db *DB) ReorderProducts(ctx context.Context, ids []int64) error {
	return db.reorder(ctx, `UPDATE products SET position = $2, updated_at = $3 WHERE id = $1`, ids)
}

// --- product images ---

const imageColumns = `id, product_id, path, content_type, size, alt, position, created_at`

func scanImage(row interface{ Scan(...any) error }) (fanmail.ProductImage, error) {
	var img fanmail.ProductImage
	err := row.Scan(&img.ID, &img.ProductID, &img.Path, &img.ContentType, &img.Size, &img.Alt, &img.Position, &img.CreatedAt)
	img.CreatedAt = img.CreatedAt.UTC()
	return img, err
}

func (db *DB) queryImages(ctx context.Context, where string, args ...any) ([]fanmail.ProductImage, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+qualify("i", imageColumns)+` FROM product_images i WHERE `+where+
		` ORDER BY i.product_id, i.position, i.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("product images: %w", err)
	}
	defer rows.Close()
	var imgs []fanmail.ProductImage
	for rows.Next() {
		img, err := scanImage(rows)
		if err != nil {
			return nil, fmt.Errorf("product images: %w", err)
		}
		imgs = append(imgs, img)
	}
	return imgs, rows.Err()
}

// insertImage stores img last among its product's images.
func insertImage(ctx context.Context, q querier, img fanmail.ProductImage, now time.Time) (fanmail.ProductImage, error) {
	saved, err := scanImage(q.QueryRowContext(ctx, `
		INSERT INTO product_images (product_id, path, content_type, size, alt, position, created_at)
		VALUES ($1, $2, $3, $4, $5, (SELECT COALESCE(MAX(position), 0) + 1 FROM product_images WHERE product_id = $1), $6)
		RETURNING `+imageColumns,
		img.ProductID, img.Path, img.ContentType, img.Size, img.Alt, now))
	if isForeignKeyViolation(err) {
		return saved, errProductNotFound
	}
	if err != nil {
		return saved, fmt.Errorf("create product image: %w", mapError(err))
	}
	return saved, nil
}

// CreateProductImages stores imgs, in order, after their products' other
// images, all or none; ENOTFOUND when a product does not exist.
func (db *DB) CreateProductImages(ctx context.Context, imgs []fanmail.ProductImage) ([]fanmail.ProductImage, error) {
	var saved []fanmail.ProductImage
	err := db.InTx(ctx, func(tx *Tx) error {
		saved = saved[:0]
		for _, img := range imgs {
			s, err := insertImage(ctx, tx, img, tx.Now)
			if err != nil {
				return err
			}
			saved = append(saved, s)
		}
		return nil
	})
	return saved, err
}

// ProductImageByID returns the image with id, or ENOTFOUND.
func (db *DB) ProductImageByID(ctx context.Context, id int64) (fanmail.ProductImage, error) {
	imgs, err := db.queryImages(ctx, `i.id = $1`, id)
	if err != nil {
		return fanmail.ProductImage{}, err
	}
	if len(imgs) == 0 {
		return fanmail.ProductImage{}, errImageNotFound
	}
	return imgs[0], nil
}

// ProductImageByPath returns the image stored at path, or ENOTFOUND (also when
// publishedOnly and its product is not visible).
func (db *DB) ProductImageByPath(ctx context.Context, path string, publishedOnly bool) (fanmail.ProductImage, error) {
	q := `SELECT ` + qualify("i", imageColumns) + ` FROM product_images i
		JOIN products p ON p.id = i.product_id JOIN brands b ON b.id = p.brand_id JOIN brand_groups g ON g.id = b.group_id
		WHERE i.path = $1`
	if publishedOnly {
		q += ` AND p.published AND b.published AND g.published`
	}
	img, err := scanImage(db.sql.QueryRowContext(ctx, q, path))
	if errors.Is(err, sql.ErrNoRows) {
		return img, errImageNotFound
	}
	if err != nil {
		return img, fmt.Errorf("product image by path: %w", err)
	}
	return img, nil
}

// DeleteProductImage removes the image row with id and returns it (so the
// caller can delete the file), or ENOTFOUND.
func (db *DB) DeleteProductImage(ctx context.Context, id int64) (fanmail.ProductImage, error) {
	img, err := scanImage(db.sql.QueryRowContext(ctx, `
		DELETE FROM product_images WHERE id = $1 RETURNING `+imageColumns, id))
	if errors.Is(err, sql.ErrNoRows) {
		return img, errImageNotFound
	}
	if err != nil {
		return img, fmt.Errorf("delete product image %d: %w", id, err)
	}
	return img, nil
}

// PurgeBrandGroups deletes the groups with the given slugs together with their
// brands, products and product images, every member's preference for those
// brands and the brands' preference counts; survey options linked to the
// brands are unlinked. It returns the media paths of the deleted images so the
// caller can remove the files after the commit.
func (db *DB) PurgeBrandGroups(ctx context.Context, slugs []string) ([]string, error) {
	var paths []string
	err := db.InTx(ctx, func(tx *Tx) error {
		paths = nil
		for _, slug := range slugs {
			p, err := purgeGroup(ctx, tx, slug)
			if err != nil {
				return fmt.Errorf("purge brand group %s: %w", slug, err)
			}
			paths = append(paths, p...)
		}
		return nil
	})
	return paths, err
}

func purgeGroup(ctx context.Context, tx *Tx, slug string) ([]string, error) {
	const brandsOf = `SELECT b.id FROM brands b JOIN brand_groups g ON g.id = b.group_id WHERE g.slug = $1`
	const productsOf = `SELECT p.id FROM products p WHERE p.brand_id IN (` + brandsOf + `)`
	rows, err := tx.QueryContext(ctx, `SELECT path FROM product_images WHERE product_id IN (`+productsOf+`)`, slug)
	if err != nil {
		return nil, err
	}
	var paths []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return nil, err
		}
		paths = append(paths, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, stmt := range []string{
		`DELETE FROM product_images WHERE product_id IN (` + productsOf + `)`,
		// Purchase history outlives the catalogue: items keep their names.
		`UPDATE order_items SET product_id = NULL WHERE product_id IN (` + productsOf + `)`,
		`UPDATE order_items SET brand_id = NULL WHERE brand_id IN (` + brandsOf + `)`,
		// The brands' fan program goes with them (the demo's brands are
		// purged when demo data is reloaded): redemptions first (their
		// ledger entries cascade), then chips, balances, certificates,
		// rewards and fan rules, decisions and memberships.
		`DELETE FROM redemptions WHERE brand_id IN (` + brandsOf + `) OR reward_id IN (SELECT r.id FROM rewards r
			WHERE r.brand_id IN (` + brandsOf + `) OR r.product_id IN (` + productsOf + `))`,
		`DELETE FROM ledger_entries WHERE brand_id IN (` + brandsOf + `)`,
		`DELETE FROM balances WHERE brand_id IN (` + brandsOf + `)`,
		`DELETE FROM certificates WHERE brand_id IN (` + brandsOf + `)`,
		`DELETE FROM rewards WHERE brand_id IN (` + brandsOf + `) OR product_id IN (` + productsOf + `)`,
		`DELETE FROM fan_memberships WHERE brand_id IN (` + brandsOf + `)`,
		`DELETE FROM fan_decisions WHERE brand_id IN (` + brandsOf + `)`,
		`DELETE FROM fan_rules WHERE brand_id IN (` + brandsOf + `)`,
		`DELETE FROM products WHERE brand_id IN (` + brandsOf + `)`,
		`DELETE FROM brand_preferences WHERE brand_id IN (` + brandsOf + `)`,
		`DELETE FROM brand_preference_counts WHERE brand_id IN (` + brandsOf + `)`,
		`UPDATE question_options SET brand_id = NULL WHERE brand_id IN (` + brandsOf + `)`,
		`DELETE FROM brands WHERE group_id IN (SELECT id FROM brand_groups WHERE slug = $1)`,
		`DELETE FROM brand_groups WHERE slug = $1`,
	} {
		if _, err := tx.ExecContext(ctx, stmt, slug); err != nil {
			return nil, err
		}
	}
	return paths, nil
}

// OptionBrandLinks returns, for every survey option linked to a brand in one
// of the groups with the given slugs, the slug of that brand, so the links can
// be restored after PurgeBrandGroups and a reload.
func (db *DB) OptionBrandLinks(ctx context.Context, groupSlugs []string) (map[int64]string, error) {
	links := map[int64]string{}
	for _, slug := range groupSlugs {
		rows, err := db.sql.QueryContext(ctx, `
			SELECT o.id, b.slug FROM question_options o
			JOIN brands b ON b.id = o.brand_id JOIN brand_groups g ON g.id = b.group_id
			WHERE g.slug = $1`, slug)
		if err != nil {
			return nil, fmt.Errorf("option brand links: %w", err)
		}
		for rows.Next() {
			var id int64
			var brand string
			if err := rows.Scan(&id, &brand); err != nil {
				rows.Close()
				return nil, fmt.Errorf("option brand links: %w", err)
			}
			links[id] = brand
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("option brand links: %w", err)
		}
	}
	return links, nil
}

// LinkOptionsToBrands links each survey option (key) to the brand with the
// given slug (value); options whose brand does not exist stay unlinked.
func (db *DB) LinkOptionsToBrands(ctx context.Context, links map[int64]string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		for id, slug := range links {
			if _, err := tx.ExecContext(ctx, `
				UPDATE question_options SET brand_id = (SELECT id FROM brands WHERE slug = $2) WHERE id = $1`,
				id, slug); err != nil {
				return fmt.Errorf("link option %d: %w", id, err)
			}
		}
		return nil
	})
}
