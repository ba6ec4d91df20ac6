package portal

import (
	"net/http"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/privacy"
)

func (h *Handler) privacyRoutes(mux *http.ServeMux) {
	mux.Handle("GET /privacy", h.optionalMember(h.privacyPolicy))
}

// privacyPage is the privacy policy: the configured policy, the consent
// texts shown today and the customer centre to call when no privacy officer
// is named yet.
type privacyPage struct {
	privacy.Policy
	Current      []fanmail.ConsentWording
	SupportPhone string
}

func (h *Handler) privacyPolicy(w http.ResponseWriter, r *http.Request) error {
	pol, err := h.Privacy.Policy(r.Context())
	if err != nil {
		return err
	}
	p := privacyPage{Policy: pol, SupportPhone: h.Config.SupportPhone}
	for _, wd := range pol.Wordings {
		if wd.Version == pol.Version {
			p.Current = append(p.Current, wd)
		}
	}
	return h.render(w, r, http.StatusOK, "privacy", tr(r, "Privacy policy"), p)
}
