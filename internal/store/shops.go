package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fanmail/fanmail"
)

const shopColumns = `id, code, name, kind, region, phone, address, created_at`

func scanShop(row interface{ Scan(...any) error }) (fanmail.Shop, error) {
	var s fanmail.Shop
	err := row.Scan(&s.ID, &s.Code, &s.Name, &s.Kind, &s.Region, &s.Phone, &s.Address, &s.CreatedAt)
	s.CreatedAt = s.CreatedAt.UTC()
	return s, err
}

var errShopNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Shop not found.")

// Shops returns every shop ordered by code.
func (db *DB) Shops(ctx context.Context) ([]fanmail.Shop, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+shopColumns+` FROM shops ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("shops: %w", err)
	}
	defer rows.Close()
	var shops []fanmail.Shop
	for rows.Next() {
		s, err := scanShop(rows)
		if err != nil {
			return nil, fmt.Errorf("shops: %w", err)
		}
		shops = append(shops, s)
	}
	return shops, rows.Err()
}

// ShopByID returns the shop with id, or ENOTFOUND.
func (db *DB) ShopByID(ctx context.Context, id int64) (fanmail.Shop, error) {
	return db.shopWhere(ctx, `id = $1`, id)
}

// ShopByCode returns the shop with code, or ENOTFOUND.
func (db *DB) ShopByCode(ctx context.Context, code string) (fanmail.Shop, error) {
	return db.shopWhere(ctx, `code = $1`, code)
}

func (db *DB) shopWhere(ctx context.Context, where string, arg any) (fanmail.Shop, error) {
	s, err := scanShop(db.sql.QueryRowContext(ctx, `SELECT `+shopColumns+` FROM shops WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return s, errShopNotFound
	}
	if err != nil {
		return s, fmt.Errorf("shop: %w", err)
	}
	return s, nil
}

// UpsertShop stores s under its code, overwriting the name, kind, region,
// phone and address of an existing shop with that code, and returns the
// stored shop. An empty Kind is fanmail.ShopStore; an unknown one EINVALID.
func (db *DB) UpsertShop(ctx context.Context, s fanmail.Shop) (fanmail.Shop, error) {
	if s.Kind == "" {
		s.Kind = fanmail.ShopStore
	}
	if !fanmail.IsShopKind(s.Kind) {
		return s, fanmail.FieldError("kind", "Unknown kind of shop.")
	}
	saved, err := scanShop(db.sql.QueryRowContext(ctx, `
		INSERT INTO shops (code, name, kind, region, phone, address, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, region = excluded.region,
			phone = excluded.phone, address = excluded.address
		RETURNING `+shopColumns,
		s.Code, s.Name, s.Kind, s.Region, s.Phone, s.Address, db.Now()))
	if err != nil {
		return saved, fmt.Errorf("upsert shop: %w", mapError(err))
	}
	return saved, nil
}
