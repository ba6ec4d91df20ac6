package delivery_test

import (
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/delivery"
)

// TestTemplates_NoAdSignals: the transactional mails go to members whatever
// their marketing consent, so they must not carry what makes a mail an ad
// (fanmail.MessageAdSignals: the amounts of an order are what the member
// bought, not an offer). A wording change that adds a sale or a coupon
// fails here.
func TestTemplates_NoAdSignals(t *testing.T) {
	order := fanmail.Order{ExternalID: "OZ-20261206-0042", OrderedAt: time.Date(2026, 12, 6, 3, 4, 0, 0, time.UTC), Amount: 298000,
		Items: []fanmail.OrderItem{{Name: "울 코트", Quantity: 1, UnitPrice: 259000}, {Name: "니트 머플러", Quantity: 1, UnitPrice: 39000}}}
	for _, lang := range []string{fanmail.LangKorean, fanmail.LangEnglish} {
		for _, c := range []struct {
			kind, template string
			data           any
		}{
			{fanmail.MessageOptIn, "confirm", delivery.ConfirmData{Name: "김민지", Link: "https://fan.example/confirm?token=abc.def", ValidHours: 72}},
			{fanmail.MessageSignIn, "signin", delivery.SignInData{Name: "김민지", Link: "https://fan.example/login/link?token=abc", ValidMinutes: 30}},
			{fanmail.MessageStaffSignIn, "signin", delivery.SignInData{Name: "박서준", Link: "https://fan.example/admin/login/link?token=abc", ValidMinutes: 30}},
			{fanmail.MessageOrderConfirmation, delivery.OrderConfirmTemplate,
				delivery.NewOrderConfirmData(lang, "김민지", order, "오즈세컨 강남점", "1588-1234", fanmail.KST)},
		} {
			t.Run(c.kind+"."+lang, func(t *testing.T) {
				ct, err := delivery.TemplateContent(c.template, lang, c.data)
				if err != nil {
					t.Fatal(err)
				}
				for _, body := range []string{ct.Text, ct.HTML} {
					if s := fanmail.MessageAdSignals(c.kind, fanmail.AdContent{Subject: ct.Subject, Body: body}); len(s) > 0 {
						t.Errorf("transactional mail carries ad signals: %v", s)
					}
				}
			})
		}
	}
}
