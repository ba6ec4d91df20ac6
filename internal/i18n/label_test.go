package i18n_test

import (
	"slices"
	"testing"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
)

// Every value of an enum shown to people has a label of its own, and every
// label has a Korean translation.
func TestEnumLabelsTranslated(t *testing.T) {
	enums := []struct {
		name   string
		values []string
		label  func(string) string
	}{
		{"purpose", fanmail.Purposes, fanmail.PurposeLabel},
		{"consent source", fanmail.ConsentSources, fanmail.SourceLabel},
		{"member source", fanmail.SegmentSources, fanmail.SourceLabel},
		{"gender", append(slices.Clone(fanmail.SegmentGenders), ""), fanmail.GenderLabel},
		{"member status", fanmail.MemberStatuses, fanmail.MemberStatusLabel},
		{"segment status", fanmail.SegmentStatuses, fanmail.MemberStatusLabel},
	}
	for _, e := range enums {
		seen := map[string]string{}
		for _, v := range e.values {
			l := e.label(v)
			switch {
			case l == v || l == "":
				t.Errorf("%s %q has no label", e.name, v)
			case !i18n.Has(l):
				t.Errorf("%s %q: no Korean for %q", e.name, v, l)
			}
			if w, ok := seen[l]; ok && !(e.name == "gender" && l == "Not given") {
				t.Errorf("%s %q and %q share the label %q", e.name, w, v, l)
			}
			seen[l] = v
		}
	}
}
