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
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/jobs"
	"github.com/fanmail/fanmail/internal/store"
)

// Job kinds this package handles (see JobHandlers).
const (
	// JobConfirmation sends the confirmation mail of one order (payload
	// ConfirmJob); enqueued when the order is stored.
	JobConfirmation = "order.confirmation_mail"
	// JobSweep sends the confirmations still due (the process died between
	// storing an order and enqueueing its mail); periodic.
	JobSweep = "order.confirmation_sweep"
)

// Defaults for zero Options.
const (
	DefaultTimezone      = "Asia/Seoul"
	DefaultConfirmWithin = 48 * time.Hour
	// sweepGrace is how old a due confirmation must be before the sweeper
	// takes it, so it does not race the job enqueued with the order.
	sweepGrace = 10 * time.Minute
	sweepBatch = 200
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
	// Enqueue hands JobConfirmation to the durable queue. When nil the
	// mail is sent at once, after the order is stored.
	Enqueue func(ctx context.Context, kind string, payload any) error
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

// New returns a Service sending mail through mailer (nil or unconfigured:
// orders are stored, confirmations skipped).
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

// SetEnqueue sets Options.Enqueue after construction: the queue needs
// JobHandlers before it exists. Call it before serving requests.
func (s *Service) SetEnqueue(fn func(ctx context.Context, kind string, payload any) error) {
	s.opts.Enqueue = fn
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

// Create validates and stores an order, then sends its confirmation mail
// (through the queue when there is one). Errors: EINVALID naming the field at
// fault ("member", "external_id", "ordered_at", "shop_id", "items",
// "items.N.product", "items.N.brand_id", "items.N.quantity", …), ECONFLICT
// naming external_id when the order number is already stored.
func (s *Service) Create(ctx context.Context, n NewOrder) (fanmail.Order, error) {
	o, err := s.prepare(ctx, n)
	if err != nil {
		return o, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		o, err = tx.CreateOrder(ctx, o)
		return err
	})
	if err != nil {
		return o, err
	}
	s.logger.Info("order stored", "order_id", o.ID, "member_id", o.MemberID, "source", o.Source, "items", len(o.Items))
	s.confirmLater(ctx, o.ID)
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

// ConfirmJob is the payload of JobConfirmation.
type ConfirmJob struct {
	OrderID int64 `json:"order_id"`
}

// JobHandlers returns the handlers of this package's job kinds.
func (s *Service) JobHandlers() map[string]jobs.Handler {
	return map[string]jobs.Handler{
		JobConfirmation: func(ctx context.Context, payload json.RawMessage) error {
			var j ConfirmJob
			if err := json.Unmarshal(payload, &j); err != nil {
				return jobs.Permanent(fmt.Errorf("decode order confirmation job: %w", err))
			}
			return s.SendConfirmation(ctx, j.OrderID)
		},
		JobSweep: func(ctx context.Context, _ json.RawMessage) error { return s.Sweep(ctx) },
	}
}

// Periodic returns the periodic jobs this package needs.
func (s *Service) Periodic() []jobs.Periodic {
	return []jobs.Periodic{{Kind: JobSweep, Every: 5 * time.Minute, RunOnStart: true}}
}

// confirmLater enqueues the confirmation of order id, or sends it at once
// when there is no queue. Failures are logged, not returned: the order is
// stored either way and the sweeper tries again.
func (s *Service) confirmLater(ctx context.Context, id int64) {
	var err error
	if s.opts.Enqueue != nil {
		err = s.opts.Enqueue(ctx, JobConfirmation, ConfirmJob{OrderID: id})
	} else {
		err = s.SendConfirmation(ctx, id)
	}
	if err != nil {
		s.logger.Warn("order confirmation not sent yet", "order_id", id, "err", err)
	}
}

// Sweep sends the confirmations still due for orders stored between
// ConfirmWithin and a few minutes ago.
func (s *Service) Sweep(ctx context.Context) error {
	now := s.db.Now()
	ids, err := s.db.DueConfirmations(ctx, now.Add(-s.opts.ConfirmWithin), now.Add(-sweepGrace), sweepBatch)
	if err != nil {
		return err
	}
	var failed int
	var last error
	for _, id := range ids {
		if err := s.SendConfirmation(ctx, id); err != nil {
			failed++
			last = err
		}
	}
	if failed > 0 {
		return fmt.Errorf("order confirmation sweep: %d of %d failed, last: %w", failed, len(ids), last)
	}
	return nil
}

// SendConfirmation sends the confirmation mail of order id unless it was
// sent or skipped already. It skips (and records why) an order placed longer
// ago than ConfirmWithin, a member who is not active any more, an address
// that bounces or complained, and mail that is not configured. A send error
// is returned, so the job is retried.
func (s *Service) SendConfirmation(ctx context.Context, id int64) error {
	o, err := s.db.OrderByID(ctx, id)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return nil // deleted with its member meanwhile
	}
	if err != nil {
		return err
	}
	if o.ConfirmationSentAt != nil || o.ConfirmationSkipped != "" {
		return nil
	}
	skip := func(reason string) error {
		_, err := s.db.MarkOrderConfirmation(ctx, id, nil, reason)
		s.logger.Info("order confirmation skipped", "order_id", id, "reason", reason)
		return err
	}
	now := s.db.Now()
	if now.Sub(o.OrderedAt) > s.opts.ConfirmWithin {
		return skip(fanmail.ConfirmSkipOld)
	}
	m, err := s.db.MemberByID(ctx, o.MemberID)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if m.Status == fanmail.MemberInactive {
		return skip(fanmail.ConfirmSkipInactive)
	}
	// An unsubscribe concerns marketing; an address that bounces, complained
	// or was blocked by staff gets nothing.
	sup, err := s.db.SuppressionOf(ctx, m.Email)
	switch {
	case err == nil && sup.Reason != store.SuppressUnsubscribed:
		return skip(fanmail.ConfirmSkipSuppressed)
	case err != nil && fanmail.ErrorCode(err) != fanmail.ENOTFOUND:
		return err
	}
	if !s.mailer.Configured() {
		return skip(fanmail.ConfirmSkipNotConfigured)
	}
	data, err := s.mailData(ctx, m, o)
	if err != nil {
		return err
	}
	err = s.mailer.Send(ctx, delivery.Mail{Template: delivery.OrderConfirmTemplate, Lang: m.Lang, To: m.Email, Data: data})
	if err != nil {
		return fmt.Errorf("order %d confirmation: %w", id, err)
	}
	sent := s.db.Now()
	if _, err := s.db.MarkOrderConfirmation(ctx, id, &sent, ""); err != nil {
		return err
	}
	s.logger.Info("order confirmation sent", "order_id", id, "member_id", m.ID)
	return nil
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
