package admin

import (
	"slices"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/segment"
	"github.com/fanmail/fanmail/internal/web"
)

// --- what the builder shows ---

// segEditPage is the builder page; labels are already translated.
type segEditPage struct {
	ID         int64
	Name       string
	Lang       string
	Fields     []segOption
	Root       segGroupView
	Count      segCountView
	Error      string // message key
	ErrorField string // "name" or a form path
}

type segOption struct {
	Value, Label string
	Selected     bool
}

// segCheck is one checkbox; Heading, when set, starts a new block (a brand
// group above its brands).
type segCheck struct {
	Value, Label, Heading string
	Checked               bool
}

type segGroupView struct {
	Path       string
	Op         string
	IsRoot     bool
	CanNest    bool
	Conditions []segCondView
	Groups     []segGroupView
	Error      string
	Page       *segEditPage
}

// segCondView is one condition row with the widgets its field needs.
type segCondView struct {
	Path      string
	Field     string
	Ops       []segOption
	Checks    []segCheck
	CheckName string      // "values" or "ids"
	Questions []segOption // FieldAnswer: the question to pick first
	Question  int64
	Purposes  []segOption // FieldConsent
	Text      string      // FieldPostalCode: prefixes
	ShowDays  bool
	DaysNote  string // what an empty number of days means, if anything; set for an optional window, which the row then introduces
	Days      string
	ShowDate  bool
	Date      string
	ShowNum   bool
	NumUnit   string
	Number    string
	Error     string
	Page      *segEditPage
}

var segFieldLabels = map[string]string{
	fanmail.FieldGender:      "Gender",
	fanmail.FieldAgeBand:     "Age band",
	fanmail.FieldRegion:      "Region",
	fanmail.FieldPostalCode:  "Postal code",
	fanmail.FieldAnswer:      "Profile answer",
	fanmail.FieldBrand:       "Favourite brand",
	fanmail.FieldBrandGroup:  "Favourite brand group",
	fanmail.FieldConsent:     "Consent",
	fanmail.FieldRegistered:  "Registered",
	fanmail.FieldSource:      "Registration source",
	fanmail.FieldShop:        "Registering shop",
	fanmail.FieldStatus:      "Member status",
	fanmail.FieldOpened:      "Opened a campaign mail",
	fanmail.FieldClicked:     "Clicked in a campaign mail",
	fanmail.FieldBoughtBrand: "Bought from brand",
	fanmail.FieldOrderCount:  "Number of orders",
	fanmail.FieldOrderTotal:  "Total order amount",
	fanmail.FieldLastOrder:   "Last order",

	fanmail.FieldPreferredGroup:  "Analysis: preferred brand group",
	fanmail.FieldPurchasePattern: "Analysis: purchase pattern",
}

var segOpLabels = map[string]string{
	fanmail.OpIn:            "is any of",
	fanmail.OpNotIn:         "is none of",
	fanmail.OpAll:           "is all of",
	fanmail.OpGranted:       "granted",
	fanmail.OpNotGranted:    "not granted",
	fanmail.OpBefore:        "before",
	fanmail.OpOnOrAfter:     "on or after",
	fanmail.OpWithinDays:    "in the last",
	fanmail.OpNotWithinDays: "not in the last",
	fanmail.OpAtLeast:       "at least",
	fanmail.OpLessThan:      "less than",
}

// segValueLabel returns the message key naming value x of field f, or x
// itself when f's values are shown as they are (age bands, postal codes).
func segValueLabel(f, x string) string {
	switch f {
	case fanmail.FieldGender:
		return fanmail.GenderLabel(x)
	case fanmail.FieldStatus:
		return fanmail.MemberStatusLabel(x)
	case fanmail.FieldSource:
		return fanmail.SourceLabel(x)
	case fanmail.FieldConsent:
		return fanmail.PurposeLabel(x)
	}
	return x
}

func fieldOptions(lang string) []segOption {
	var out []segOption
	for _, f := range fanmail.SegmentFields {
		out = append(out, segOption{Value: f, Label: i18n.T(lang, segFieldLabels[f])})
	}
	return out
}

func (page *segEditPage) groupView(ch segment.Choices, g segGroupForm, path string, depth int) segGroupView {
	v := segGroupView{Path: path, Op: g.Op, IsRoot: depth == 1, CanNest: depth < fanmail.MaxSegmentDepth, Page: page}
	if page.ErrorField == path {
		v.Error = page.Error
	}
	for i, c := range g.Conditions {
		v.Conditions = append(v.Conditions, page.condView(ch, c, fanmail.SegmentPath(path, 'c', i)))
	}
	for i, sub := range g.Groups {
		v.Groups = append(v.Groups, page.groupView(ch, sub, fanmail.SegmentPath(path, 'g', i), depth+1))
	}
	return v
}

