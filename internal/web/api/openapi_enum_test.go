package api

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
)

// TestOpenAPI_EnumsMatchConstants keeps the documented values of the
// consent and member enums equal to the root package's lists, so a new
// purpose or source cannot be left out of the document.
func TestOpenAPI_EnumsMatchConstants(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	withNone := func(vs []string) []string { return append([]string{""}, vs...) }
	for _, tt := range []struct {
		schema, property string
		want             []string
	}{
		{"Consent", "purpose", fanmail.Purposes},
		{"ConsentDecision", "purpose", fanmail.Purposes},
		{"Consent", "source", fanmail.ConsentSources},
		{"Member", "source", fanmail.SegmentSources},
		{"Member", "status", fanmail.MemberStatuses},
		{"Member", "gender", withNone(fanmail.Genders)},
		{"Registration", "gender", withNone(fanmail.Genders)},
	} {
		got := doc.Components.Schemas[tt.schema].Properties[tt.property].Enum
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s.%s enum (-constants +document):\n%s", tt.schema, tt.property, diff)
		}
	}
}
