package app

import (
	"context"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// TestBrowser_TransactionalAdRefused: a marketer writes a sale with a
// product block as a "transactional" campaign; scheduling it is refused,
// and the form explains why, naming the block and the sale wording.
func TestBrowser_TransactionalAdRefused(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		needBrowser(t)
		ta := startApp(t, engine)
		snd, err := ta.Campaigns.CreateSender(context.Background(), fanmail.Sender{Name: "오즈세컨 강남점", FromName: "오즈세컨",
			FromEmail: "news@ozsecond.example.com", Kind: fanmail.SenderBrand, Address: "서울특별시 강남구 테헤란로 152", Phone: "02-555-0152"})
		if err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, ta.URL)
		b.signInAdmin(ta)

		b.open("/admin/campaigns/new")
		b.waitVisible("#campaign-form")
		b.fill(`#campaign-form input[name="name"]`, "주문 고객 안내")
		b.check(`#campaign-form input[name="kind"][value="transactional"]`)
		b.choose(`#campaign-form select[name="sender_id"]`, b.optionValue(`#campaign-form select[name="sender_id"]`, snd.Name))
		b.fill(`#campaign-form input[name="subject"]`, "주문 감사 특가 안내")
		b.fill(`#campaign-form textarea[name="body"]`, "<p>{{.Member.Name}}님, 주문해 주셔서 감사합니다.</p>\n{{products \"ozsecond\" \"sale\" 3}}")
		b.click(`#campaign-form button[type="submit"]`)
		b.waitVisible("#ad-rule-warning")
		if got := b.text("#ad-signals"); !strings.Contains(got, "상품 블록") || !strings.Contains(got, "특가") {
			t.Errorf("campaign page signals = %q", got)
		}

		b.check(`#schedule-form input[name="when"][value="now"]`)
		b.click("#schedule-submit")
		b.waitVisible("#error-is_ad")
		if got := b.text("#error-is_ad"); !strings.Contains(got, "거래·안내 메일로 보낼 수 없습니다") || !strings.Contains(got, "특가") {
			t.Errorf("refusal = %q", got)
		}
		if got := b.text("#ad-signals"); !strings.Contains(got, `본문 2번째 줄, 블록 2 (상품 블록): {{products "ozsecond" "sale" 3}}`) {
			t.Errorf("form signals = %q", got)
		}
		cs, err := ta.Campaigns.Campaigns(context.Background(), store.CampaignFilter{})
		if err != nil || len(cs) != 1 || cs[0].Status != fanmail.CampaignDraft {
			t.Errorf("campaigns after the refusal: %v, %+v", err, cs)
		}
	})
}
