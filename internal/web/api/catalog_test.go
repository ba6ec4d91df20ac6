package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestAPI_Catalog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tok := e.token(t, fanmail.RoleMarketer)
		reader := e.token(t, fanmail.RoleServiceCentre)

		var g groupJSON
		rec := e.call(t, request{method: "POST", path: "/api/v1/brand-groups", token: tok,
			body: `{"slug":"casual","name_ko":"캐주얼","name_en":"Casual","published":true}`}, http.StatusCreated, &g)
		if rec.Header().Get("Location") != fmt.Sprintf("/api/v1/brand-groups/%d", g.ID) || g.NameKo != "캐주얼" {
			t.Errorf("created group %+v at %q", g, rec.Header().Get("Location"))
		}
		wantError(t, e.do(t, request{method: "POST", path: "/api/v1/brand-groups", token: tok,
			body: `{"slug":"casual","name_ko":"또 캐주얼"}`}), http.StatusConflict, fanmail.ECONFLICT, "slug")

		var b brandJSON
		e.call(t, request{method: "POST", path: "/api/v1/brands", token: tok,
			body: fmt.Sprintf(`{"group_id":%d,"slug":"mienc","name":"미앤씨","description_ko":"도회적인 캐주얼","published":true}`, g.ID)}, http.StatusCreated, &b)
		wantError(t, e.do(t, request{method: "POST", path: "/api/v1/brands", token: tok,
			body: `{"group_id":999999,"slug":"ghost","name":"유령"}`}), http.StatusUnprocessableEntity, fanmail.EINVALID, "group_id")

		products := map[string]productJSON{}
		for _, p := range []struct{ code, name, shelf string }{
			{"MC-26S-001", "린넨 블렌드 셔츠", "new"},
			{"MC-26S-002", "와이드 데님 팬츠", "new"},
			{"MC-25F-010", "울 코트", "previous"},
			{"MC-25F-020", "니트 카디건", "sale"},
		} {
			var out productJSON
			e.call(t, request{method: "POST", path: "/api/v1/products", token: tok, body: fmt.Sprintf(
				`{"brand_id":%d,"code":%q,"name":%q,"shelf":%q,"price":89000,"age_min":21,"age_max":29,"published":true}`,
				b.ID, p.code, p.name, p.shelf)}, http.StatusCreated, &out)
			products[p.code] = out
		}
		wantError(t, e.do(t, request{method: "POST", path: "/api/v1/products", token: tok, body: fmt.Sprintf(
			`{"brand_id":%d,"code":"MC-X","name":"선반 없음","shelf":"attic"}`, b.ID)}), http.StatusUnprocessableEntity, fanmail.EINVALID, "shelf")

		t.Run("FilterByShelf", func(t *testing.T) {
			var got list[productJSON]
			e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/products?brand_id=%d&shelf=sale", b.ID), token: reader}, http.StatusOK, &got)
			if len(got.Data) != 1 || got.Data[0].Code != "MC-25F-020" || got.Data[0].Name != "니트 카디건" {
				t.Errorf("sale shelf = %+v", got.Data)
			}
			e.call(t, request{method: "GET", path: "/api/v1/products?shelf=new", token: reader}, http.StatusOK, &got)
			var codes []string
			for _, p := range got.Data {
				codes = append(codes, p.Code)
			}
			if diff := cmp.Diff([]string{"MC-26S-001", "MC-26S-002"}, codes); diff != "" {
				t.Errorf("new shelf (-want +got):\n%s", diff)
			}
			if got.Data[0].Images == nil {
				t.Error("images is null, want []")
			}
			wantError(t, e.do(t, request{method: "GET", path: "/api/v1/products?shelf=attic", token: reader}), http.StatusBadRequest, fanmail.EINVALID, "shelf")
			wantError(t, e.do(t, request{method: "GET", path: "/api/v1/products?brand_id=x", token: reader}), http.StatusBadRequest, fanmail.EINVALID, "brand_id")
		})

		t.Run("PatchAndPublish", func(t *testing.T) {
			p := products["MC-26S-001"]
			var got productJSON
			e.call(t, request{method: "PATCH", path: fmt.Sprintf("/api/v1/products/%d", p.ID), token: tok,
				body: `{"shelf":"sale","price":59000,"published":false}`}, http.StatusOK, &got)
			if got.Shelf != "sale" || got.Price != 59000 || got.Published || got.Name != p.Name {
				t.Errorf("patched product = %+v", got)
			}
			var pub list[productJSON]
			e.call(t, request{method: "GET", path: "/api/v1/products?published_only=true", token: reader}, http.StatusOK, &pub)
			for _, x := range pub.Data {
				if x.ID == p.ID {
					t.Error("unpublished product listed with published_only=true")
				}
			}
			var all list[productJSON]
			e.call(t, request{method: "GET", path: "/api/v1/products", token: reader}, http.StatusOK, &all)
			if len(all.Data) != 4 {
				t.Errorf("%d products listed, want 4 (unpublished included)", len(all.Data))
			}
			var bg groupJSON
			e.call(t, request{method: "PATCH", path: fmt.Sprintf("/api/v1/brand-groups/%d", g.ID), token: tok, body: `{"name_en":"Casual wear"}`}, http.StatusOK, &bg)
			if bg.NameEn != "Casual wear" || bg.NameKo != "캐주얼" || bg.Slug != "casual" {
				t.Errorf("patched group = %+v", bg)
			}
			var br brandJSON
			e.call(t, request{method: "PATCH", path: fmt.Sprintf("/api/v1/brands/%d", b.ID), token: tok, body: `{"description_en":"Urban casual"}`}, http.StatusOK, &br)
			if br.DescriptionEn != "Urban casual" || br.DescriptionKo != "도회적인 캐주얼" {
				t.Errorf("patched brand = %+v", br)
			}
			wantError(t, e.do(t, request{method: "PATCH", path: fmt.Sprintf("/api/v1/brands/%d", b.ID), token: reader, body: `{"name":"x"}`}), http.StatusForbidden, fanmail.EFORBIDDEN, "")
		})

		t.Run("GetOne", func(t *testing.T) {
			var gotG groupJSON
			e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/brand-groups/%d", g.ID), token: reader}, http.StatusOK, &gotG)
			var gotB brandJSON
			e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/brands/%d", b.ID), token: reader}, http.StatusOK, &gotB)
			if gotG.ID != g.ID || gotB.Name != "미앤씨" || gotB.GroupID != g.ID {
				t.Errorf("group %+v brand %+v", gotG, gotB)
			}
			var brands list[brandJSON]
			e.call(t, request{method: "GET", path: fmt.Sprintf("/api/v1/brands?group_id=%d", g.ID), token: reader}, http.StatusOK, &brands)
			var groups list[groupJSON]
			e.call(t, request{method: "GET", path: "/api/v1/brand-groups", token: reader}, http.StatusOK, &groups)
			if len(brands.Data) != 1 || len(groups.Data) != 1 {
				t.Errorf("%d brands, %d groups; want 1 each", len(brands.Data), len(groups.Data))
			}
			for _, path := range []string{"/api/v1/brand-groups/999999", "/api/v1/brands/999999", "/api/v1/products/999999", "/api/v1/products/0"} {
				wantError(t, e.do(t, request{method: "GET", path: path, token: reader}), http.StatusNotFound, fanmail.ENOTFOUND, "")
			}
		})
	})
}
