package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// analysisFixture stores a casual group with 미앤씨 and a formal one, an
// outlet, and 김민지, who likes 미앤씨 and bought two of its dresses at the
// outlet: casual by 4.2 votes, an outlet buyer. 박지훈 has nothing to analyse.
func analysisFixture(t *testing.T, db *store.DB) (minji, jihoon, casual, formal int64) {
	t.Helper()
	ctx := context.Background()
	g, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	f, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "formal", NameKo: "정장", NameEn: "Formal", Position: 1, Published: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "mienc", Name: "미앤씨", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	dress, err := db.CreateProduct(ctx, fanmail.Product{BrandID: b.ID, Code: "MNC-01", Name: "플라워 쉬폰 원피스",
		Shelf: fanmail.ShelfNew, Price: 100_000, Published: true})
	if err != nil {
		t.Fatal(err)
	}
	outlet, err := db.UpsertShop(ctx, fanmail.Shop{Code: "YJ01", Name: "여주 아울렛", Kind: fanmail.ShopOutlet})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		m, err := tx.CreateMember(ctx, fanmail.Member{Email: "minji@example.com", Name: "김민지", Lang: "ko",
			Status: fanmail.MemberActive, Source: fanmail.SourceWeb})
		if err != nil {
			return err
		}
		minji = m.ID
		if _, err := tx.AddBrandPreference(ctx, m.ID, b.ID, "", ""); err != nil {
			return err
		}
		item := fanmail.OrderItem{ProductID: dress.ID, BrandID: b.ID, Name: dress.Name, Quantity: 2, UnitPrice: 60_000,
			ListPrice: dress.Price, Shelf: dress.Shelf}
		if _, err := tx.CreateOrder(ctx, fanmail.Order{MemberID: m.ID, ExternalID: "YJ-1", OrderedAt: time.Now().UTC(),
			Amount: item.Total(), Source: fanmail.OrderSourceShop, ShopID: outlet.ID, Items: []fanmail.OrderItem{item}}); err != nil {
			return err
		}
		_, err = tx.RecomputeProfile(ctx, m.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return minji, storetest.MustCreateMember(t, db, "jihoon@example.com").ID, g.ID, f.ID
}

func TestMembersAdmin_ProfileAnalysis(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStaffEnv(t, db)
		e.user(t, "counsel@example.com", fanmail.RoleCounsellor)
		c := e.signIn(t, "counsel@example.com")
		minji, jihoon, _, _ := analysisFixture(t, db)
		page := func(id int64, lang string) string {
			t.Helper()
			res := e.get(t, "/admin/members/"+strconv.FormatInt(id, 10)+"?lang="+lang, c)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			return res.Body
		}
		section := regexp.MustCompile(`(?s)<article id="member-analysis">.*?</article>`)
		for lang, want := range map[string][]string{
			"ko": {"프로필 분석", "선호 브랜드군", "<strong>캐주얼</strong>", "4.2표: 즐겨찾는 브랜드 1개 × 3, 브랜드와 연결된 스타일 답변 0개 × 2, 구매 120,000원(100,000원당 1표)",
				"구매 패턴", "<strong>상설 할인매장(아울렛) 구매</strong>", "<strong>상설 할인매장(아울렛) 구매 2</strong>", "정상가 구매 0", "정가보다 10% 이상"},
			"en": {"Profile analysis", "<strong>Casual</strong>", "4.2 votes: favourite brands 1 × 3, style answers linked to its brands 0 × 2, spent 120,000원 (1 vote per 100,000원)",
				"<strong>Outlet 2</strong>", "Waits for sales 0", "10% or more below the list price"},
		} {
			got := section.FindString(page(minji, lang))
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("%s: analysis lacks %q:\n%s", lang, w, got)
				}
			}
		}
		if got := section.FindString(page(jihoon, "ko")); !strings.Contains(got, "아직 분석할 내용이 없습니다") {
			t.Errorf("member with nothing to analyse:\n%s", got)
		}
	})
}

