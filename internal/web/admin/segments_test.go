package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// segmentFixture stores two brands and four members: 김민지 and 이서연 (women
// who like 오즈세컨), 박지훈 (a man who likes 마인), 최하은 (a woman, no brand).
func segmentFixture(t *testing.T, db *store.DB) (ozsecond, mine int64) {
	t.Helper()
	ctx := context.Background()
	g, err := db.CreateBrandGroup(ctx, fanmail.BrandGroup{Slug: "casual", NameKo: "캐주얼", NameEn: "Casual", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	oz, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "ozsecond", Name: "오즈세컨", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	mi, err := db.CreateBrand(ctx, fanmail.Brand{GroupID: g.ID, Slug: "mine", Name: "마인", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		email, name, gender string
		brand               int64
	}{
		{"minji@example.com", "김민지", fanmail.GenderFemale, oz.ID},
		{"seoyeon@example.com", "이서연", fanmail.GenderFemale, oz.ID},
		{"jihoon@example.com", "박지훈", fanmail.GenderMale, mi.ID},
		{"haeun@example.com", "최하은", fanmail.GenderFemale, 0},
	} {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			created, err := tx.CreateMember(ctx, fanmail.Member{Email: m.email, Name: m.name, Gender: m.gender, BirthYear: 2000,
				Lang: "ko", Status: fanmail.MemberActive, Source: fanmail.SourceWeb})
			if err != nil {
				return err
			}
			if m.brand != 0 {
				_, err = tx.AddBrandPreference(ctx, created.ID, m.brand, m.gender, "")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return oz.ID, mi.ID
}

// postLang posts form like post, in the given language.
func (e *staffEnv) postLang(t *testing.T, path, lang string, form url.Values, c *http.Cookie) staffResponse {
	t.Helper()
	return e.post(t, path+"?lang="+lang, form, c)
}

func TestSegmentBuilder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStaffEnv(t, db)
		e.user(t, "marketer@example.com", fanmail.RoleMarketer)
		e.user(t, "counsel@example.com", fanmail.RoleCounsellor)
		c := e.signIn(t, "marketer@example.com")
		oz, mine := segmentFixture(t, db)
		ozs := strconv.FormatInt(oz, 10)

		t.Run("NewForm", func(t *testing.T) {
			res := e.get(t, "/admin/segments/new?lang=ko", c)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d, body:\n%s", res.StatusCode, res.Body)
			}
			for _, want := range []string{`id="segment-form"`, `hx-post="/admin/segments/count"`, `name="g.c0.field"`,
				`<option value="brand">선호 브랜드</option>`, `name="g.op" value="and" checked`, "새 세그먼트"} {
				if !strings.Contains(res.Body, want) {
					t.Errorf("new segment form lacks %s", want)
				}
			}
		})

		t.Run("CountInKorean", func(t *testing.T) {
			res := e.postLang(t, "/admin/segments/count", "ko", url.Values{
				"g.op": {"and"}, "g.c0.field": {"gender"}, "g.c0.op": {"in"}, "g.c0.values": {"female"},
				"g.c1.field": {"brand"}, "g.c1.op": {"in"}, "g.c1.ids": {ozs},
			}, c)
			if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `<p id="segment-count-value"><strong>2</strong> 명이 조건에 맞습니다`) {
				t.Errorf("status %d, body:\n%s", res.StatusCode, res.Body)
			}
			if strings.Contains(res.Body, "<html") {
				t.Errorf("count returned a whole page, want the fragment")
			}
		})
		t.Run("CountOr", func(t *testing.T) {
			res := e.postLang(t, "/admin/segments/count", "en", url.Values{
				"g.op": {"or"}, "g.c0.field": {"brand"}, "g.c0.op": {"in"}, "g.c0.ids": {ozs},
				"g.c1.field": {"gender"}, "g.c1.op": {"in"}, "g.c1.values": {"male"},
			}, c)
			if !strings.Contains(res.Body, `<strong>3</strong> members match`) {
				t.Errorf("status %d, body:\n%s", res.StatusCode, res.Body)
			}
		})
		t.Run("CountEveryone", func(t *testing.T) {
			res := e.postLang(t, "/admin/segments/count", "en", url.Values{"g.op": {"and"}, "g.c0.field": {""}}, c)
			if !strings.Contains(res.Body, `<strong>4</strong> members match`) || !strings.Contains(res.Body, "no conditions: every member") {
				t.Errorf("status %d, body:\n%s", res.StatusCode, res.Body)
			}
		})
		t.Run("MatchesNobodyIsANotice", func(t *testing.T) {
			res := e.postLang(t, "/admin/segments/count", "ko", url.Values{
				"g.op": {"and"}, "g.c0.field": {"gender"}, "g.c0.op": {"in"}, "g.c0.values": {"male"},
				"g.c1.field": {"brand"}, "g.c1.op": {"in"}, "g.c1.ids": {ozs},
			}, c)
			if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `id="segment-count-none"`) ||
				!strings.Contains(res.Body, "지금은 조건에 맞는 회원이 없습니다") || strings.Contains(res.Body, "error") {
				t.Errorf("status %d, body:\n%s", res.StatusCode, res.Body)
			}
		})
		t.Run("IncompleteRuleIsAMessage", func(t *testing.T) {
			res := e.postLang(t, "/admin/segments/count", "ko", url.Values{
				"g.op": {"and"}, "g.c0.field": {"brand"}, "g.c0.op": {"in"},
			}, c)
			if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `id="segment-count-error"`) ||
				!strings.Contains(res.Body, "값을 하나 이상 고르세요.") {
				t.Errorf("status %d, body:\n%s", res.StatusCode, res.Body)
			}
		})

		t.Run("BuilderAddsAndRemoves", func(t *testing.T) {
			base := url.Values{"name": {"테스트"}, "g.op": {"and"}, "g.c0.prev": {"gender"}, "g.c0.field": {"gender"}, "g.c0.op": {"in"}, "g.c0.values": {"female"}}
			with := func(do string) url.Values {
				v := url.Values{"do": {do}}
				for k, x := range base {
					v[k] = x
				}
				return v
			}
			res := e.postLang(t, "/admin/segments/builder", "en", with("add:g"), c)
			if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `name="g.c1.field"`) ||
				!strings.Contains(res.Body, `name="g.c0.values" value="female" checked`) || !strings.Contains(res.Body, `value="테스트"`) {
				t.Errorf("add condition: status %d, body:\n%s", res.StatusCode, res.Body)
			}
			res = e.postLang(t, "/admin/segments/builder", "en", with("group:g"), c)
			if !strings.Contains(res.Body, `name="g.g0.op" value="or" checked`) || !strings.Contains(res.Body, `name="g.g0.c0.field"`) {
				t.Errorf("add group: body:\n%s", res.Body)
			}
			res = e.postLang(t, "/admin/segments/builder", "en", with("remove:g.c0"), c)
			if strings.Contains(res.Body, `name="g.c0.values"`) || !strings.Contains(res.Body, `<strong>4</strong> members match`) {
				t.Errorf("remove condition: body:\n%s", res.Body)
			}
		})
		t.Run("BuilderChangingFieldStartsAfresh", func(t *testing.T) {
			res := e.postLang(t, "/admin/segments/builder", "en", url.Values{"g.op": {"and"},
				"g.c0.prev": {"gender"}, "g.c0.field": {"brand"}, "g.c0.op": {"in"}, "g.c0.values": {"female"}}, c)
			if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `name="g.c0.ids" value="`+ozs+`"`) ||
				!strings.Contains(res.Body, "Pick at least one value.") {
				t.Errorf("status %d, body:\n%s", res.StatusCode, res.Body)
			}
		})

		var id int64
		t.Run("Save", func(t *testing.T) {
			res := e.postLang(t, "/admin/segments", "ko", url.Values{"name": {"오즈세컨 여성 팬"}, "g.op": {"and"},
				"g.c0.field": {""}, // a blank row is left out
				"g.c1.field": {"gender"}, "g.c1.op": {"in"}, "g.c1.values": {"female"},
				"g.g0.op":       {"or"},
				"g.g0.c0.field": {"brand"}, "g.g0.c0.op": {"in"}, "g.g0.c0.ids": {ozs},
				"g.g0.c1.field": {"opened"}, "g.g0.c1.op": {"within_days"}, "g.g0.c1.days": {"90"}, "g.g0.c1.values": {"stray"},
			}, c)
			loc := res.Header.Get("Location")
			m := regexp.MustCompile(`^/admin/segments/(\d+)\?flash=`).FindStringSubmatch(loc)
			if res.StatusCode != http.StatusSeeOther || m == nil {
				t.Fatalf("status %d, Location %q, body:\n%s", res.StatusCode, loc, res.Body)
			}
			id, _ = strconv.ParseInt(m[1], 10, 64)
			s, err := db.SegmentByID(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			want := fanmail.SegmentRules{Op: "and",
				Conditions: []fanmail.SegmentCondition{{Field: "gender", Op: "in", Values: []string{"female"}}},
				Groups: []fanmail.SegmentRules{{Op: "or", Conditions: []fanmail.SegmentCondition{
					{Field: "brand", Op: "in", IDs: []int64{oz}},
					{Field: "opened", Op: "within_days", Days: 90},
				}}}}
			if diff := cmp.Diff(want, s.Rules); diff != "" {
				t.Errorf("stored rules (-want +got):\n%s", diff)
			}
			if s.Name != "오즈세컨 여성 팬" || s.CreatedBy == 0 {
				t.Errorf("stored %+v", s)
			}
			page := e.get(t, loc, c)
			if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `value="오즈세컨 여성 팬"`) ||
				!strings.Contains(page.Body, "세그먼트를 저장했습니다.") || !strings.Contains(page.Body, `name="g.g0.c1.days" id="g.g0.c1.days" value="90"`) {
				t.Errorf("saved segment page: status %d, body:\n%s", page.StatusCode, page.Body)
			}
			list := e.get(t, "/admin/segments?lang=ko", c)
			if !strings.Contains(list.Body, "오즈세컨 여성 팬") || !strings.Contains(list.Body, "성별 다음 중 하나: 여성 그리고 (선호 브랜드 다음 중 하나: 오즈세컨 또는") {
				t.Errorf("list: body:\n%s", list.Body)
			}
		})
		t.Run("SaveInvalidKeepsInput", func(t *testing.T) {
			res := e.postLang(t, "/admin/segments", "en", url.Values{"name": {"없는 브랜드"}, "g.op": {"and"},
				"g.c0.field": {""},
				"g.c1.field": {"brand"}, "g.c1.op": {"in"}, "g.c1.ids": {"99999"},
			}, c)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Unknown brand.") ||
				!strings.Contains(res.Body, `id="g.c1.field" aria-label="Field" aria-invalid="true"`) || !strings.Contains(res.Body, `value="없는 브랜드"`) {
				t.Errorf("status %d, body:\n%s", res.StatusCode, res.Body)
			}
			res = e.postLang(t, "/admin/segments", "ko", url.Values{"name": {" "}, "g.op": {"and"}}, c)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "세그먼트 이름을 입력하세요.") {
				t.Errorf("no name: status %d, body:\n%s", res.StatusCode, res.Body)
			}
		})
		t.Run("Update", func(t *testing.T) {
			res := e.post(t, "/admin/segments/"+strconv.FormatInt(id, 10), url.Values{"name": {"마인 팬"}, "g.op": {"or"},
				"g.c0.field": {"brand"}, "g.c0.op": {"in"}, "g.c0.ids": {strconv.FormatInt(mine, 10)}}, c)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d, body:\n%s", res.StatusCode, res.Body)
			}
			s, err := db.SegmentByID(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != "마인 팬" || len(s.Rules.Groups) != 0 || s.Rules.Conditions[0].IDs[0] != mine {
				t.Errorf("updated %+v", s)
			}
		})
		t.Run("OnlyMarketersAndAdmins", func(t *testing.T) {
			cc := e.signIn(t, "counsel@example.com")
			if res := e.get(t, "/admin/segments", cc); res.StatusCode != http.StatusForbidden {
				t.Errorf("counsellor list: status %d", res.StatusCode)
			}
			if res := e.post(t, "/admin/segments/count", url.Values{"g.op": {"and"}}, cc); res.StatusCode != http.StatusForbidden {
				t.Errorf("counsellor count: status %d", res.StatusCode)
			}
			if res := e.post(t, "/admin/segments/count", url.Values{"g.op": {"and"}}, nil); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("anonymous count: status %d", res.StatusCode)
			}
		})
		t.Run("Delete", func(t *testing.T) {
			res := e.post(t, "/admin/segments/"+strconv.FormatInt(id, 10)+"/delete", nil, c)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d, body:\n%s", res.StatusCode, res.Body)
			}
			if _, err := db.SegmentByID(context.Background(), id); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
				t.Errorf("after delete: err = %v", err)
			}
			if res := e.get(t, "/admin/segments/"+strconv.FormatInt(id, 10), c); res.StatusCode != http.StatusNotFound {
				t.Errorf("deleted segment page: status %d", res.StatusCode)
			}
		})
	})
}
