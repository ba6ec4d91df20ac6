// Package order owns purchases: orders and their items entered by the API,
// a CSV upload or a shop, and the order confirmation mail each new order
// triggers (transactional: sent whatever the member's marketing consent,
// never carrying advertising).
package order

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/store"
)

// Defaults for zero Options.
const (
	DefaultTimezone      = "Asia/Seoul"
	DefaultConfirmWithin = 48 * time.Hour
)

// Options configure a Service.
type Options struct {
	// SupportPhone is printed at the bottom of every confirmation mail
	// (the customer centre); the shop's phone is used when empty.
	SupportPhone string
	// Timezone is the IANA zone order times are shown in and CSV times
	// without a zone are read in; default Asia/Seoul.
	Timezone string
	// ConfirmWithin: an order placed longer ago than this gets no
	// confirmation mail (a CSV of last year's purchases); default 48h.
	ConfirmWithin time.Duration
	// AfterCommit runs after an order and its confirmation mail were
	// written (wakes the outbox).
	AfterCommit func()
}

// Service stores orders and sends their confirmations. Its clock is the
// database's (db.Now).
type Service struct {
	db     *store.DB
	mailer *delivery.Mailer
	opts   Options
	loc    *time.Location
	logger *slog.Logger
}

// New returns a Service. Confirmation mails go through the outbox (see
// Renderers); mailer only tells whether mail is configured.
func New(db *store.DB, mailer *delivery.Mailer, opts Options, logger *slog.Logger) *Service {
	if opts.Timezone == "" {
		opts.Timezone = DefaultTimezone
	}
	loc, err := time.LoadLocation(opts.Timezone)
	if err != nil {
		loc = time.FixedZone("KST", 9*3600)
	}
	if opts.ConfirmWithin <= 0 {
		opts.ConfirmWithin = DefaultConfirmWithin
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{db: db, mailer: mailer, opts: opts, loc: loc, logger: logger}
}

// Location returns the time zone orders are shown in.
func (s *Service) Location() *time.Location { return s.loc }

// NewOrder is an order to store. The member is given by MemberID or, when
// that is 0, by MemberEmail.
type NewOrder struct {
	MemberID    int64
	MemberEmail string
	ExternalID  string    // the shop system's order number, unique
	OrderedAt   time.Time // zero: now
	Items       []NewItem
	Source      string // fanmail.OrderSource*; default api
	ShopID      int64  // 0 if none
}

// NewItem is one line of a NewOrder. With a product (ProductID or
// ProductCode) the brand and, when left empty, the name and unit price come
// from the catalogue; without one, Name and UnitPrice are required.
type NewItem struct {
	ProductID   int64
	ProductCode string
	BrandID     int64
	Name        string
	Quantity    int
	UnitPrice   *int64 // nil: the product's price
}

// maxFuture is how far ahead of the clock an order date may be (shop
// terminals with a wrong clock).
const maxFuture = 24 * time.Hour

// Create validates and stores an order with its confirmation mail in the
// outbox, and analyses the member's profile again. Errors: EINVALID naming
// the field at fault ("member", "external_id", "ordered_at", "shop_id",
// "items", "items.N.product", "items.N.brand_id", "items.N.quantity", …),
// ECONFLICT naming external_id when the order number is already stored.
func (s *Service) Create(ctx context.Context, n NewOrder) (fanmail.Order, error) {
	o, err := s.prepare(ctx, n)
	if err != nil {
		return o, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if o, err = tx.CreateOrder(ctx, o); err != nil {
			return err
		}
		// The purchase is an input of the member's profile analysis.
		if _, err := tx.RecomputeProfile(ctx, o.MemberID); err != nil {
			return err
		}
		// An order placed long ago (last year's purchases in a CSV) gets
		// no confirmation; any other gets its mail in the same transaction.
		if s.db.Now().Sub(o.OrderedAt) > s.opts.ConfirmWithin {
			o.ConfirmationSkipped = fanmail.ConfirmSkipOld
			return tx.SkipOrderConfirmation(ctx, o.ID, o.ConfirmationSkipped)
		}
		id := strconv.FormatInt(o.ID, 10)
		_, _, err := tx.EnqueueMessage(ctx, fanmail.Message{Kind: fanmail.MessageOrderConfirmation, Channel: fanmail.ChannelEmail,
			Purpose: fanmail.PurposeTransactional, MemberID: o.MemberID, Ref: store.OrderConfirmationRef(o.ID),
			Data: json.RawMessage(`{"order_id":` + id + `}`)})
		return err
	})
	if err != nil {
		return o, err
	}
	if s.opts.AfterCommit != nil {
		s.opts.AfterCommit()
	}
	s.logger.Info("order stored", "order_id", o.ID, "member_id", o.MemberID, "source", o.Source, "items", len(o.Items))
	return o, nil
}

