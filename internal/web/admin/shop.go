package admin

import (
	"net/http"
	"strconv"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/web"
)

// shopRoutes serves the shop terminal: staff register a customer in the
// store with the same questions as the public join page (seed 000: shop
// terminals), recorded with source "shop" and the staff member's shop.
func (h *Handler) shopRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/shop", h.page(fanmail.PermRegisterShop, h.shopForm))
	mux.Handle("POST /admin/shop", h.page(fanmail.PermRegisterShop, h.shopRegister))
}

// shopPage is the terminal's registration form; Registered is the member
// registered just before (0 if none), to confirm it to the staff member.
type shopPage struct {
	Form       member.Form
	Registered fanmail.Member
	ShopName   string
}

func (h *Handler) shopFormPage(w http.ResponseWriter, r *http.Request, status int, input member.Registration, err error) error {
	ctx := r.Context()
	qs, qerr := h.Members.ProfileQuestions(ctx)
	if qerr != nil {
		return qerr
	}
	groups, gerr := h.Members.BrandGroups(ctx)
	if gerr != nil {
		return gerr
	}
	page := shopPage{Form: member.Form{Questions: qs, Groups: groups, Input: input, Err: err}}
	if id, _ := strconv.ParseInt(r.URL.Query().Get("registered"), 10, 64); id > 0 && err == nil {
		if m, merr := h.Members.MemberByID(ctx, id); merr == nil && m.ShopID == currentUser(r).ShopID {
			page.Registered = m
		}
	}
	if u := currentUser(r); u.ShopID != 0 {
		if shops, serr := h.Staff.Shops(ctx); serr == nil {
			for _, s := range shops {
				if s.ID == u.ShopID {
					page.ShopName = s.Name
				}
			}
		}
	}
	return h.render(w, r, status, "shop", trTitle(r, "Shop terminal"), page)
}

func (h *Handler) shopForm(w http.ResponseWriter, r *http.Request) error {
	return h.shopFormPage(w, r, http.StatusOK, member.Registration{Lang: "ko"}, nil)
}

func (h *Handler) shopRegister(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fanmail.Errorf(fanmail.EINVALID, "The form could not be read.")
	}
	reg := member.RegistrationFromForm(r.PostForm)
	reg.Source, reg.ShopID, reg.IP = fanmail.SourceShop, currentUser(r).ShopID, web.ClientIP(r)
	m, err := h.Members.Register(r.Context(), reg)
	if code := fanmail.ErrorCode(err); code == fanmail.EINVALID || code == fanmail.ECONFLICT {
		return h.shopFormPage(w, r, web.StatusOf(err), reg, err)
	}
	if err != nil {
		return err
	}
	if err := h.logAccess(r, fanmail.AccessEdit, accesslog.MemberTarget(m.ID)+" register", 1, ""); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/shop?registered="+strconv.FormatInt(m.ID, 10), http.StatusSeeOther)
	return nil
}
