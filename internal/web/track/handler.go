// Package track serves the HTTP endpoints that campaign mail leads back to:
// the open pixel, click redirects, the unsubscribe pages (GET confirms, POST
// is RFC 8058 one-click) and the provider bounce webhook.
//
//	GET  /t/o/{token}/{sig}.gif          open pixel (1×1 GIF, never cached)
//	GET  /t/c/{token}/{linkID}/{sig}     302 to the link's URL
//	GET  /u/{token}/{sig}                unsubscribe confirmation page; changes nothing
//	POST /u/{token}/{sig}                unsubscribe at once (RFC 8058: no cookie, no login, no CSRF token)
//	POST /webhooks/bounces/{provider}    bounces and complaints from an e-mail provider
//
// A link whose signature does not match answers 404 before any database
// access. HEAD requests count as bots, and so do clicks within seconds of the
// mail leaving (link scanners).
//
// # Provider webhook
//
// The body is JSON:
//
//	{"events": [
//	  {"type": "bounce", "bounce_type": "hard", "token": "k3v…", "detail": "5.1.1 user unknown"},
//	  {"type": "bounce", "bounce_type": "soft", "email": "jin@example.com"},
//	  {"type": "complaint", "token": "k3v…"}
//	]}
//
// type is "bounce" or "complaint"; bounce_type "hard" (default) or "soft";
// token is the send token (the VERP return path's local part after
// "bounce+"), email the recipient when the provider cannot give the token.
// The request must carry the header
//
//	X-Fanmail-Signature: sha256=HEX(HMAC-SHA256(secret, raw body))
//
// with the shared secret (FANMAIL_WEBHOOK_SECRET, else the settings row
// "webhook_secret"); a missing or wrong signature gets 401 and changes
// nothing. The answer is 200 with counts:
// {"applied":1,"duplicate":0,"unknown":0,"invalid":0}. Events for unknown
// sends are counted and dropped, not refused, so the provider does not retry
// them.
package track

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/fanmail/fanmail/internal/tracking"
	"github.com/fanmail/fanmail/internal/web"
)

//go:embed templates
var templates embed.FS

// Deps are what the tracking endpoints need.
type Deps struct {
	Logger        *slog.Logger
	Tracking      *tracking.Service
	WebhookSecret []byte // HMAC key of provider webhooks; see tracking.WebhookSecret
	// MaxWebhookBytes bounds a webhook body (default 1 MiB).
	MaxWebhookBytes int64
}

// Handler serves the tracking endpoints.
type Handler struct {
	Deps
	rd *web.Renderer
}

// New parses the unsubscribe pages and returns the handler.
func New(d Deps) (*Handler, error) {
	if d.MaxWebhookBytes <= 0 {
		d.MaxWebhookBytes = 1 << 20
	}
	sub, _ := fs.Sub(templates, "templates")
	rd, err := web.NewRenderer(sub, nil)
	if err != nil {
		return nil, err
	}
	return &Handler{Deps: d, rd: rd}, nil
}

// Routes registers the endpoints on the root mux. They are deliberately not
// behind http.CrossOriginProtection: RFC 8058 one-click unsubscribes are
// cross-site POSTs without cookies, and webhooks are signed instead.
func (h *Handler) Routes(mux *http.ServeMux) {
	// The links carry the send's token: no Referer may pass it on.
	mux.Handle("GET /t/o/{token}/{file}", web.NoReferrer(http.HandlerFunc(h.open))) // GET patterns also match HEAD
	mux.Handle("GET /t/c/{token}/{link}/{sig}", web.NoReferrer(http.HandlerFunc(h.click)))
	mux.Handle("GET /u/{token}/{sig}", web.NoReferrer(h.page(h.unsubscribeForm)))
	mux.Handle("POST /u/{token}/{sig}", web.NoReferrer(h.page(h.unsubscribe)))
	mux.HandleFunc("POST /webhooks/bounces/{provider}", h.webhook)
}

// view is what the layout needs besides the page's own data.
type view struct {
	Lang  string
	Title string
	Page  any
}

type errorView struct {
	Status  int
	Message string
}

func (h *Handler) render(w http.ResponseWriter, status int, lang, name, title string, page any) error {
	w.Header().Set("Cache-Control", "no-store")
	return h.rd.Render(w, status, name, view{Lang: lang, Title: title, Page: page})
}

func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, err error) {
	lang := web.Lang(r)
	msg := web.Message(lang, err)
	if rerr := h.render(w, status, lang, "error", "Error", errorView{Status: status, Message: msg}); rerr != nil {
		http.Error(w, msg, status)
	}
}

// page adapts an HTML handler, behind the input checks of web.CheckInput
// (the unsubscribe pages take ?lang= and a one-click form body).
func (h *Handler) page(fn web.HandlerFunc) http.Handler {
	return web.CheckInput(h.errorPage, web.Limits{}, web.Adapt(h.Logger, h.errorPage, fn))
}
