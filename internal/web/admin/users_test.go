package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func TestUsersAdmin(t *testing.T) {
	db := storetest.OpenSQLite(t)
	e := newStaffEnv(t, db)
	ctx := context.Background()
	e.user(t, "admin@example.com", fanmail.RoleAdmin)
	adminC := e.signIn(t, "admin@example.com")
	shop, err := db.UpsertShop(ctx, fanmail.Shop{Code: "hongdae", Name: "홍대점"})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("Create", func(t *testing.T) {
		form := e.get(t, "/admin/users/new", adminC)
		if form.StatusCode != http.StatusOK || !strings.Contains(form.Body, "홍대점") {
			t.Fatalf("new user form: status %d, shop missing from:\n%s", form.StatusCode, form.Body)
		}
		res := e.post(t, "/admin/users", url.Values{
			"email": {"yerin@example.com"}, "name": {"정예린"}, "role": {fanmail.RoleShopStaff},
			"shop_id": {"1"}, "lang": {"ko"}, "password": {staffTestPassword},
		}, adminC)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/users?flash=") {
			t.Fatalf("create: status %d Location %q body:\n%s", res.StatusCode, res.Header.Get("Location"), res.Body)
		}
		users, _ := e.staff.Users(ctx)
		var found fanmail.User
		for _, u := range users {
			if u.Email == "yerin@example.com" {
				found = u
			}
		}
		if found.Name != "정예린" || found.Role != fanmail.RoleShopStaff || found.ShopID != shop.ID {
			t.Errorf("stored user = %+v", found)
		}
		list := e.get(t, "/admin/users?lang=ko", adminC)
		if !strings.Contains(list.Body, "yerin@example.com") || !strings.Contains(list.Body, "매장 직원") || !strings.Contains(list.Body, "홍대점") {
			t.Errorf("list lacks the new user:\n%s", list.Body)
		}
		// The new user can sign in.
		e.signIn(t, "yerin@example.com")
	})
	t.Run("ErrShortPasswordKeepsInput", func(t *testing.T) {
		req := url.Values{"email": {"doyoon@example.com"}, "name": {"윤도윤"}, "role": {fanmail.RoleCounsellor}, "password": {"short"}}
		res := e.post(t, "/admin/users?lang=ko", req, adminC)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", res.StatusCode)
		}
		for _, want := range []string{"비밀번호는 10자 이상이어야 합니다.", `value="doyoon@example.com"`, `value="윤도윤"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("form lacks %q", want)
			}
		}
		if _, _, err := db.UserCredentials(ctx, "doyoon@example.com"); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("user stored despite the error: %v", err)
		}
	})
	t.Run("ErrDuplicateEmail", func(t *testing.T) {
		res := e.post(t, "/admin/users", url.Values{"email": {"YERIN@example.com"}, "role": {fanmail.RoleAdmin}, "password": {staffTestPassword}, "lang": {"en"}}, adminC)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="user-form"`) {
			t.Errorf("status %d, want 422 with the form", res.StatusCode)
		}
	})
	t.Run("EditAndDeactivate", func(t *testing.T) {
		u, _, err := db.UserCredentials(ctx, "yerin@example.com")
		if err != nil {
			t.Fatal(err)
		}
		c := e.signIn(t, "yerin@example.com")
		path := "/admin/users/" + strconv.FormatInt(u.ID, 10)
		if res := e.get(t, path, adminC); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "yerin@example.com") {
			t.Fatalf("edit form: status %d", res.StatusCode)
		}
		res := e.post(t, path, url.Values{"name": {"정예린"}, "role": {fanmail.RoleCounsellor}, "shop_id": {"0"}, "lang": {"en"}}, adminC)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("update: status %d body:\n%s", res.StatusCode, res.Body)
		}
		got, _ := e.staff.UserByID(ctx, u.ID)
		if got.Role != fanmail.RoleCounsellor || got.ShopID != 0 || got.Lang != "en" || got.Active {
			t.Errorf("after update = %+v; want counsellor, no shop, en, inactive (box unticked)", got)
		}
		if res := e.get(t, "/admin/members", c); res.StatusCode != http.StatusSeeOther {
			t.Errorf("deactivated user's session still works: status %d", res.StatusCode)
		}
	})
	t.Run("ErrLastAdmin", func(t *testing.T) {
		res := e.post(t, "/admin/users/1?lang=ko", url.Values{"name": {""}, "role": {fanmail.RoleMarketer}, "lang": {"ko"}, "active": {"1"}}, adminC)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "활성 관리자가 적어도 한 명은 있어야 합니다.") {
			t.Errorf("status %d body:\n%s", res.StatusCode, res.Body)
		}
	})
	t.Run("ResetPassword", func(t *testing.T) {
		u := e.user(t, "seojun@example.com", fanmail.RoleMarketer)
		c := e.signIn(t, "seojun@example.com")
		path := "/admin/users/" + strconv.FormatInt(u.ID, 10) + "/password"
		if res := e.post(t, path+"?lang=ko", url.Values{"password": {"123"}}, adminC); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="password-error"`) {
			t.Errorf("short password: status %d", res.StatusCode)
		}
		res := e.post(t, path, url.Values{"password": {"완전히 새로운 비밀번호"}}, adminC)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("reset: status %d", res.StatusCode)
		}
		if res := e.get(t, "/admin/members", c); res.StatusCode != http.StatusSeeOther {
			t.Errorf("session survived the reset: status %d", res.StatusCode)
		}
		if _, err := e.staff.Authenticate(ctx, "192.0.2.1", "seojun@example.com", "완전히 새로운 비밀번호"); err != nil {
			t.Errorf("new password refused: %v", err)
		}
	})
}

func TestTokensAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStaffEnv(t, db)
		ctx := context.Background()
		e.user(t, "admin@example.com", fanmail.RoleAdmin)
		c := e.signIn(t, "admin@example.com")

		res := e.post(t, "/admin/tokens", url.Values{"name": {"POS 연동"}, "role": {fanmail.RoleShopStaff}}, c)
		if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create: status %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
		}
		m := regexp.MustCompile(`<code id="token-plaintext">(fm_[A-Z0-9]+)</code>`).FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatalf("no token shown:\n%s", res.Body)
		}
		plain := m[1]
		tok, err := e.staff.TokenRole(ctx, plain)
		if err != nil || tok.Role != fanmail.RoleShopStaff || tok.Name != "POS 연동" {
			t.Fatalf("shown token: %+v, %v", tok, err)
		}
		list := e.get(t, "/admin/tokens", c)
		if strings.Contains(list.Body, plain) {
			t.Error("the token list shows the whole secret")
		}
		if !strings.Contains(list.Body, tok.Prefix) || !strings.Contains(list.Body, "POS 연동") {
			t.Errorf("token not listed:\n%s", list.Body)
		}
		if res := e.post(t, "/admin/tokens?lang=ko", url.Values{"name": {""}, "role": {"admin"}}, c); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "토큰 이름을 입력하세요") {
			t.Errorf("nameless token: status %d", res.StatusCode)
		}
		res = e.post(t, "/admin/tokens/"+strconv.FormatInt(tok.ID, 10)+"/revoke", nil, c)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: status %d", res.StatusCode)
		}
		if _, err := e.staff.TokenRole(ctx, plain); fanmail.ErrorCode(err) != fanmail.EUNAUTHORIZED {
			t.Errorf("revoked token still works: %v", err)
		}
		if res := e.post(t, "/admin/tokens/999/revoke", nil, c); res.StatusCode != http.StatusNotFound {
			t.Errorf("revoking an unknown token: status %d, want 404", res.StatusCode)
		}
	})
}
