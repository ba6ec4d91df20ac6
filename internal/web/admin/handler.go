// Package admin serves the staff UI under /admin: catalogue, members, imports,
// staff accounts, the survey editor with results and the shop terminal.
package admin

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/accesslog"
	"github.com/fanmail/fanmail/internal/campaign"
	"github.com/fanmail/fanmail/internal/catalog"
	"github.com/fanmail/fanmail/internal/compliance"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/mailbox"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/order"
	"github.com/fanmail/fanmail/internal/privacy"
	"github.com/fanmail/fanmail/internal/segment"
	"github.com/fanmail/fanmail/internal/staff"
	"github.com/fanmail/fanmail/internal/survey"
	"github.com/fanmail/fanmail/internal/tracking"
	"github.com/fanmail/fanmail/internal/web"
)

//go:embed all:templates
var templates embed.FS

// Deps are what the staff UI needs.
type Deps struct {
	Config    config.Config
	Logger    *slog.Logger
	Sessions  *web.Sessions // staff sessions, cookie path /admin
	Staff     *staff.Service
	Catalog   *catalog.Service
	Members   *member.Service
	Campaigns *campaign.Service
	Segments  *segment.Service
	Tracking  *tracking.Service
	Orders    *order.Service
	Surveys   *survey.Service  // survey editor and results
	Loyalty   *loyalty.Service // chips, rewards, redemption, fan rules
	Mailbox   *mailbox.Box     // the built-in mailbox
	// Compliance shows the consent notices' status and runs its jobs; nil:
	// the compliance page answers unavailable.
	Compliance *compliance.Service
	// AfterCommit wakes the outbox after staff queued a message.
	AfterCommit func()
	// Access records and reads the access log; Privacy serves the privacy
	// settings.
	Access  *accesslog.Service
	Privacy *privacy.Service
}

// check reports the first service missing from d: every one is required
// but Compliance, so a page never finds one missing while serving.
func (d Deps) check() error {
	for _, dep := range []struct {
		name    string
		missing bool
	}{
		{"Sessions", d.Sessions == nil}, {"Staff", d.Staff == nil}, {"Catalog", d.Catalog == nil},
		{"Members", d.Members == nil}, {"Campaigns", d.Campaigns == nil}, {"Segments", d.Segments == nil},
		{"Tracking", d.Tracking == nil}, {"Orders", d.Orders == nil}, {"Surveys", d.Surveys == nil},
		{"Loyalty", d.Loyalty == nil}, {"Mailbox", d.Mailbox == nil}, {"Access", d.Access == nil},
		{"Privacy", d.Privacy == nil},
	} {
		if dep.missing {
			return fmt.Errorf("admin: Deps.%s is required", dep.name)
		}
	}
	return nil
}

// Handler serves /admin.
type Handler struct {
	Deps
	rd *web.Renderer
}

// New parses the templates and returns the handler.
func New(d Deps) (*Handler, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	sub, _ := fs.Sub(templates, "templates")
	rd, err := web.NewRenderer(sub, web.TimeFuncs(d.Config.Location()))
	if err != nil {
		return nil, err
	}
	return &Handler{Deps: d, rd: rd}, nil
}

// View is what the layout needs besides the page's own data.
type View struct {
	Lang      string
	Title     string
	User      fanmail.User
	MailLocal string // "mailbox" or "console" when mail does not leave this machine
	Path      string
	Flash     string
	Page      any
}

// Can reports whether the signed-in user has perm; templates use it for menus.
func (v View) Can(perm string) bool { return fanmail.Can(v.User.Role, perm) }

type ctxKey int

const userKey ctxKey = 0

// currentUser returns the signed-in staff user put in the context by page.
func currentUser(r *http.Request) fanmail.User {
	u, _ := r.Context().Value(userKey).(fanmail.User)
	return u
}

func withUser(ctx context.Context, u fanmail.User) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// render writes page name inside the admin layout.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name, title string, page any) error {
	v := View{
		Lang:      web.Lang(r),
		Title:     title,
		User:      currentUser(r),
		MailLocal: h.mailLocal(),
		Path:      r.URL.Path,
		Flash:     knownFlash(r),
		Page:      page,
	}
	return h.rd.Render(w, status, name, v)
}

