package admin

import (
	"io/fs"
	"regexp"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
)

// Every label and text of the segment builder has a Korean translation.
func TestSegmentTextsTranslated(t *testing.T) {
	var texts []string
	for _, f := range fanmail.SegmentFields {
		texts = append(texts, segFieldLabels[f])
		for _, op := range fanmail.SegmentOps(f) {
			texts = append(texts, segOpLabels[op])
		}
	}
	values := map[string][]string{fanmail.FieldGender: fanmail.SegmentGenders, fanmail.FieldStatus: fanmail.SegmentStatuses,
		fanmail.FieldSource: fanmail.SegmentSources, fanmail.FieldConsent: fanmail.Purposes}
	for f, vs := range values {
		for _, v := range vs {
			texts = append(texts, segValueLabel(f, v))
		}
	}
	for _, p := range fanmail.PurchasePatterns {
		texts = append(texts, patternLabels[p])
	}
	texts = append(texts, "empty: ever", "orders", "Every member", "%d days", "AND", "OR",
		"Segment saved.", "Segment deleted.", "Segments", "New segment", "Edit segment")
	quoted := regexp.MustCompile(`\{\{t \$?[\w.]*Lang "([^"]+)"`)
	for _, name := range []string{"templates/segments.html", "templates/segments_edit.html", "templates/_segments_count.html"} {
		b, err := fs.ReadFile(templates, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range quoted.FindAllStringSubmatch(string(b), -1) {
			texts = append(texts, m[1])
		}
	}
	for _, s := range texts {
		if s == "" {
			t.Errorf("a label is missing")
			continue
		}
		if s != "API" && !i18n.Has(s) {
			t.Errorf("no Korean for %q", s)
		}
	}
}