func (page *segEditPage) condView(ch segment.Choices, c fanmail.SegmentCondition, path string) segCondView {
	lang := page.Lang
	tr := func(s string) string { return i18n.T(lang, s) }
	v := segCondView{Path: path, Field: c.Field, Question: c.Question, Page: page}
	if page.ErrorField == path {
		v.Error = page.Error
	}
	for _, op := range fanmail.SegmentOps(c.Field) {
		v.Ops = append(v.Ops, segOption{Value: op, Label: tr(segOpLabels[op]), Selected: op == c.Op})
	}
	values := func(vals []string, label func(string) string) {
		v.CheckName = "values"
		for _, x := range vals {
			v.Checks = append(v.Checks, segCheck{Value: x, Label: label(x), Checked: slices.Contains(c.Values, x)})
		}
	}
	id := func(x int64) string { return strconv.FormatInt(x, 10) }
	check := func(x int64, label, heading string) {
		v.CheckName = "ids"
		v.Checks = append(v.Checks, segCheck{Value: id(x), Label: label, Heading: heading, Checked: slices.Contains(c.IDs, x)})
	}
	brands := func() {
		for _, g := range ch.Groups {
			heading := pickLang(lang, g.Group.NameKo, g.Group.NameEn)
			for _, b := range g.Brands {
				check(b.ID, b.Name, heading)
				heading = ""
			}
		}
	}
	days := func(note string) {
		v.ShowDays, v.DaysNote = true, note
		if c.Days > 0 {
			v.Days = strconv.Itoa(c.Days)
		}
	}
	switch c.Field {
	case fanmail.FieldGender:
		values(fanmail.SegmentGenders, func(x string) string { return tr(fanmail.GenderLabel(x)) })
	case fanmail.FieldStatus:
		values(fanmail.SegmentStatuses, func(x string) string { return tr(fanmail.MemberStatusLabel(x)) })
	case fanmail.FieldSource:
		values(fanmail.SegmentSources, func(x string) string { return tr(fanmail.SourceLabel(x)) })
	case fanmail.FieldAgeBand:
		var labels []string
		for _, b := range ch.AgeBands {
			labels = append(labels, b.Label)
		}
		for _, x := range c.Values { // a band typed through the API stays visible
			if !slices.Contains(labels, x) {
				labels = append(labels, x)
			}
		}
		values(labels, func(x string) string { return x })
	case fanmail.FieldRegion:
		var codes []string
		for _, r := range ch.Regions {
			codes = append(codes, r.Code)
		}
		values(codes, func(x string) string {
			if r, ok := fanmail.RegionByCode(x); ok && lang == fanmail.LangEnglish {
				return r.NameEn
			}
			return x
		})
	case fanmail.FieldPostalCode:
		v.Text = strings.Join(c.Values, ", ")
	case fanmail.FieldConsent:
		for _, p := range fanmail.Purposes {
			v.Purposes = append(v.Purposes, segOption{Value: p, Label: tr(fanmail.PurposeLabel(p)), Selected: slices.Contains(c.Values, p)})
		}
	case fanmail.FieldAnswer:
		for _, q := range ch.Questions {
			v.Questions = append(v.Questions, segOption{Value: id(q.ID), Label: pickLang(lang, q.LabelKo, q.LabelEn), Selected: q.ID == c.Question})
			if q.ID == c.Question {
				for _, o := range q.Options {
					check(o.ID, pickLang(lang, o.LabelKo, o.LabelEn), "")
				}
			}
		}
	case fanmail.FieldBrand, fanmail.FieldBoughtBrand:
		brands()
		if c.Field == fanmail.FieldBoughtBrand {
			days("empty: ever")
		}
	case fanmail.FieldBrandGroup, fanmail.FieldPreferredGroup:
		for _, g := range ch.Groups {
			check(g.Group.ID, pickLang(lang, g.Group.NameKo, g.Group.NameEn), "")
		}
	case fanmail.FieldPurchasePattern:
		values(fanmail.PurchasePatterns, func(x string) string { return tr(patternLabels[x]) })
	case fanmail.FieldShop:
		for _, s := range ch.Shops {
			check(s.ID, s.Name, "")
		}
	case fanmail.FieldRegistered:
		if c.Op == fanmail.OpBefore || c.Op == fanmail.OpOnOrAfter {
			v.ShowDate, v.Date = true, c.Date
		} else {
			days("")
		}
	case fanmail.FieldOpened, fanmail.FieldClicked, fanmail.FieldLastOrder:
		days("")
	case fanmail.FieldOrderCount, fanmail.FieldOrderTotal:
		v.ShowNum, v.NumUnit = true, tr("orders")
		if c.Field == fanmail.FieldOrderTotal {
			v.NumUnit = "원"
		}
		if c.Number > 0 {
			v.Number = strconv.FormatInt(c.Number, 10)
		}
		days("empty: ever")
	}
	if v.DaysNote != "" {
		v.DaysNote = tr(v.DaysNote)
	}
	return v
}