// prepare resolves the member, shop and products of n and checks the result.
func (s *Service) prepare(ctx context.Context, n NewOrder) (fanmail.Order, error) {
	now := s.db.Now()
	o := fanmail.Order{ExternalID: strings.TrimSpace(n.ExternalID), OrderedAt: n.OrderedAt, Source: n.Source, ShopID: n.ShopID}
	if o.Source == "" {
		o.Source = fanmail.OrderSourceAPI
	}
	if o.OrderedAt.IsZero() {
		o.OrderedAt = now
	}
	if o.OrderedAt.After(now.Add(maxFuture)) {
		return o, fanmail.FieldError("ordered_at", "The order date is in the future.")
	}
	m, err := s.member(ctx, n)
	if err != nil {
		return o, err
	}
	o.MemberID = m.ID
	if o.ShopID != 0 {
		if _, err := s.db.ShopByID(ctx, o.ShopID); fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
			return o, fanmail.FieldError("shop_id", "Shop not found.")
		} else if err != nil {
			return o, err
		}
	}
	if len(n.Items) > fanmail.MaxOrderItems {
		return o, fanmail.FieldError("items", "The order has too many items.")
	}
	for i, ni := range n.Items {
		it, err := s.item(ctx, ni)
		if err != nil {
			var e *fanmail.Error
			if errors.As(err, &e) && e.Field != "" {
				return o, &fanmail.Error{Code: e.Code, Field: fmt.Sprintf("items.%d.%s", i, e.Field), Message: e.Message}
			}
			return o, err
		}
		o.Items = append(o.Items, it)
	}
	if err := o.Validate(); err != nil {
		return o, err
	}
	o.Amount = fanmail.OrderAmount(o.Items)
	return o, nil
}

func (s *Service) member(ctx context.Context, n NewOrder) (fanmail.Member, error) {
	var m fanmail.Member
	var err error
	switch {
	case n.MemberID != 0:
		m, err = s.db.MemberByID(ctx, n.MemberID)
	case strings.TrimSpace(n.MemberEmail) != "":
		m, err = s.db.MemberByEmail(ctx, n.MemberEmail)
	default:
		return m, fanmail.FieldError("member", "Give the member's number or e-mail address.")
	}
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return m, fanmail.FieldError("member", "No member has this number or e-mail address.")
	}
	return m, err
}

