package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/order"
)

// Orders: the shop's systems post each order; fanmail stores it and sends
// the member an order confirmation at once. GET returns an order or a
// member's purchase history.

// orderService returns the order service, or EUNAVAILABLE on a server
// built without one.
func (h *Handler) orderService() (*order.Service, error) {
	if h.Orders == nil {
		return nil, fanmail.Errorf(fanmail.EUNAVAILABLE, "Orders are not available on this server.")
	}
	return h.Orders, nil
}

const msgOrderNotFound = "Order not found."

// orderInput is the body of POST /api/v1/orders.
type orderInput struct {
	MemberID    int64            `json:"member_id"`
	MemberEmail string           `json:"member_email"`
	ExternalID  string           `json:"external_id"`
	OrderedAt   *time.Time       `json:"ordered_at"`
	ShopID      int64            `json:"shop_id"`
	Source      string           `json:"source"`
	Items       []orderItemInput `json:"items"`
}

type orderItemInput struct {
	ProductID   int64  `json:"product_id"`
	ProductCode string `json:"product_code"`
	BrandID     int64  `json:"brand_id"`
	Name        string `json:"name"`
	Quantity    int    `json:"quantity"`
	UnitPrice   *int64 `json:"unit_price"`
}

// orderJSON is an order as the API shows it.
type orderJSON struct {
	ID                  int64           `json:"id"`
	MemberID            int64           `json:"member_id"`
	ExternalID          string          `json:"external_id"`
	OrderedAt           time.Time       `json:"ordered_at"`
	Amount              int64           `json:"amount"`
	Source              string          `json:"source"`
	ShopID              *int64          `json:"shop_id"`
	ConfirmationSentAt  *time.Time      `json:"confirmation_sent_at"`
	ConfirmationSkipped string          `json:"confirmation_skipped"`
	CreatedAt           time.Time       `json:"created_at"`
	Items               []orderItemJSON `json:"items"`
}

type orderItemJSON struct {
	ID        int64  `json:"id"`
	ProductID *int64 `json:"product_id"`
	BrandID   *int64 `json:"brand_id"`
	Name      string `json:"name"`
	Quantity  int    `json:"quantity"`
	UnitPrice int64  `json:"unit_price"`
	Total     int64  `json:"total"`
}

func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func orderOut(o fanmail.Order) orderJSON {
	out := orderJSON{ID: o.ID, MemberID: o.MemberID, ExternalID: o.ExternalID, OrderedAt: o.OrderedAt.UTC(),
		Amount: o.Amount, Source: o.Source, ShopID: optID(o.ShopID), ConfirmationSentAt: utcPtr(o.ConfirmationSentAt),
		ConfirmationSkipped: o.ConfirmationSkipped, CreatedAt: o.CreatedAt.UTC(), Items: []orderItemJSON{}}
	for _, it := range o.Items {
		out.Items = append(out.Items, orderItemJSON{ID: it.ID, ProductID: optID(it.ProductID), BrandID: optID(it.BrandID),
			Name: it.Name, Quantity: it.Quantity, UnitPrice: it.UnitPrice, Total: it.Total()})
	}
	return out
}

// createOrder stores an order and sends its confirmation mail. A number
// already stored is 409, so a retried call never makes a second order or a
// second mail.
func (h *Handler) createOrder(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.orderService()
	if err != nil {
		return err
	}
	var in orderInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	if in.Source == fanmail.OrderSourceCSV {
		return invalidField("source", "The order source must be api or shop.")
	}
	n := order.NewOrder{MemberID: in.MemberID, MemberEmail: in.MemberEmail, ExternalID: in.ExternalID,
		ShopID: in.ShopID, Source: in.Source}
	if in.OrderedAt != nil {
		n.OrderedAt = in.OrderedAt.UTC()
	}
	for _, it := range in.Items {
		n.Items = append(n.Items, order.NewItem{ProductID: it.ProductID, ProductCode: it.ProductCode, BrandID: it.BrandID,
			Name: it.Name, Quantity: it.Quantity, UnitPrice: it.UnitPrice})
	}
	o, err := svc.Create(r.Context(), n)
	if err != nil {
		return renameField(err, func(f string) string { return orderField(in, f) })
	}
	if n := noteAccess(r); n != nil {
		n.Target = orderTarget(o)
	}
	return writeCreated(w, fmt.Sprintf("/api/v1/orders/%d", o.ID), orderOut(o))
}

// orderField maps the order service's field names to the JSON the client
// sent.
func orderField(in orderInput, field string) string {
	switch {
	case field == "member" && in.MemberID == 0 && in.MemberEmail != "":
		return "member_email"
	case field == "member":
		return "member_id"
	case strings.HasPrefix(field, "items.") && strings.HasSuffix(field, ".product"):
		var i int
		if _, err := fmt.Sscanf(field, "items.%d.product", &i); err == nil && i >= 0 && i < len(in.Items) && in.Items[i].ProductID == 0 {
			return strings.TrimSuffix(field, "product") + "product_code"
		}
		return field + "_id"
	}
	return field
}

func (h *Handler) getOrder(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.orderService()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id", msgOrderNotFound)
	if err != nil {
		return err
	}
	o, err := svc.Order(r.Context(), id)
	if err != nil {
		return err
	}
	if n := noteAccess(r); n != nil {
		n.Target = orderTarget(o)
	}
	return writeJSON(w, http.StatusOK, orderOut(o))
}

// orderTarget is the access-log target of an order: its member, not the
// order id the path names.
func orderTarget(o fanmail.Order) string {
	return accesslog.MemberTarget(o.MemberID) + " order " + strconv.FormatInt(o.ID, 10)
}

// listMemberOrders returns a member's orders, newest first.
func (h *Handler) listMemberOrders(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.orderService()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id", msgMemberNotFound)
	if err != nil {
		return err
	}
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	os, err := svc.MemberOrders(r.Context(), id, limit)
	if err != nil {
		return err
	}
	out := list[orderJSON]{Data: []orderJSON{}}
	for _, o := range os {
		out.Data = append(out.Data, orderOut(o))
	}
	return writeJSON(w, http.StatusOK, out)
}