func pickLang(lang, ko, en string) string {
	if lang == fanmail.LangEnglish && en != "" {
		return en
	}
	return ko
}

// --- summaries for the list ---

// describeRules returns rules in words, e.g. "Gender is any of: Female AND
// (Favourite brand is any of: 마인 OR …)".
func describeRules(lang string, ch segment.Choices, r fanmail.SegmentRules) string {
	if r.IsEmpty() {
		return i18n.T(lang, "Every member")
	}
	names := map[string]map[int64]string{"brand": {}, "group": {}, "shop": {}, "option": {}}
	for _, g := range ch.Groups {
		names["group"][g.Group.ID] = pickLang(lang, g.Group.NameKo, g.Group.NameEn)
		for _, b := range g.Brands {
			names["brand"][b.ID] = b.Name
		}
	}
	for _, s := range ch.Shops {
		names["shop"][s.ID] = s.Name
	}
	questions := map[int64]string{}
	for _, q := range ch.Questions {
		questions[q.ID] = pickLang(lang, q.LabelKo, q.LabelEn)
		for _, o := range q.Options {
			names["option"][o.ID] = pickLang(lang, o.LabelKo, o.LabelEn)
		}
	}
	tr := func(s string) string { return i18n.T(lang, s) }
	idNames := func(kind string, ids []int64) string {
		var out []string
		for _, id := range ids {
			n, ok := names[kind][id]
			if !ok {
				n = "#" + strconv.FormatInt(id, 10)
			}
			out = append(out, n)
		}
		return strings.Join(out, ", ")
	}
	cond := func(c fanmail.SegmentCondition) string {
		s := tr(segFieldLabels[c.Field])
		if c.Field == fanmail.FieldAnswer {
			s += " (" + questions[c.Question] + ")"
		}
		s += " " + tr(segOpLabels[c.Op])
		var vals []string
		switch c.Field {
		case fanmail.FieldBrand, fanmail.FieldBoughtBrand:
			vals = append(vals, idNames("brand", c.IDs))
		case fanmail.FieldBrandGroup, fanmail.FieldPreferredGroup:
			vals = append(vals, idNames("group", c.IDs))
		case fanmail.FieldPurchasePattern:
			for _, x := range c.Values {
				vals = append(vals, tr(patternLabels[x]))
			}
		case fanmail.FieldShop:
			vals = append(vals, idNames("shop", c.IDs))
		case fanmail.FieldAnswer:
			vals = append(vals, idNames("option", c.IDs))
		case fanmail.FieldOrderCount:
			vals = append(vals, strconv.FormatInt(c.Number, 10))
		case fanmail.FieldOrderTotal:
			vals = append(vals, web.Won(c.Number))
		default:
			for _, x := range c.Values {
				if l := segValueLabel(c.Field, x); l != x {
					x = tr(l)
				}
				vals = append(vals, x)
			}
		}
		if c.Date != "" {
			vals = append(vals, c.Date)
		}
		if c.Days > 0 {
			vals = append(vals, i18n.T(lang, "%d days", c.Days))
		}
		if len(vals) > 0 {
			s += ": " + strings.Join(vals, " · ")
		}
		return s
	}
	var group func(r fanmail.SegmentRules, top bool) string
	group = func(r fanmail.SegmentRules, top bool) string {
		var parts []string
		for _, c := range r.Conditions {
			parts = append(parts, cond(c))
		}
		for _, g := range r.Groups {
			parts = append(parts, group(g, false))
		}
		join := " " + tr("AND") + " "
		if r.Op == fanmail.SegmentOr {
			join = " " + tr("OR") + " "
		}
		s := strings.Join(parts, join)
		if !top && len(parts) > 1 {
			s = "(" + s + ")"
		}
		return s
	}
	return group(r, true)
}