// item resolves one line against the catalogue; errors name the item's field.
func (s *Service) item(ctx context.Context, ni NewItem) (fanmail.OrderItem, error) {
	it := fanmail.OrderItem{BrandID: ni.BrandID, Name: strings.TrimSpace(ni.Name), Quantity: ni.Quantity}
	if ni.UnitPrice != nil {
		it.UnitPrice = *ni.UnitPrice
	}
	var p fanmail.Product
	var err error
	switch {
	case ni.ProductID != 0:
		p, err = s.db.ProductByID(ctx, ni.ProductID, false)
	case strings.TrimSpace(ni.ProductCode) != "":
		p, err = s.db.ProductByCode(ctx, strings.TrimSpace(ni.ProductCode), false)
	default:
		if it.Name == "" {
			return it, fanmail.FieldError("product", "The item needs a product or a name.")
		}
		if ni.UnitPrice == nil {
			return it, fanmail.FieldError("unit_price", "The unit price is required for an item without a product.")
		}
		if it.BrandID != 0 {
			if _, err := s.db.BrandByID(ctx, it.BrandID, false); fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
				return it, fanmail.FieldError("brand_id", "Brand not found.")
			} else if err != nil {
				return it, err
			}
		}
		return it, nil
	}
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return it, fanmail.FieldError("product", "Product not found.")
	}
	if err != nil {
		return it, err
	}
	if it.BrandID != 0 && it.BrandID != p.BrandID {
		return it, fanmail.FieldError("brand_id", "The brand is not the product's brand.")
	}
	it.ProductID, it.BrandID = p.ID, p.BrandID
	it.ListPrice, it.Shelf = p.Price, p.Shelf
	if it.Name == "" {
		it.Name = p.Name
	}
	if ni.UnitPrice == nil {
		it.UnitPrice = p.Price
	}
	return it, nil
}

// Order returns one order with its items, or ENOTFOUND.
func (s *Service) Order(ctx context.Context, id int64) (fanmail.Order, error) {
	return s.db.OrderByID(ctx, id)
}

// Orders lists orders with their members, newest first.
func (s *Service) Orders(ctx context.Context, f store.OrderFilter) ([]store.OrderSummary, error) {
	return s.db.Orders(ctx, f)
}

// MemberOrders returns member memberID's orders, newest first, at most limit
// (default 50, at most 500). ENOTFOUND if there is no such member.
func (s *Service) MemberOrders(ctx context.Context, memberID int64, limit int) ([]fanmail.Order, error) {
	if _, err := s.db.MemberByID(ctx, memberID); err != nil {
		return nil, err
	}
	rows, err := s.db.Orders(ctx, store.OrderFilter{MemberID: memberID, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]fanmail.Order, len(rows))
	for i, r := range rows {
		out[i] = r.Order
	}
	return out, nil
}

// Renderers returns the outbox renderer of order confirmation mails. The
// outbox checks the contact rule at send time: a member who left or an
// address that bounced or complained gets nothing, an unsubscribe does not
// stop a confirmation.
func (s *Service) Renderers() map[string]delivery.Renderer {
	return map[string]delivery.Renderer{fanmail.MessageOrderConfirmation: s.renderConfirmation}
}

func (s *Service) renderConfirmation(ctx context.Context, c *store.OutboxClaim) (delivery.Content, error) {
	var d struct {
		OrderID int64 `json:"order_id"`
	}
	if err := json.Unmarshal(c.Data, &d); err != nil {
		return delivery.Content{}, fmt.Errorf("order confirmation data: %w", err)
	}
	o, err := s.db.OrderByID(ctx, d.OrderID)
	if err != nil {
		return delivery.Content{}, err // ENOTFOUND: deleted with its member; skipped
	}
	data, err := s.mailData(ctx, fanmail.Member{Name: c.Name, Lang: c.Lang}, o)
	if err != nil {
		return delivery.Content{}, err
	}
	return delivery.TemplateContent(delivery.OrderConfirmTemplate, c.Lang, data)
}

func (s *Service) mailData(ctx context.Context, m fanmail.Member, o fanmail.Order) (delivery.OrderConfirmData, error) {
	var shopName, shopPhone string
	if o.ShopID != 0 {
		shop, err := s.db.ShopByID(ctx, o.ShopID)
		if err != nil && fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			return delivery.OrderConfirmData{}, err
		}
		shopName, shopPhone = shop.Name, shop.Phone
	}
	phone := s.opts.SupportPhone
	if phone == "" {
		phone = shopPhone
	}
	name := m.Name
	switch {
	case name != "":
	case m.Lang == fanmail.LangEnglish:
		name = "Customer"
	default:
		name = "고객"
	}
	return delivery.NewOrderConfirmData(m.Lang, name, o, shopName, phone, s.loc), nil
}
