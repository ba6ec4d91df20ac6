package delivery_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/delivery"
)

func TestTemplateContent_OrderConfirm(t *testing.T) {
	seoul := time.FixedZone("KST", 9*3600)
	o := fanmail.Order{ExternalID: "A-1001", OrderedAt: time.Date(2026, 3, 14, 6, 5, 0, 0, time.UTC), Amount: 289000,
		Items: []fanmail.OrderItem{
			{Name: "울 코트", Quantity: 1, UnitPrice: 259000},
			{Name: "니트 <양말>", Quantity: 2, UnitPrice: 15000},
		}}
	for _, c := range []struct {
		lang, name string
	}{{"ko", "김민지"}, {"en", "Minji Kim"}} {
		t.Run(c.lang, func(t *testing.T) {
			data := delivery.NewOrderConfirmData(c.lang, c.name, o, "오즈세컨 강남점", "1588-1234", seoul)
			e, err := delivery.TemplateContent(delivery.OrderConfirmTemplate, c.lang, data)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "order_confirm."+c.lang+".txt", "Subject: "+e.Subject+"\n\n"+e.Text)
			golden(t, "order_confirm."+c.lang+".html", e.HTML)
			// A transactional mail: no advertising marks, the support phone at the bottom.
			if strings.Contains(e.Subject+e.Text+e.HTML, "(광고)") {
				t.Error("order confirmation carries advertising marks")
			}
			if !strings.Contains(e.HTML, "1588-1234") || strings.Contains(e.HTML, "<양말>") {
				t.Error("HTML lacks the support phone or does not escape item names")
			}
		})
	}
}

func TestFormatWon(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int64
		want string
	}{
		{"ko", 0, "0원"}, {"ko", 999, "999원"}, {"ko", 1000, "1,000원"}, {"ko", 1234567, "1,234,567원"},
		{"en", 39000, "₩39,000"}, {"ko", -5000, "-5,000원"},
	} {
		if got := delivery.FormatWon(c.lang, c.n); got != c.want {
			t.Errorf("FormatWon(%s, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}
