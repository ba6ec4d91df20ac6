package order

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/transform"

	"github.com/fanmail/fanmail"
)

// MaxImportErrors is how many bad lines an import reports; later ones are
// only counted.
const MaxImportErrors = 1000

// ImportResult is what an order CSV import did.
type ImportResult struct {
	Lines      int // data lines read (the header not counted)
	Orders     int // orders stored
	Items      int // items of the stored orders
	Duplicates int // orders skipped because their number was stored before
	Failed     int // orders refused (see Errors)
	Errors     []LineError
	// MoreErrors counts bad lines beyond MaxImportErrors.
	MoreErrors int
}

// LineError is a bad line of a CSV file: its line number (the header is line
// 1) and a user-safe message in English, an i18n key whose placeholders Args
// fill.
type LineError struct {
	Line    int
	Message string
	Args    []any
}

// CSV columns, by the names a header may use (matched case-insensitively;
// Korean names as Korean spreadsheets label them).
var columnNames = map[string][]string{
	"external_id":  {"external_id", "order_id", "order_number", "주문번호"},
	"member_email": {"member_email", "email", "e-mail", "이메일"},
	"member_id":    {"member_id", "회원번호"},
	"member":       {"member", "회원"},
	"ordered_at":   {"ordered_at", "order_date", "date", "주문일시", "주문일"},
	"product_code": {"product_code", "code", "상품코드"},
	"name":         {"product_name", "item_name", "name", "상품명"},
	"quantity":     {"quantity", "qty", "수량"},
	"unit_price":   {"unit_price", "price", "단가", "가격"},
	"shop_code":    {"shop_code", "shop", "매장코드"},
}

// ImportCSV reads orders from a CSV file (UTF-8 with or without BOM, or
// CP949) with a header line naming its columns: external_id, the member
// (member_email, member_id, or member holding either), ordered_at, the
// product (product_code, or product_name with unit_price), quantity and
// unit_price; shop_code is optional. Consecutive lines with the same
// external_id are the items of one order. The file is read as a stream, each
// order stored on its own: good orders are stored, bad ones reported with
// their line numbers, and orders whose number is already stored are counted
// as duplicates, so importing a file again is safe. Each new recent order
// gets its confirmation mail. EINVALID when the file cannot be read as such
// a CSV at all.
func (s *Service) ImportCSV(ctx context.Context, r io.Reader) (ImportResult, error) {
	var res ImportResult
	dec, err := decodeCSV(r)
	if err != nil {
		return res, err
	}
	cr := csv.NewReader(dec)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return res, fanmail.Errorf(fanmail.EINVALID, "The file is empty.")
	}
	if err != nil {
		return res, fanmail.Errorf(fanmail.EINVALID, "The file is not a readable CSV file.")
	}
	cols, err := indexColumns(header)
	if err != nil {
		return res, err
	}
	imp := &importer{s: s, ctx: ctx, cols: cols, res: &res}
	for {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			res.Lines++
			imp.flush()
			imp.fail(perr.StartLine, "This line is not valid CSV.")
			continue
		}
		if err != nil {
			return res, fmt.Errorf("read order csv: %w", err)
		}
		if blank(rec) {
			continue
		}
		res.Lines++
		imp.add(line, rec)
	}
	imp.flush()
	return res, nil
}

// decodeCSV returns r as UTF-8: a UTF-8 BOM is dropped, and a file whose
// first 64 KiB are not valid UTF-8 is read as CP949 (EUC-KR), as Korean
// spreadsheets save it.
func decodeCSV(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(64 << 10)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read order csv: %w", err)
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		return br, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, fanmail.Errorf(fanmail.EINVALID, "UTF-16 files are not supported; save the file as CSV (UTF-8 or CP949).")
	}
	// A multi-byte character may be cut at the end of the window.
	if !utf8.Valid(trimPartialRune(head)) {
		return transform.NewReader(br, korean.EUCKR.NewDecoder()), nil
	}
	return br, nil
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return b
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// indexColumns maps column keys to their positions in header.
func indexColumns(header []string) (map[string]int, error) {
	cols := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		for key, names := range columnNames {
			for _, n := range names {
				if h == n {
					if _, dup := cols[key]; !dup {
						cols[key] = i
					}
				}
			}
		}
	}
	_, email := cols["member_email"]
	_, id := cols["member_id"]
	_, either := cols["member"]
	_, code := cols["product_code"]
	_, name := cols["name"]
	switch {
	case !has(cols, "external_id"):
		return nil, fanmail.Errorf(fanmail.EINVALID, "The file has no external_id column (the order number).")
	case !email && !id && !either:
		return nil, fanmail.Errorf(fanmail.EINVALID, "The file has no member_email or member_id column.")
	case !code && !name:
		return nil, fanmail.Errorf(fanmail.EINVALID, "The file has no product_code column.")
	}
	return cols, nil
}

func has(cols map[string]int, key string) bool { _, ok := cols[key]; return ok }

// importer groups consecutive lines of one order and stores each order.
type importer struct {
	s    *Service
	ctx  context.Context
	cols map[string]int
	res  *ImportResult

	order NewOrder
	first int   // line of the order's first item
	lines []int // line of each item
	bad   bool  // a line of the current order was refused
	shops map[string]int64
}

