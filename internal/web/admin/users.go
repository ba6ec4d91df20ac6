package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/web"
)

func (h *Handler) staffRoutes(mux *http.ServeMux) {
	const perm = fanmail.PermManageStaff
	mux.Handle("GET /admin/users", h.page(perm, h.listUsers))
	mux.Handle("GET /admin/users/new", h.page(perm, h.newUserForm))
	mux.Handle("POST /admin/users", h.page(perm, h.createUser))
	mux.Handle("GET /admin/users/{id}", h.page(perm, h.editUserForm))
	mux.Handle("POST /admin/users/{id}", h.page(perm, h.updateUser))
	mux.Handle("POST /admin/users/{id}/password", h.page(perm, h.resetUserPassword))
	mux.Handle("GET /admin/tokens", h.page(perm, h.listTokens))
	mux.Handle("POST /admin/tokens", h.page(perm, h.createToken))
	mux.Handle("POST /admin/tokens/{id}/revoke", h.page(perm, h.revokeToken))
}

// roleOption is a role as offered in a form; Label is an English message key.
type roleOption struct{ Value, Label string }

var roleLabels = map[string]string{
	fanmail.RoleAdmin:          "Administrator",
	fanmail.RoleMarketer:       "Marketer",
	fanmail.RoleCounsellor:     "Counsellor",
	fanmail.RoleShopStaff:      "Shop staff",
	fanmail.RoleServiceCentre:  "Service centre",
	fanmail.RolePrivacyOfficer: "Privacy officer",
}

func roleOptions() []roleOption {
	var opts []roleOption
	for _, r := range fanmail.Roles {
		opts = append(opts, roleOption{r, roleLabels[r]})
	}
	return opts
}

// userRow is a staff user as listed.
type userRow struct {
	fanmail.User
	RoleLabel string
	ShopName  string
}

type usersPage struct{ Users []userRow }

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := h.Staff.Users(r.Context())
	if err != nil {
		return err
	}
	shops, err := h.shopNames(r)
	if err != nil {
		return err
	}
	var rows []userRow
	for _, u := range users {
		rows = append(rows, userRow{User: u, RoleLabel: roleLabels[u.Role], ShopName: shops[u.ShopID]})
	}
	return h.render(w, r, http.StatusOK, "users", trTitle(r, "Staff"), usersPage{Users: rows})
}

func (h *Handler) shopNames(r *http.Request) (map[int64]string, error) {
	shops, err := h.Staff.Shops(r.Context())
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, s := range shops {
		names[s.ID] = s.Name
	}
	return names, nil
}

// userForm creates (ID 0) or edits a staff user; Error and PasswordError are
// English message keys, ErrorField names the field at fault.
type userForm struct {
	ID            int64
	Email         string
	Name          string
	Role          string
	ShopID        int64
	Lang          string
	Active        bool
	LastLoginAt   string
	Roles         []roleOption
	Shops         []fanmail.Shop
	Error         string
	ErrorField    string
	PasswordError string
}

func (h *Handler) userFormPage(w http.ResponseWriter, r *http.Request, status int, f userForm, err error) error {
	shops, serr := h.Staff.Shops(r.Context())
	if serr != nil {
		return serr
	}
	f.Roles, f.Shops = roleOptions(), shops
	if err != nil {
		f.Error, f.ErrorField = fanmail.ErrorMessage(err), fanmail.ErrorField(err)
	}
	title := "Edit staff user"
	if f.ID == 0 {
		title = "New staff user"
	}
	return h.render(w, r, status, "users_edit", trTitle(r, title), f)
}

func (h *Handler) newUserForm(w http.ResponseWriter, r *http.Request) error {
	return h.userFormPage(w, r, http.StatusOK, userForm{Role: fanmail.RoleCounsellor, Lang: fanmail.LangKorean, Active: true}, nil)
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fanmail.Errorf(fanmail.EINVALID, "The form could not be read.")
	}
	nu := staff.NewUser{
		Email:    strings.TrimSpace(r.PostForm.Get("email")),
		Name:     strings.TrimSpace(r.PostForm.Get("name")),
		Role:     r.PostForm.Get("role"),
		ShopID:   formShopID(r),
		Password: r.PostForm.Get("password"),
		Lang:     r.PostForm.Get("lang"),
	}
	_, err := h.Staff.CreateUser(r.Context(), nu)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		f := userForm{Email: nu.Email, Name: nu.Name, Role: nu.Role, ShopID: nu.ShopID, Lang: nu.Lang, Active: true}
		return h.userFormPage(w, r, http.StatusUnprocessableEntity, f, err)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/users?flash="+url.QueryEscape("Staff user created."), http.StatusSeeOther)
	return nil
}

