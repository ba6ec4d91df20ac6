package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/fanmail/fanmail"
)

// orderColumns reads an order's confirmation from its outbox message (ref
// OrderConfirmationRef, joined as c by orderFrom); the order's own columns
// hold a decision made when it was stored (too old) and the outcomes of
// orders from before the outbox.
const orderColumns = `o.id, o.member_id, o.external_id, o.ordered_at, o.amount, o.source, o.shop_id,
	o.confirmation_sent_at, c.sent_at, o.confirmation_skipped,
	CASE c.status WHEN 'skipped' THEN c.skip_reason WHEN 'failed' THEN '` + fanmail.ConfirmFailed + `' ELSE '' END,
	o.created_at`

// orderFrom is the FROM clause orderColumns reads.
const orderFrom = `orders o LEFT JOIN messages c ON c.ref = 'order:' || o.id`

// OrderConfirmationRef is the outbox ref of order id's confirmation mail.
func OrderConfirmationRef(id int64) string { return "order:" + strconv.FormatInt(id, 10) }

func scanOrder(row interface{ Scan(...any) error }, extra ...any) (fanmail.Order, error) {
	var o fanmail.Order
	var shopID sql.NullInt64
	var sent, msgSent sql.NullTime
	var msgSkipped string
	dest := append([]any{&o.ID, &o.MemberID, &o.ExternalID, &o.OrderedAt, &o.Amount, &o.Source, &shopID,
		&sent, &msgSent, &o.ConfirmationSkipped, &msgSkipped, &o.CreatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return o, err
	}
	o.ShopID = shopID.Int64
	if !sent.Valid {
		sent = msgSent
	}
	o.ConfirmationSentAt = timeOrNil(sent)
	if o.ConfirmationSkipped == "" && o.ConfirmationSentAt == nil {
		o.ConfirmationSkipped = msgSkipped
	}
	o.OrderedAt, o.CreatedAt = o.OrderedAt.UTC(), o.CreatedAt.UTC()
	return o, nil
}

var (
	errOrderNotFound  = fanmail.Errorf(fanmail.ENOTFOUND, "Order not found.")
	errOrderDuplicate = &fanmail.Error{Code: fanmail.ECONFLICT, Field: "external_id",
		Message: "An order with this number already exists."}
)

// CreateOrder stores order o with its items (o.Amount, list prices and
// shelves as given) and returns
// it with its IDs. An order number already stored is ECONFLICT naming
// external_id; a member, shop, product or brand that does not exist is EINVALID.
func (tx *Tx) CreateOrder(ctx context.Context, o fanmail.Order) (fanmail.Order, error) {
	err := tx.QueryRowContext(ctx, `INSERT INTO orders
		(member_id, external_id, ordered_at, amount, source, shop_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		o.MemberID, o.ExternalID, o.OrderedAt.UTC(), o.Amount, o.Source, nullInt64(o.ShopID), tx.Now).Scan(&o.ID)
	if isUniqueViolation(err) {
		return o, errOrderDuplicate
	}
	if err != nil {
		return o, fmt.Errorf("create order: %w", mapError(err))
	}
	o.CreatedAt = tx.Now
	o.OrderedAt = o.OrderedAt.UTC()
	for i := range o.Items {
		it := &o.Items[i]
		it.OrderID = o.ID
		err := tx.QueryRowContext(ctx, `INSERT INTO order_items
			(order_id, product_id, brand_id, name, quantity, unit_price, list_price, shelf)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			o.ID, nullInt64(it.ProductID), nullInt64(it.BrandID), it.Name, it.Quantity, it.UnitPrice, it.ListPrice, it.Shelf).Scan(&it.ID)
		if err != nil {
			return o, fmt.Errorf("create order %d item: %w", o.ID, mapError(err))
		}
	}
	return o, nil
}

// OrderByID returns an order with its items, or ENOTFOUND.
func (db *DB) OrderByID(ctx context.Context, id int64) (fanmail.Order, error) {
	return db.orderWhere(ctx, `o.id = $1`, id)
}

// OrderByExternalID returns the order with the shop system's order number
// ext, with its items, or ENOTFOUND.
func (db *DB) OrderByExternalID(ctx context.Context, ext string) (fanmail.Order, error) {
	return db.orderWhere(ctx, `o.external_id = $1`, ext)
}

func (db *DB) orderWhere(ctx context.Context, where string, arg any) (fanmail.Order, error) {
	o, err := scanOrder(db.sql.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM `+orderFrom+` WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return o, errOrderNotFound
	}
	if err != nil {
		return o, fmt.Errorf("order: %w", err)
	}
	orders := []fanmail.Order{o}
	if err := db.attachItems(ctx, orders); err != nil {
		return o, err
	}
	return orders[0], nil
}

// OrderFilter selects orders, newest (highest id) first.
type OrderFilter struct {
	MemberID int64 // 0: every member
	Before   int64 // only orders with an id below it; 0: from the newest
	Limit    int   // default 50, at most 500
}

// OrderSummary is an order as order lists show it: with its member's name
// and address.
type OrderSummary struct {
	fanmail.Order
	MemberName  string
	MemberEmail string
}

// Orders returns the orders matching f with their items, newest first.
func (db *DB) Orders(ctx context.Context, f OrderFilter) ([]OrderSummary, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	before := f.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+orderColumns+`, m.name, m.email
		FROM `+orderFrom+` JOIN members m ON m.id = o.member_id
		WHERE o.id < $1 AND (o.member_id = $2 OR $2 = 0)
		ORDER BY o.id DESC LIMIT $3`, before, f.MemberID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("orders: %w", err)
	}
	defer rows.Close()
	var out []OrderSummary
	for rows.Next() {
		var s OrderSummary
		s.Order, err = scanOrder(rows, &s.MemberName, &s.MemberEmail)
		if err != nil {
			return nil, fmt.Errorf("orders: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("orders: %w", err)
	}
	rows.Close()
	orders := make([]fanmail.Order, len(out))
	for i := range out {
		orders[i] = out[i].Order
	}
	if err := db.attachItems(ctx, orders); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Order = orders[i]
	}
	return out, nil
}

// attachItems loads the items of orders in one query.
func (db *DB) attachItems(ctx context.Context, orders []fanmail.Order) error {
	if len(orders) == 0 {
		return nil
	}
	ids := make([]int64, len(orders))
	at := make(map[int64]int, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
		at[o.ID] = i
	}
	cond, arg := db.idsIn("order_id", 1, ids)
	rows, err := db.sql.QueryContext(ctx, `SELECT id, order_id, product_id, brand_id, name, quantity, unit_price, list_price, shelf
		FROM order_items WHERE `+cond+` ORDER BY order_id, id`, arg)
	if err != nil {
		return fmt.Errorf("order items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it fanmail.OrderItem
		var product, brand sql.NullInt64
		if err := rows.Scan(&it.ID, &it.OrderID, &product, &brand, &it.Name, &it.Quantity, &it.UnitPrice, &it.ListPrice, &it.Shelf); err != nil {
			return fmt.Errorf("order items: %w", err)
		}
		it.ProductID, it.BrandID = product.Int64, brand.Int64
		o := &orders[at[it.OrderID]]
		o.Items = append(o.Items, it)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("order items: %w", err)
	}
	return nil
}

// SkipOrderConfirmation records that order id gets no confirmation mail,
// and why.
func (tx *Tx) SkipOrderConfirmation(ctx context.Context, id int64, reason string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE orders SET confirmation_skipped = $1 WHERE id = $2`, reason, id); err != nil {
		return fmt.Errorf("skip order %d confirmation: %w", id, err)
	}
	return nil
}
