package fanmail_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
)

func TestSegmentCondition_Tidy(t *testing.T) {
	messy := fanmail.SegmentCondition{Values: []string{"female"}, IDs: []int64{3}, Question: 7, Number: 5, Days: 30, Date: "2026-01-01"}
	tests := []struct {
		field, op string
		want      fanmail.SegmentCondition
	}{
		{"gender", "in", fanmail.SegmentCondition{Values: []string{"female"}}},
		{"answer", "in", fanmail.SegmentCondition{Question: 7, IDs: []int64{3}}},
		{"brand", "all", fanmail.SegmentCondition{IDs: []int64{3}}},
		{"bought_brand", "in", fanmail.SegmentCondition{IDs: []int64{3}, Days: 30}},
		{"order_total", "at_least", fanmail.SegmentCondition{Number: 5, Days: 30}},
		{"opened", "within_days", fanmail.SegmentCondition{Days: 30}},
		{"registered", "before", fanmail.SegmentCondition{Date: "2026-01-01"}},
		{"registered", "within_days", fanmail.SegmentCondition{Days: 30}},
		{"preferred_group", "in", fanmail.SegmentCondition{IDs: []int64{3}}},
		{"purchase_pattern", "not_in", fanmail.SegmentCondition{Values: []string{"female"}}},
	}
	for _, tt := range tests {
		c := messy
		c.Field, c.Op = tt.field, tt.op
		tt.want.Field, tt.want.Op = tt.field, tt.op
		if diff := cmp.Diff(tt.want, c.Tidy()); diff != "" {
			t.Errorf("%s %s (-want +got):\n%s", tt.field, tt.op, diff)
		}
	}
}

func TestSegmentRules_JSON(t *testing.T) {
	r := fanmail.SegmentRules{Op: fanmail.SegmentAnd,
		Conditions: []fanmail.SegmentCondition{{Field: "gender", Op: "in", Values: []string{"female"}}},
		Groups: []fanmail.SegmentRules{{Op: fanmail.SegmentOr, Conditions: []fanmail.SegmentCondition{
			{Field: "brand", Op: "in", IDs: []int64{1, 2}}, {Field: "opened", Op: "within_days", Days: 90}}}}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"op":"and","conditions":[{"field":"gender","op":"in","values":["female"]}],` +
		`"groups":[{"op":"or","conditions":[{"field":"brand","op":"in","ids":[1,2]},{"field":"opened","op":"within_days","days":90}]}]}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("valid rules refused: %v", err)
	}
	if r.IsEmpty() || !(fanmail.SegmentRules{Op: "or", Groups: []fanmail.SegmentRules{{Op: "and"}}}).IsEmpty() {
		t.Errorf("IsEmpty wrong")
	}
}

func TestSegmentHelpers(t *testing.T) {
	if b, err := fanmail.ParseAgeBand("21-26"); err != nil || b.Min != 21 || b.Max != 26 {
		t.Errorf("ParseAgeBand(21-26) = %+v, %v", b, err)
	}
	for _, bad := range []string{"", "21-23,24-26", "old", "30-20"} {
		if _, err := fanmail.ParseAgeBand(bad); err == nil {
			t.Errorf("ParseAgeBand(%q) accepted", bad)
		}
	}
	if r, ok := fanmail.RegionByCode("충북"); !ok || !cmp.Equal(r.Prefixes, []string{"충북", "충청북도"}) {
		t.Errorf("RegionByCode(충북) = %+v, %v", r, ok)
	}
	if d, err := fanmail.SegmentDate("2026-02-01"); err != nil || d.UTC().Format("2006-01-02 15:04") != "2026-01-31 15:00" {
		t.Errorf("SegmentDate = %v, %v; want midnight in Korea", d, err)
	}
	if fanmail.SegmentPath(fanmail.SegmentRoot, 'g', 0) != "g.g0" || fanmail.SegmentPath("g.g0", 'c', 2) != "g.g0.c2" {
		t.Errorf("SegmentPath wrong")
	}
}

func TestSegmentCondition_ValidateProfile(t *testing.T) {
	tests := []struct {
		name string
		c    fanmail.SegmentCondition
		ok   bool
	}{
		{"OK group", fanmail.SegmentCondition{Field: "preferred_group", Op: "in", IDs: []int64{1, 2}}, true},
		{"OK not in group", fanmail.SegmentCondition{Field: "preferred_group", Op: "not_in", IDs: []int64{1}}, true},
		{"ErrNoGroup", fanmail.SegmentCondition{Field: "preferred_group", Op: "in"}, false},
		{"ErrGroupAll", fanmail.SegmentCondition{Field: "preferred_group", Op: "all", IDs: []int64{1}}, false},
		{"OK pattern", fanmail.SegmentCondition{Field: "purchase_pattern", Op: "in", Values: []string{"sale", "unknown"}}, true},
		{"ErrNoPattern", fanmail.SegmentCondition{Field: "purchase_pattern", Op: "not_in"}, false},
		{"ErrUnknownPattern", fanmail.SegmentCondition{Field: "purchase_pattern", Op: "in", Values: []string{"cheap"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate("g.c0")
			if (err == nil) != tt.ok {
				t.Fatalf("Validate = %v, want ok %v", err, tt.ok)
			}
			if err != nil && fanmail.ErrorField(err) != "g.c0" {
				t.Errorf("error field %q, want g.c0", fanmail.ErrorField(err))
			}
		})
	}
}
