package admin

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/order"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/web"
)

// maxOrderImportBytes bounds an uploaded order CSV (a million lines are
// about 100 MB).
const maxOrderImportBytes = 512 << 20

// ordersPerPage is the length of a page of the order list.
const ordersPerPage = 50

// orderPages serves purchases: the order list, one order, and the CSV
// import.
type orderPages struct {
	*Handler
	svc *order.Service
}

// orderRoutes registers the order pages: reading orders needs member
// access, importing them the import permission.
func (h *Handler) orderRoutes(mux *http.ServeMux) {
	p := &orderPages{Handler: h, svc: h.Orders}
	mux.Handle("GET /admin/orders", h.page(fanmail.PermViewMembers, p.list))
	mux.Handle("GET /admin/orders/import", h.page(fanmail.PermImportMembers, p.importForm))
	mux.Handle("POST /admin/orders/import", h.page(fanmail.PermImportMembers, p.importCSV))
	mux.Handle("GET /admin/orders/{id}", h.page(fanmail.PermViewMembers, p.show))
}

// ordersPage is a page of the order list, optionally of one member.
type ordersPage struct {
	Orders   []store.OrderSummary
	MemberID int64
	NextURL  string
}

func (p *orderPages) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.OrderFilter{Limit: ordersPerPage}
	f.MemberID, _ = strconv.ParseInt(q.Get("member"), 10, 64)
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	list, err := p.svc.Orders(r.Context(), f)
	if err != nil {
		return err
	}
	if err := p.logAccess(r, fanmail.AccessSearch, ordersTarget(f, list), len(orderMembers(list)), ""); err != nil {
		return err
	}
	pg := ordersPage{Orders: list, MemberID: f.MemberID}
	if len(list) == ordersPerPage {
		pg.NextURL = fmt.Sprintf("/admin/orders?member=%d&before=%d", f.MemberID, list[len(list)-1].ID)
	}
	return p.render(w, r, http.StatusOK, "orders", trTitle(r, "Orders"), pg)
}

// orderMembers returns the members of orders, each once, in order of first
// appearance.
func orderMembers(orders []store.OrderSummary) []int64 {
	var ids []int64
	seen := map[int64]bool{}
	for _, o := range orders {
		if !seen[o.MemberID] {
			seen[o.MemberID] = true
			ids = append(ids, o.MemberID)
		}
	}
	return ids
}

// ordersTarget is the access-log target of a page of the order list: the
// filter, then the members whose orders it shows.
func ordersTarget(f store.OrderFilter, orders []store.OrderSummary) string {
	return "orders " + accesslog.FilterTarget([][2]string{{"member", strconv.FormatInt(f.MemberID, 10)},
		{"before", strconv.FormatInt(f.Before, 10)}}, orderMembers(orders))
}

// orderPage is one order with its member's name.
type orderPage struct {
	fanmail.Order
	MemberName string
}

func (p *orderPages) show(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	o, err := p.svc.Order(r.Context(), id)
	if err != nil {
		return err
	}
	if err := p.logAccess(r, fanmail.AccessView, accesslog.MemberTarget(o.MemberID)+" order "+strconv.FormatInt(o.ID, 10), 1, ""); err != nil {
		return err
	}
	pg := orderPage{Order: o}
	if m, err := p.Members.MemberRecord(r.Context(), o.MemberID); err == nil {
		pg.MemberName = m.Member.Name
	}
	return p.render(w, r, http.StatusOK, "order", trTitle(r, "Order")+" "+o.ExternalID, pg)
}

// orderImportPage is the upload form, and after an upload what it did.
type orderImportPage struct {
	Error  string // English message about the file as a whole
	Done   bool
	Result order.ImportResult
	Lines  []importLine
}

// importLine is a refused line, its message in the page's language.
type importLine struct {
	Line int
	Text string
}

func (p *orderPages) importForm(w http.ResponseWriter, r *http.Request) error {
	return p.render(w, r, http.StatusOK, "orders_import", trTitle(r, "Order import"), orderImportPage{})
}

// importCSV reads the uploaded file as it arrives and imports its orders.
func (p *orderPages) importCSV(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxOrderImportBytes)
	file, err := orderFilePart(r)
	if err == nil {
		defer file.Close()
		var res order.ImportResult
		res, err = p.svc.ImportCSV(r.Context(), file)
		// Every stored order was added to a member's purchases, also
		// those stored before a failure.
		if err == nil || res.Orders > 0 {
			if lerr := p.logAccess(r, fanmail.AccessEdit, "orders csv import", res.Orders, ""); lerr != nil {
				return lerr
			}
		}
		if err == nil {
			return p.renderResult(w, r, res)
		}
		// Orders read before the limit was hit are stored; importing the
		// file again is safe.
		err = web.ErrBodyTooLarge(err)
	}
	switch fanmail.ErrorCode(err) {
	case fanmail.EINVALID, fanmail.ETOOLARGE:
		pg := orderImportPage{Error: fanmail.ErrorMessage(err)}
		return p.render(w, r, web.StatusOf(err), "orders_import", trTitle(r, "Order import"), pg)
	}
	return err
}

func (p *orderPages) renderResult(w http.ResponseWriter, r *http.Request, res order.ImportResult) error {
	lang := web.Lang(r)
	pg := orderImportPage{Done: true, Result: res}
	for _, e := range res.Errors {
		pg.Lines = append(pg.Lines, importLine{Line: e.Line, Text: i18n.T(lang, e.Message, e.Args...)})
	}
	return p.render(w, r, http.StatusOK, "orders_import", trTitle(r, "Order import"), pg)
}

// orderFilePart returns the part of the multipart form holding the file,
// unread; EINVALID when there is none.
func orderFilePart(r *http.Request) (io.ReadCloser, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fanmail.FieldError("file", "Choose a CSV file to upload.")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, fanmail.FieldError("file", "Choose a CSV file to upload.")
		}
		if err != nil {
			return nil, web.ErrBodyTooLarge(err)
		}
		if part.FormName() == "file" && part.FileName() != "" {
			return part, nil
		}
		part.Close()
	}
}
