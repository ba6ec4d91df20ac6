// Package portal serves the public site (catalogue, registration, confirmation)
// and the signed-in member portal.
package portal

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/catalog"
	"github.com/fanmail/fanmail/internal/config"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/loyalty"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/privacy"
	"github.com/fanmail/fanmail/internal/survey"
	"github.com/fanmail/fanmail/internal/web"
)

//go:embed all:templates
var templates embed.FS

// Deps are what the public site and portal need.
type Deps struct {
	Config   config.Config
	Logger   *slog.Logger
	Sessions *web.Sessions // member sessions, cookie path /
	Catalog  *catalog.Service
	Members  *member.Service
	// Surveys serves the answer pages of survey invitations; nil builds one
	// over the session store's database.
	Surveys *survey.Service
	Loyalty *loyalty.Service // chips, gift certificates and redemption
	// Privacy is the privacy policy (/privacy); nil builds one over the
	// session store's database with the default retention.
	Privacy *privacy.Service
}

// Handler serves the public site and the member portal.
type Handler struct {
	Deps
	rd *web.Renderer
}

// New parses the templates and returns the handler.
func New(d Deps) (*Handler, error) {
	sub, _ := fs.Sub(templates, "templates")
	rd, err := web.NewRenderer(sub, web.TimeFuncs(d.Config.Location()))
	if err != nil {
		return nil, err
	}
	if d.Surveys == nil && d.Sessions != nil {
		d.Surveys = survey.New(d.Sessions.DB, d.Logger, survey.Options{AgeBands: d.Config.AgeBands, BaseURL: d.Config.BaseURL})
	}
	if d.Privacy == nil && d.Sessions != nil {
		d.Privacy = privacy.New(d.Sessions.DB, nil, nil)
	}
	return &Handler{Deps: d, rd: rd}, nil
}

// View is what the layout needs besides the page's own data.
type View struct {
	Lang   string
	Title  string
	Member fanmail.Member // zero when nobody is signed in
	Path   string
	Flash  string
	Page   any
}

type ctxKey int

const memberKey ctxKey = 0

// currentMember returns the signed-in member put in the context by portalPage
// or optionalMember.
func currentMember(r *http.Request) fanmail.Member {
	m, _ := r.Context().Value(memberKey).(fanmail.Member)
	return m
}

func withMember(ctx context.Context, m fanmail.Member) context.Context {
	return context.WithValue(ctx, memberKey, m)
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name, title string, page any) error {
	return h.rd.Render(w, status, name, View{
		Lang:   web.Lang(r),
		Title:  title,
		Member: currentMember(r),
		Path:   r.URL.Path,
		Flash:  knownFlash(r),
		Page:   page,
	})
}

type errorView struct {
	Status  int
	Message string
}

func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, err error) {
	if status == http.StatusUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	lang := web.Lang(r)
	if rerr := h.render(w, r, status, "error", "Error", errorView{Status: status, Message: web.Message(lang, err)}); rerr != nil {
		http.Error(w, web.Message(lang, err), status)
	}
}

// public adapts a handler open to everyone.
func (h *Handler) public(fn web.HandlerFunc) http.Handler {
	return web.Adapt(h.Logger, h.errorPage, fn)
}

// Routes registers the public site and portal on mux, behind cross-origin
// protection and the input checks of web.CheckInput.
func (h *Handler) Routes(mux *http.ServeMux) {
	inner := http.NewServeMux()
	h.catalogRoutes(inner) // catalog.go: home, groups, brands, products, downloads, media
	h.memberRoutes(inner)  // join.go, portal.go: join, confirm, login, portal
	h.surveyRoutes(inner)  // survey.go: answer pages of survey invitations
	h.rewardRoutes(inner)  // rewards.go: chips, gift certificates, redemption
	h.privacyRoutes(inner) // privacy.go: the privacy policy
	h.leaveRoutes(inner)   // leave.go: the member's copy of their data, leaving (탈퇴)
	mux.Handle("/", web.CrossOrigin(h.errorPage, web.CheckInput(h.errorPage, web.Limits{}, inner)))
}

// knownFlash returns the ?flash= notice when it is one of our own messages, so
// a link from elsewhere cannot make the page say anything it likes.
func knownFlash(r *http.Request) string {
	if f := r.URL.Query().Get("flash"); i18n.Has(f) {
		return f
	}
	return ""
}