func TestSegmentBuilder_ProfileFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStaffEnv(t, db)
		e.user(t, "marketer@example.com", fanmail.RoleMarketer)
		c := e.signIn(t, "marketer@example.com")
		_, _, casual, formal := analysisFixture(t, db)
		count := func(form url.Values) string {
			t.Helper()
			res := e.postLang(t, "/admin/segments/count", "en", form, c)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d, body:\n%s", res.StatusCode, res.Body)
			}
			return res.Body
		}
		group := func(op string, id int64) url.Values {
			return url.Values{"g.op": {"and"}, "g.c0.field": {"preferred_group"}, "g.c0.op": {op}, "g.c0.ids": {strconv.FormatInt(id, 10)}}
		}
		pattern := func(op string, vs ...string) url.Values {
			return url.Values{"g.op": {"and"}, "g.c0.field": {"purchase_pattern"}, "g.c0.op": {op}, "g.c0.values": vs}
		}
		for name, tt := range map[string]struct {
			form url.Values
			want string
		}{
			"Casual":         {group("in", casual), "<strong>1</strong> members match"},
			"NotCasual":      {group("not_in", casual), "<strong>1</strong> members match"},
			"Formal":         {group("in", formal), `id="segment-count-none"`},
			"Outlet":         {pattern("in", "outlet"), "<strong>1</strong> members match"},
			"Unknown":        {pattern("in", "unknown"), "<strong>1</strong> members match"},
			"SaleOrUnknown":  {pattern("in", "sale", "unknown"), "<strong>1</strong> members match"},
			"NotFullPrice":   {pattern("not_in", "full_price"), "<strong>2</strong> members match"},
			"UnknownPattern": {pattern("in", "cheap"), "Unknown purchase pattern."},
		} {
			if body := count(tt.form); !strings.Contains(body, tt.want) {
				t.Errorf("%s: count lacks %q:\n%s", name, tt.want, body)
			}
		}

		// The builder offers the groups and the patterns, in Korean.
		res := e.postLang(t, "/admin/segments/builder", "ko", url.Values{"name": {"아울렛 고객"}, "g.op": {"and"},
			"g.c0.field": {"purchase_pattern"}, "g.c1.field": {"preferred_group"}}, c)
		for _, want := range []string{`<option value="purchase_pattern" selected>분석: 구매 패턴</option>`,
			`<option value="preferred_group" selected>분석: 선호 브랜드군</option>`,
			`value="outlet"> 상설 할인매장(아울렛) 구매`, `value="unknown"> 알 수 없음`,
			`value="` + strconv.FormatInt(casual, 10) + `"> 캐주얼`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("builder lacks %s", want)
			}
		}

		// Saved, the segment reads back in words.
		form := pattern("in", "outlet", "event")
		form.Set("name", "할인 고객")
		if res := e.postLang(t, "/admin/segments", "ko", form, c); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: status %d, body:\n%s", res.StatusCode, res.Body)
		}
		if res := e.get(t, "/admin/segments?lang=ko", c); !strings.Contains(res.Body, "분석: 구매 패턴 다음 중 하나: 상설 할인매장(아울렛) 구매 · 백화점 행사 구매") {
			t.Errorf("segment list:\n%s", res.Body)
		}
	})
}

// Every text of the analysis partial has a Korean translation.
func TestMembersAdmin_AnalysisTranslated(t *testing.T) {
	b, err := os.ReadFile("templates/_member_analysis.html")
	if err != nil {
		t.Fatal(err)
	}
	texts := regexp.MustCompile(`t \$?\.Lang "([^"]+)"`).FindAllStringSubmatch(string(b), -1)
	if len(texts) < 8 {
		t.Fatalf("found only %d texts", len(texts))
	}
	for _, m := range texts {
		if !i18n.Has(m[1]) {
			t.Errorf("no Korean for %q", m[1])
		}
	}
}
