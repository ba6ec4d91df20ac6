package api

import (
	_ "embed"
	"net/http"
)

// openAPIDocument describes every route of the API (OpenAPI 3.1); a test
// keeps it and the route table in step.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPI serves the OpenAPI document; it needs no token.
func (h *Handler) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(openAPIDocument)
	return nil
}