func (im *importer) field(rec []string, key string) string {
	i, ok := im.cols[key]
	if !ok || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

func (im *importer) fail(line int, msg string, args ...any) {
	if len(im.res.Errors) >= MaxImportErrors {
		im.res.MoreErrors++
		return
	}
	im.res.Errors = append(im.res.Errors, LineError{Line: line, Message: msg, Args: args})
}

// add reads one data line.
func (im *importer) add(line int, rec []string) {
	ext := im.field(rec, "external_id")
	if ext == "" || ext != im.order.ExternalID {
		im.flush()
		im.order = NewOrder{ExternalID: ext, Source: fanmail.OrderSourceCSV}
		im.first, im.lines, im.bad = line, nil, false
		if ext == "" {
			im.bad = true
			im.fail(line, "The order number (external_id) is empty.")
			return
		}
		if im.badText(line, rec) {
			return
		}
		if err := im.header(line, rec); err != nil {
			im.bad = true
			return
		}
	}
	if im.bad {
		return
	}
	if im.badText(line, rec) {
		return
	}
	it, ok := im.item(line, rec)
	if !ok {
		im.bad = true
		return
	}
	im.order.Items = append(im.order.Items, it)
	im.lines = append(im.lines, line)
}

// badText refuses the order of a line holding text that is not valid UTF-8
// or contains a NUL (which PostgreSQL cannot store), before any of it is
// looked up or stored.
func (im *importer) badText(line int, rec []string) bool {
	for _, v := range rec {
		if !fanmail.ValidText(v) {
			im.bad = true
			im.fail(line, "This line holds text that is not valid UTF-8 or contains a NUL character.")
			return true
		}
	}
	return false
}

// header reads the order-level columns from the first line of an order.
func (im *importer) header(line int, rec []string) error {
	o := &im.order
	email, id := im.field(rec, "member_email"), im.field(rec, "member_id")
	if v := im.field(rec, "member"); v != "" && email == "" && id == "" {
		if strings.Contains(v, "@") {
			email = v
		} else {
			id = v
		}
	}
	switch {
	case id != "":
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			im.fail(line, "The member number %q is not a number.", id)
			return errBadLine
		}
		o.MemberID = n
	case email != "":
		o.MemberEmail = email
	default:
		im.fail(line, "The member's e-mail address or number is empty.")
		return errBadLine
	}
	if v := im.field(rec, "ordered_at"); v != "" {
		t, ok := parseTime(v, im.s.loc)
		if !ok {
			im.fail(line, "The order date %q is not a date (use 2026-03-14 15:04).", v)
			return errBadLine
		}
		o.OrderedAt = t
	} else {
		im.fail(line, "The order date is empty.")
		return errBadLine
	}
	if code := im.field(rec, "shop_code"); code != "" {
		if id, ok := im.shops[code]; ok {
			o.ShopID = id
		} else {
			shop, err := im.s.db.ShopByCode(im.ctx, code)
			if err != nil {
				im.fail(line, "Unknown shop code %q.", code)
				return errBadLine
			}
			if im.shops == nil {
				im.shops = map[string]int64{}
			}
			im.shops[code] = shop.ID
			o.ShopID = shop.ID
		}
	}
	return nil
}

var errBadLine = errors.New("bad line")

// item reads the item columns of a line.
func (im *importer) item(line int, rec []string) (NewItem, bool) {
	it := NewItem{ProductCode: im.field(rec, "product_code"), Name: im.field(rec, "name"), Quantity: 1}
	if it.ProductCode == "" && it.Name == "" {
		im.fail(line, "The product code is empty.")
		return it, false
	}
	if v := im.field(rec, "quantity"); v != "" {
		n, err := strconv.Atoi(strings.ReplaceAll(v, ",", ""))
		if err != nil {
			im.fail(line, "The quantity %q is not a whole number.", v)
			return it, false
		}
		it.Quantity = n
	}
	if v := im.field(rec, "unit_price"); v != "" {
		p, ok := parseWon(v)
		if !ok {
			im.fail(line, "The unit price %q is not an amount in won.", v)
			return it, false
		}
		it.UnitPrice = &p
	}
	return it, true
}

// flush stores the order read so far.
func (im *importer) flush() {
	if im.order.ExternalID == "" || im.bad || len(im.order.Items) == 0 {
		im.order = NewOrder{}
		if im.bad {
			im.res.Failed++
			im.bad = false
		}
		return
	}
	o, err := im.s.Create(im.ctx, im.order)
	switch {
	case err == nil:
		im.res.Orders++
		im.res.Items += len(o.Items)
	case fanmail.ErrorCode(err) == fanmail.ECONFLICT:
		im.res.Duplicates++
	case fanmail.ErrorCode(err) == fanmail.EINVALID:
		im.res.Failed++
		im.fail(im.lineOf(fanmail.ErrorField(err)), fanmail.ErrorMessage(err))
	default:
		im.res.Failed++
		im.s.logger.Error("order import: store order", "line", im.first, "err", err)
		im.fail(im.first, "The order could not be stored.")
	}
	im.order = NewOrder{}
}

// lineOf returns the line of the item a field like "items.2.quantity"
// names, else the order's first line.
func (im *importer) lineOf(field string) int {
	rest, ok := strings.CutPrefix(field, "items.")
	if !ok {
		return im.first
	}
	n, _, _ := strings.Cut(rest, ".")
	i, err := strconv.Atoi(n)
	if err != nil || i < 0 || i >= len(im.lines) {
		return im.first
	}
	return im.lines[i]
}

// timeLayouts are the order date formats a CSV may use, without a zone read
// in the service's time zone.
var timeLayouts = []string{
	"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02",
	"2006/01/02 15:04:05", "2006/01/02 15:04", "2006/01/02", "2006.01.02 15:04", "2006.01.02", "20060102",
}

func parseTime(v string, loc *time.Location) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), true
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseWon reads "39000", "39,000", "39,000원" or "₩39,000".
func parseWon(v string) (int64, bool) {
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(v), "₩"), "원"))
	v = strings.ReplaceAll(v, ",", "")
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}
