package api

import "net/http"

// preferencesJSON is a member's favourite brands, the body of
// GET and PUT /api/v1/members/{id}/brands.
type preferencesJSON struct {
	BrandIDs []int64 `json:"brand_ids"`
}

func (h *Handler) getPreferences(w http.ResponseWriter, r *http.Request) error {
	id, err := h.memberID(r)
	if err != nil {
		return err
	}
	return h.writePreferences(w, r, id)
}

// setPreferences replaces the member's favourite brands with the list sent.
func (h *Handler) setPreferences(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id", msgMemberNotFound)
	if err != nil {
		return err
	}
	var in preferencesJSON
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	if in.BrandIDs == nil {
		return invalidField("brand_ids", "Send brand_ids, an array of brand ids ([] for none).")
	}
	if err := h.Members.SetBrands(r.Context(), id, in.BrandIDs); err != nil {
		return renameField(err, registrationField)
	}
	return h.writePreferences(w, r, id)
}

func (h *Handler) writePreferences(w http.ResponseWriter, r *http.Request, memberID int64) error {
	ids, err := h.Members.Brands(r.Context(), memberID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, preferencesJSON{BrandIDs: nonNil(ids)})
}