func formShopID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("shop_id")), 10, 64)
	return max(id, 0)
}

func (h *Handler) editUserForm(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	u, err := h.Staff.UserByID(r.Context(), id)
	if err != nil {
		return err
	}
	return h.userFormPage(w, r, http.StatusOK, userFormOf(u, h.Config.Location()), nil)
}

func userFormOf(u fanmail.User, loc *time.Location) userForm {
	f := userForm{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, ShopID: u.ShopID, Lang: u.Lang, Active: u.Active}
	if u.LastLoginAt != nil {
		f.LastLoginAt = web.FormatTime(*u.LastLoginAt, loc)
	}
	return f
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fanmail.Errorf(fanmail.EINVALID, "The form could not be read.")
	}
	// The edit form always posts every field; an unticked box sends nothing.
	shopID, active := formShopID(r), r.PostForm.Get("active") == "1"
	upd := staff.UserUpdate{
		Name:   web.FormField(r, "name"),
		Role:   web.FormField(r, "role"),
		Lang:   web.FormField(r, "lang"),
		ShopID: &shopID,
		Active: &active,
	}
	_, err = h.Staff.UpdateUser(r.Context(), id, upd)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		u, gerr := h.Staff.UserByID(r.Context(), id)
		if gerr != nil {
			return gerr
		}
		f := userFormOf(u, h.Config.Location())
		f.Name, f.Role, f.Lang, f.ShopID, f.Active = userFormValue(upd.Name), userFormValue(upd.Role), userFormValue(upd.Lang), shopID, active
		return h.userFormPage(w, r, http.StatusUnprocessableEntity, f, err)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?flash=%s", id, url.QueryEscape("Saved.")), http.StatusSeeOther)
	return nil
}

func userFormValue(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (h *Handler) resetUserPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fanmail.Errorf(fanmail.EINVALID, "The form could not be read.")
	}
	err = h.Staff.SetPassword(r.Context(), id, r.PostForm.Get("password"))
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		u, gerr := h.Staff.UserByID(r.Context(), id)
		if gerr != nil {
			return gerr
		}
		f := userFormOf(u, h.Config.Location())
		f.PasswordError = fanmail.ErrorMessage(err)
		return h.userFormPage(w, r, http.StatusUnprocessableEntity, f, nil)
	}
	if err != nil {
		return err
	}
	// Resetting one's own password ends one's own session too.
	next := fmt.Sprintf("/admin/users/%d?flash=%s", id, url.QueryEscape("Password changed; the user's sessions were ended."))
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// tokenRow is an API token as listed.
type tokenRow struct {
	fanmail.APIToken
	RoleLabel string
}

// tokensPage lists API tokens and offers the creation form; Plaintext is set
// only on the response to creating one, the one time it is shown.
type tokensPage struct {
	Tokens      []tokenRow
	Roles       []roleOption
	Name        string
	Role        string
	Error       string
	ErrorField  string
	Plaintext   string
	Created     fanmail.APIToken
	CreatedRole string
}

func (h *Handler) tokensPage(w http.ResponseWriter, r *http.Request, status int, name string, p tokensPage) error {
	tokens, err := h.Staff.Tokens(r.Context())
	if err != nil {
		return err
	}
	for _, t := range tokens {
		p.Tokens = append(p.Tokens, tokenRow{APIToken: t, RoleLabel: roleLabels[t.Role]})
	}
	p.Roles = roleOptions()
	return h.render(w, r, status, name, trTitle(r, "API tokens"), p)
}

func (h *Handler) listTokens(w http.ResponseWriter, r *http.Request) error {
	return h.tokensPage(w, r, http.StatusOK, "tokens", tokensPage{Role: fanmail.RoleMarketer})
}

func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fanmail.Errorf(fanmail.EINVALID, "The form could not be read.")
	}
	name, role := strings.TrimSpace(r.PostForm.Get("name")), r.PostForm.Get("role")
	plaintext, t, err := h.Staff.CreateToken(r.Context(), name, role, currentUser(r).ID)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		p := tokensPage{Name: name, Role: role, Error: fanmail.ErrorMessage(err), ErrorField: fanmail.ErrorField(err)}
		return h.tokensPage(w, r, http.StatusUnprocessableEntity, "tokens", p)
	}
	if err != nil {
		return err
	}
	// The secret is in this response only: keep it out of caches and history.
	w.Header().Set("Cache-Control", "no-store")
	return h.tokensPage(w, r, http.StatusOK, "tokens_created", tokensPage{Plaintext: plaintext, Created: t, CreatedRole: roleLabels[t.Role]})
}

func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Staff.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/tokens?flash="+url.QueryEscape("Token revoked."), http.StatusSeeOther)
	return nil
}
