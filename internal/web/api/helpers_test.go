package api

import (
	"encoding/json"
	"io"
	"strconv"

	"github.com/fanmail/fanmail/internal/catalog"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func storeProductFilter() catalog.ProductFilter { return catalog.ProductFilter{} }

func decodeJSON(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
