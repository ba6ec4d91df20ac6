package fanmail

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Order sources: where an order entered fanmail.
const (
	OrderSourceAPI  = "api"  // the shop's systems, POST /api/v1/orders
	OrderSourceCSV  = "csv"  // a CSV upload in the staff UI
	OrderSourceShop = "shop" // entered at a shop
)

// Limits of one order.
const (
	MaxOrderItems      = 200
	MaxItemQuantity    = 10000
	MaxItemUnitPrice   = 1_000_000_000 // one billion won
	MaxExternalIDChars = 100
	MaxItemNameChars   = 200
)

// Order is a purchase of a member, with its items. Orders feed segments
// (recency, frequency, amount, bought brand) and trigger an order
// confirmation mail.
type Order struct {
	ID         int64
	MemberID   int64
	ExternalID string // the shop system's order number, unique
	OrderedAt  time.Time
	Amount     int64 // sum of the items' totals, in won
	Source     string
	ShopID     int64 // 0 if none
	// ConfirmationSentAt is when the confirmation mail left; nil while it
	// has not (yet) been sent.
	ConfirmationSentAt *time.Time
	// ConfirmationSkipped says why no confirmation mail is sent ("" while
	// one is due or after it was sent).
	ConfirmationSkipped string
	CreatedAt           time.Time
	Items               []OrderItem
}

// OrderItem is one line of an order.
type OrderItem struct {
	ID        int64
	OrderID   int64
	ProductID int64 // 0 if the product is not in the catalogue
	BrandID   int64 // 0 if unknown
	Name      string
	Quantity  int
	UnitPrice int64 // in won
	// ListPrice and Shelf are the product's price and shelf when the order
	// was stored (0 and "" without a product), so a later markdown does
	// not change what the purchase says about the member.
	ListPrice int64
	Shelf     string
}

// Total returns quantity × unit price.
func (i OrderItem) Total() int64 { return int64(i.Quantity) * i.UnitPrice }

// Reasons an order gets no confirmation mail.
const (
	ConfirmSkipInactive      = "member not active"
	ConfirmSkipSuppressed    = "address suppressed"
	ConfirmSkipOld           = "order too old"
	ConfirmSkipNotConfigured = "mail not configured"
	ConfirmFailed            = "sending failed" // the relay refused it for good
)

// IsOrderSource reports whether s is a known order source.
func IsOrderSource(s string) bool {
	return s == OrderSourceAPI || s == OrderSourceCSV || s == OrderSourceShop
}

// Validate checks an order before it is stored, with items resolved against
// the catalogue. EINVALID names the field at fault; items are "items",
// "items.N.name", "items.N.quantity" and "items.N.unit_price" (N from 0).
func (o Order) Validate() error {
	switch {
	case o.MemberID == 0:
		return FieldError("member", "The order needs a member.")
	case strings.TrimSpace(o.ExternalID) == "":
		return FieldError("external_id", "The order number is required.")
	case utf8.RuneCountInString(o.ExternalID) > MaxExternalIDChars:
		return FieldError("external_id", "The order number is too long.")
	case strings.ContainsFunc(o.ExternalID, isControl):
		return FieldError("external_id", "The order number contains control characters.")
	case o.OrderedAt.IsZero():
		return FieldError("ordered_at", "The order date is required.")
	case !IsOrderSource(o.Source):
		return FieldError("source", "The order source must be api, csv or shop.")
	case len(o.Items) == 0:
		return FieldError("items", "The order has no items.")
	case len(o.Items) > MaxOrderItems:
		return FieldError("items", "The order has too many items.")
	}
	for i, it := range o.Items {
		if err := it.validate(); err != nil {
			err.Field = "items." + strconv.Itoa(i) + "." + err.Field
			return err
		}
	}
	return nil
}

func (i OrderItem) validate() *Error {
	switch {
	case strings.TrimSpace(i.Name) == "":
		return FieldError("name", "The item needs a product or a name.")
	case utf8.RuneCountInString(i.Name) > MaxItemNameChars:
		return FieldError("name", "The item name is too long.")
	case i.Quantity < 1 || i.Quantity > MaxItemQuantity:
		return FieldError("quantity", "The quantity must be between 1 and 10000.")
	case i.UnitPrice < 0 || i.UnitPrice > MaxItemUnitPrice:
		return FieldError("unit_price", "The unit price must be between 0 and 1,000,000,000 won.")
	}
	return nil
}

// OrderAmount returns the sum of the items' totals.
func OrderAmount(items []OrderItem) int64 {
	var sum int64
	for _, it := range items {
		sum += it.Total()
	}
	return sum
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
