package track

import (
	"io"
	"net/http"

	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/web"
)

type unsubscribePage struct {
	Action string // this page's own URL: the button posts here
	Sender string // who the mail came from
	Done   bool
}

// pageLang is the language of an unsubscribe page: ?lang= if given, else the
// member's, else the browser's.
func pageLang(r *http.Request, member string) string {
	if l := i18n.Normalize(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	if l := i18n.Normalize(member); l != "" {
		return l
	}
	return web.Lang(r)
}

// unsubscribeForm shows the confirmation page and changes nothing: mail
// scanners follow every link with GET.
func (h *Handler) unsubscribeForm(w http.ResponseWriter, r *http.Request) error {
	u, err := h.Tracking.UnsubscribeStatus(r.Context(), r.PathValue("token"), r.PathValue("sig"))
	if err != nil {
		return err
	}
	if u.Test {
		return h.render(w, http.StatusOK, pageLang(r, ""), "unsubscribe_testmail", "Unsubscribe", nil)
	}
	return h.render(w, http.StatusOK, pageLang(r, u.Lang), "unsubscribe", "Unsubscribe",
		unsubscribePage{Action: r.URL.Path, Sender: u.Sender, Done: u.Done})
}

// unsubscribe is RFC 8058 one-click: the mail client POSTs
// "List-Unsubscribe=One-Click" without cookies, so the signed URL is the only
// credential. The confirmation page's button posts here too. It answers the
// result page directly (no redirect): one-click clients only look at the status.
func (h *Handler) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	// The body carries nothing we need; read a little so the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(r.Body, 4<<10))
	u, err := h.Tracking.Unsubscribe(r.Context(), r.PathValue("token"), r.PathValue("sig"), web.ClientIP(r))
	if err != nil {
		return err
	}
	if u.Test {
		return h.render(w, http.StatusOK, pageLang(r, ""), "unsubscribe_testmail", "Unsubscribe", nil)
	}
	return h.render(w, http.StatusOK, pageLang(r, u.Lang), "unsubscribed", "Unsubscribed", u)
}
