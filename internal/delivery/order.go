package delivery

import (
	"strconv"
	"time"

	"github.com/fanmail/fanmail"
)

// OrderConfirmTemplate is the template of the order confirmation mail: a
// transactional mail, sent whatever the member's marketing consent, that
// carries no advertising.
const OrderConfirmTemplate = "order_confirm"

// OrderConfirmData fills the "order_confirm" template. Amounts and the date
// are formatted for the mail's language by NewOrderConfirmData.
type OrderConfirmData struct {
	Name         string
	OrderNumber  string
	OrderedAt    string
	Items        []OrderConfirmItem
	Total        string
	ShopName     string // "" when the order came from no shop
	SupportPhone string // "" when none is known
}

// OrderConfirmItem is one line of the order as the mail lists it.
type OrderConfirmItem struct {
	Name      string
	Quantity  int
	UnitPrice string
	Total     string
}

// NewOrderConfirmData formats order o for member name in lang ("ko" or
// "en"), with times in loc.
func NewOrderConfirmData(lang, name string, o fanmail.Order, shopName, supportPhone string, loc *time.Location) OrderConfirmData {
	if loc == nil {
		loc = time.UTC
	}
	d := OrderConfirmData{
		Name:         name,
		OrderNumber:  o.ExternalID,
		OrderedAt:    formatOrderTime(lang, o.OrderedAt.In(loc)),
		Total:        FormatWon(lang, o.Amount),
		ShopName:     shopName,
		SupportPhone: supportPhone,
	}
	for _, it := range o.Items {
		d.Items = append(d.Items, OrderConfirmItem{Name: it.Name, Quantity: it.Quantity,
			UnitPrice: FormatWon(lang, it.UnitPrice), Total: FormatWon(lang, it.Total())})
	}
	return d
}

func formatOrderTime(lang string, t time.Time) string {
	zone, _ := t.Zone()
	if lang == fanmail.LangEnglish {
		return t.Format("2 January 2006, 15:04") + " (" + zone + ")"
	}
	return t.Format("2006년 1월 2일 15:04") + " (" + zone + ")"
}

// FormatWon formats an amount of won: "39,000원" in Korean, "₩39,000" in
// English.
func FormatWon(lang string, n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	out := string(b)
	if lang == fanmail.LangEnglish {
		out = "₩" + out
	} else {
		out += "원"
	}
	if neg {
		out = "-" + out
	}
	return out
}
