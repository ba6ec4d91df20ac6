package fanmail

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAdSignals(t *testing.T) {
	tests := []struct {
		name string
		in   AdContent
		want []AdSignal
	}{
		{"Plain", AdContent{Subject: "{{.Member.Name}}님, 회원 정보를 확인해 주세요", Body: "안녕하세요.\n\n수신을 원하지 않으시면 {{footer}}"}, nil},
		{"ProductBlock", AdContent{Subject: "새 시즌 소식", Body: "<p>안녕하세요</p>\n{{products \"ozsecond\" \"new\" 3}}\n{{footer}}"},
			[]AdSignal{{Kind: AdSignalCatalogue, Field: "body", Line: 2, Block: 1, Text: `{{products "ozsecond" "new" 3}}`}}},
		{"ProductList", AdContent{Body: "{{footer}}{{range productList \"system\" \"\" 4}}{{.Name}}{{end}}"},
			[]AdSignal{{Kind: AdSignalCatalogue, Field: "body", Line: 1, Block: 2, Text: `{{range productList "system" "" 4}}`}}},
		{"SaleSubject", AdContent{Subject: "겨울 할인 안내"},
			[]AdSignal{{Kind: AdSignalSale, Field: "subject", Line: 1, Text: "할인"}}},
		{"Prices", AdContent{Body: "단 하루 39,000원\n₩ 12000 or KRW 5000, 5만원"},
			[]AdSignal{
				{Kind: AdSignalPrice, Field: "body", Line: 1, Text: "39,000원"},
				{Kind: AdSignalPrice, Field: "body", Line: 2, Text: "₩ 12000"},
				{Kind: AdSignalPrice, Field: "body", Line: 2, Text: "KRW 5000"},
				{Kind: AdSignalPrice, Field: "body", Line: 2, Text: "5만원"},
			}},
		{"CouponNotAlsoSale", AdContent{Preheader: "할인 코드를 드려요"},
			[]AdSignal{{Kind: AdSignalCoupon, Field: "preheader", Line: 1, Text: "할인 코드"}}},
		{"ChipOffer", AdContent{Body: "<p>가입하시면 매니아칩 3개를 드립니다</p>"},
			[]AdSignal{{Kind: AdSignalChip, Field: "body", Line: 1, Text: "매니아칩 3개를 드립"}}},
		{"ChipBalanceIsNoOffer", AdContent{Body: "남은 매니아칩: 12개"}, nil},
		{"English", AdContent{Subject: "20% off this week", Body: "Use coupon WINTER. Wholesale partners only."},
			[]AdSignal{
				{Kind: AdSignalSale, Field: "subject", Line: 1, Text: "20% off"},
				{Kind: AdSignalCoupon, Field: "body", Line: 1, Text: "coupon"},
			}},
		{"TagsAndFieldsAreNotText", AdContent{Body: `<div class="sale">{{.Member.Name}}</div>`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, AdSignals(tt.in)); diff != "" {
				t.Errorf("AdSignals (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMessageAdSignals_OrderAmountsAreNoOffer(t *testing.T) {
	c := AdContent{Subject: "주문 확인", Body: "합계: 39,000원"}
	if got := MessageAdSignals(MessageOrderConfirmation, c); len(got) != 0 {
		t.Errorf("order confirmation: %v", got)
	}
	if got := MessageAdSignals(MessageOptIn, c); len(got) != 1 {
		t.Errorf("opt-in mail with a price: %v, want one signal", got)
	}
}

func TestCampaign_CheckAdRule(t *testing.T) {
	base := Campaign{Name: "겨울", Kind: CampaignMarketing, Subject: "겨울 세일", Body: "{{footer}}", Timezone: "Asia/Seoul"}
	t.Run("AdMarked", func(t *testing.T) {
		c := base
		c.IsAd = true
		if err := c.CheckAdRule(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Unmarked", func(t *testing.T) {
		err := base.CheckAdRule()
		re, ok := err.(*AdRuleError)
		if !ok || ErrorCode(err) != EINVALID || ErrorField(err) != "is_ad" || len(re.Signals) != 1 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("Transactional", func(t *testing.T) {
		c := base
		c.Kind = CampaignTransactional
		if ErrorCode(c.CheckAdRule()) != EINVALID {
			t.Fatal("a transactional sale went through")
		}
	})
	t.Run("Override", func(t *testing.T) {
		c := base
		c.AdOverride = &AdOverride{UserID: 1, At: time.Now(), Reason: "Store closing notice, required by law",
			Content: c.AdContent().Fingerprint(c.Kind, c.IsAd)}
		if err := c.CheckAdRule(); err != nil {
			t.Fatal(err)
		}
		c.Body += "\n39,000원"
		if ErrorCode(c.CheckAdRule()) != EINVALID {
			t.Error("an override outlived a change of content")
		}
	})
}

func TestAdSignal_Describe(t *testing.T) {
	for _, tt := range []struct {
		in   AdSignal
		want string
	}{
		{AdSignal{Kind: AdSignalCatalogue, Field: "body", Line: 3, Block: 2, Text: `{{products "oz" "sale" 3}}`}, `Body, line 3, block 2 (product block): {{products "oz" "sale" 3}}`},
		{AdSignal{Kind: AdSignalPrice, Field: "body", Line: 5, Text: "39,000원"}, "Body, line 5 (price): 39,000원"},
		{AdSignal{Kind: AdSignalSale, Field: "subject", Line: 1, Text: "할인"}, "Subject (sale or event wording): 할인"},
	} {
		if got := tt.in.Describe(); got != tt.want {
			t.Errorf("Describe() = %q, want %q", got, tt.want)
		}
	}
	err := NewAdRuleError(CampaignTransactional, []AdSignal{{Kind: AdSignalSale, Field: "subject", Line: 1, Text: "할인"}})
	if msg := ErrorMessage(err); !strings.Contains(msg, "Subject (sale or event wording): 할인") || !strings.Contains(msg, "transactional") {
		t.Errorf("message = %q", msg)
	}
}
