package web

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/fanmail/fanmail/internal/member"
)

// WriteMemberData sends a member's copy of their data as a download named
// name plus ".json" or ".csv": JSON for format "json", the one-table CSV of
// member.WriteDataCSV for "csv". The portal, the admin UI and the API share
// it.
func WriteMemberData(w http.ResponseWriter, d member.DataCopy, format, name string) error {
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, format))
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		return member.WriteDataCSV(w, d)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}
