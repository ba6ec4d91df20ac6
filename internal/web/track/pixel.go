package track

import (
	"net/http"
	"strings"

	"github.com/fanmail/fanmail"
)

// pixel is a transparent 1×1 GIF.
var pixel = []byte{
	'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff,
	'!', 0xf9, 4, 1, 0, 0, 0, 0, ',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 'D', 1, 0, ';',
}

// open records an open and answers the pixel.
func (h *Handler) open(w http.ResponseWriter, r *http.Request) {
	sig, ok := strings.CutSuffix(r.PathValue("file"), ".gif")
	if !ok {
		http.NotFound(w, r)
		return
	}
	err := h.Tracking.Open(r.Context(), r.PathValue("token"), sig, r.Method == http.MethodHead)
	switch fanmail.ErrorCode(err) {
	case "":
	case fanmail.ENOTFOUND:
		http.NotFound(w, r)
		return
	default:
		// The picture still shows; only the count misses one.
		h.Logger.Error("open not recorded", "err", err)
	}
	hd := w.Header()
	hd.Set("Content-Type", "image/gif")
	hd.Set("Cache-Control", "no-store, no-cache, must-revalidate, private, max-age=0")
	hd.Set("Pragma", "no-cache")
	hd.Set("Expires", "0")
	w.Write(pixel)
}

// click records a click and redirects to the link's URL.
func (h *Handler) click(w http.ResponseWriter, r *http.Request) {
	url, err := h.Tracking.Click(r.Context(), r.PathValue("token"), r.PathValue("link"), r.PathValue("sig"), r.Method == http.MethodHead)
	switch fanmail.ErrorCode(err) {
	case "":
	case fanmail.ENOTFOUND:
		http.NotFound(w, r)
		return
	default:
		h.Logger.Error("click failed", "err", err)
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, url, http.StatusFound)
}
