package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestAPI_TokenAuth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := e.token(t, fanmail.RoleAdmin)

		t.Run("NoToken", func(t *testing.T) {
			rec := e.do(t, request{method: "GET", path: "/api/v1/members"})
			wantError(t, rec, http.StatusUnauthorized, fanmail.EUNAUTHORIZED, "")
			if got := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
				t.Errorf("WWW-Authenticate %q, want Bearer challenge", got)
			}
		})
		t.Run("NotBearer", func(t *testing.T) {
			rec := e.do(t, request{method: "GET", path: "/api/v1/members", header: map[string]string{"Authorization": "Basic " + admin}})
			wantError(t, rec, http.StatusUnauthorized, fanmail.EUNAUTHORIZED, "")
		})
		t.Run("WrongToken", func(t *testing.T) {
			for _, tok := range []string{"fm_notarealtoken", "nope", admin + "x"} {
				rec := e.do(t, request{method: "GET", path: "/api/v1/members", token: tok})
				wantError(t, rec, http.StatusUnauthorized, fanmail.EUNAUTHORIZED, "")
			}
		})
		t.Run("RevokedToken", func(t *testing.T) {
			plaintext, tok, err := e.staff.CreateToken(context.Background(), "old shop system", fanmail.RoleAdmin, 0)
			if err != nil {
				t.Fatal(err)
			}
			e.call(t, request{method: "GET", path: "/api/v1/members", token: plaintext}, http.StatusOK, nil)
			if err := e.staff.RevokeToken(context.Background(), tok.ID); err != nil {
				t.Fatal(err)
			}
			rec := e.do(t, request{method: "GET", path: "/api/v1/members", token: plaintext})
			wantError(t, rec, http.StatusUnauthorized, fanmail.EUNAUTHORIZED, "")
		})
		t.Run("ShopStaffRole", func(t *testing.T) {
			shop := e.token(t, fanmail.RoleShopStaff)
			e.call(t, request{method: "GET", path: "/api/v1/members", token: shop}, http.StatusOK, nil)
			e.call(t, request{method: "GET", path: "/api/v1/products", token: shop}, http.StatusOK, nil)
			g := e.mustGroup(t, "casual", "캐주얼")
			b := e.mustBrand(t, g.ID, "mienc", "미앤씨")
			body := `{"brand_id":` + itoa(b.ID) + `,"code":"MC-1","name":"린넨 셔츠","shelf":"new"}`
			rec := e.do(t, request{method: "POST", path: "/api/v1/products", token: shop, body: body})
			wantError(t, rec, http.StatusForbidden, fanmail.EFORBIDDEN, "")
			products, err := e.catalog.Products(context.Background(), storeProductFilter())
			if err != nil {
				t.Fatal(err)
			}
			if len(products) != 0 {
				t.Errorf("forbidden call stored %d products", len(products))
			}
			// An admin token may.
			e.call(t, request{method: "POST", path: "/api/v1/products", token: admin, body: body}, http.StatusCreated, nil)
		})
		t.Run("ServiceCentreCannotEdit", func(t *testing.T) {
			m := e.mustMember(t, "jiwoo@example.com", "이지우")
			tok := e.token(t, fanmail.RoleServiceCentre)
			e.call(t, request{method: "GET", path: "/api/v1/members/" + itoa(m.ID), token: tok}, http.StatusOK, nil)
			rec := e.do(t, request{method: "DELETE", path: "/api/v1/members/" + itoa(m.ID), token: tok})
			wantError(t, rec, http.StatusForbidden, fanmail.EFORBIDDEN, "")
		})
	})
}

func TestAPI_OpenAPIIsPublic(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t))
	rec := e.call(t, request{method: "GET", path: "/api/openapi.json"}, http.StatusOK, nil)
	if rec.Body.String() != string(openAPIDocument) {
		t.Error("served document differs from the embedded one")
	}
}