// mailLocal says where mail stays when it does not leave this machine:
// "mailbox" (no relay set), "console", or "" (a relay sends it).
func (h *Handler) mailLocal() string {
	switch {
	case h.Mailbox.On():
		return "mailbox"
	case h.Config.SMTPURL == "console":
		return "console"
	}
	return ""
}

// errorPage renders an error in the admin layout; unauthenticated visitors are
// sent to the login page instead.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, err error) {
	if status == http.StatusUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/admin/login?next="+r.URL.Path, http.StatusSeeOther)
		return
	}
	lang := web.Lang(r)
	if rerr := h.render(w, r, status, "error", web.Message(lang, errTitle), errorView{Status: status, Message: web.Message(lang, err)}); rerr != nil {
		http.Error(w, web.Message(lang, err), status)
	}
}

type errorView struct {
	Status  int
	Message string
}

// public adapts a handler that needs no signed-in user (login).
func (h *Handler) public(fn web.HandlerFunc) http.Handler {
	return web.Adapt(h.Logger, h.errorPage, fn)
}

// page adapts fn so it runs only for a signed-in, active staff user whose role
// grants perm ("" = any role). The user is in the request context.
func (h *Handler) page(perm string, fn web.HandlerFunc) http.Handler {
	return web.Adapt(h.Logger, h.errorPage, func(w http.ResponseWriter, r *http.Request) error {
		sess, err := h.Sessions.Load(r)
		if err != nil {
			return err
		}
		u, err := h.Staff.UserByID(r.Context(), sess.UserID)
		if err != nil || !u.Active {
			return fanmail.Errorf(fanmail.EUNAUTHORIZED, "You must sign in.")
		}
		if perm != "" && !fanmail.Can(u.Role, perm) {
			return fanmail.Errorf(fanmail.EFORBIDDEN, "You may not do this.")
		}
		return fn(w, r.WithContext(withUser(r.Context(), u)))
	})
}

// Routes registers every admin route on mux, behind cross-origin protection
// and the input checks of web.CheckInput.
func (h *Handler) Routes(mux *http.ServeMux) {
	inner := http.NewServeMux()
	h.authRoutes(inner)      // auth.go: login, logout, dashboard
	h.staffRoutes(inner)     // users.go: staff accounts, API tokens
	h.catalogRoutes(inner)   // catalog.go: groups, brands, products, images
	h.memberRoutes(inner)    // members.go: search, view, edit, deactivate
	h.surveyRoutes(inner)    // survey.go, survey_question.go: surveys, questions, results
	h.shopRoutes(inner)      // shop.go: shop terminal registration
	h.redeemRoutes(inner)    // shop_redeem.go: redemption at the shop terminal
	h.loyaltyRoutes(inner)   // loyalty.go: rewards catalogue, fan rules, ledger reversals
	h.importRoutes(inner)    // imports.go: CSV import and export
	h.segmentRoutes(inner)   // segments.go: segment builder
	h.campaignRoutes(inner)  // campaigns.go: campaigns, preview, progress, statistics
	h.senderRoutes(inner)    // senders.go: sender identities
	h.orderRoutes(inner)     // orders.go: purchases, order CSV import
	h.accessLogRoutes(inner) // accesslog.go: the access log, for the privacy officer
	h.privacyRoutes(inner)   // privacy.go: privacy officer contact, consent wordings
	// compliance.go: the Network Act's notices, retention, job runs
	h.complianceRoutes(inner)
	h.mailboxRoutes(inner) // mailbox.go: the built-in mailbox
	// The member import is the largest upload; each upload handler bounds
	// its own body tighter (orders, images).
	limits := web.Limits{Body: web.MaxFormBytes, Multipart: maxImportBytes}
	mux.Handle("/admin/", web.CrossOrigin(h.errorPage, web.CheckInput(h.errorPage, limits, inner)))
}

var errTitle = fanmail.Errorf(fanmail.EINTERNAL, "Error")

// knownFlash returns the ?flash= notice when it is one of our own messages, so
// a link from elsewhere cannot make the page say anything it likes.
func knownFlash(r *http.Request) string {
	if f := r.URL.Query().Get("flash"); i18n.Has(f) {
		return f
	}
	return ""
}
