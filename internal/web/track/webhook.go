package track

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/tracking"
	"github.com/fanmail/fanmail/internal/web"
)

var providerName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

type jsonError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func writeJSONError(w http.ResponseWriter, status int, err error) {
	var body jsonError
	body.Error.Code = fanmail.ErrorCode(err)
	body.Error.Message = fanmail.ErrorMessage(err)
	writeJSON(w, status, body)
}

var errBadSignature = fanmail.Errorf(fanmail.EUNAUTHORIZED, "The webhook signature is missing or wrong.")

// webhook applies bounces and complaints reported by an e-mail provider. The
// raw body must be signed with the shared secret (see the package doc).
func (h *Handler) webhook(w http.ResponseWriter, r *http.Request) {
	provider := r.PathValue("provider")
	if !providerName.MatchString(provider) {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.MaxWebhookBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeJSONError(w, http.StatusRequestEntityTooLarge, fanmail.Errorf(fanmail.ETOOLARGE, "The webhook body is too large."))
			return
		}
		writeJSONError(w, http.StatusBadRequest, fanmail.Errorf(fanmail.EINVALID, "The webhook body could not be read."))
		return
	}
	if !tracking.VerifyWebhook(h.WebhookSecret, body, r.Header.Get(tracking.WebhookSignatureHeader)) {
		h.Logger.Warn("webhook refused: bad signature", "provider", provider, "ip", web.ClientIP(r))
		writeJSONError(w, http.StatusUnauthorized, errBadSignature)
		return
	}
	if err := web.CheckJSON(body, false); err != nil {
		writeJSONError(w, web.StatusOf(err), err)
		return
	}
	res, err := h.Tracking.ApplyWebhook(r.Context(), provider, body)
	if err != nil {
		status := web.StatusOf(err)
		if status >= 500 {
			h.Logger.Error("webhook failed", "provider", provider, "err", err)
		}
		writeJSONError(w, status, err)
		return
	}
	h.Logger.Info("webhook applied", "provider", provider, "applied", res.Applied, "duplicate", res.Duplicate,
		"unknown", res.Unknown, "invalid", res.Invalid)
	writeJSON(w, http.StatusOK, res)
}
