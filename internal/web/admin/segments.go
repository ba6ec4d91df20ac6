package admin

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/segment"
	"github.com/fanmail/fanmail/internal/web"
)

// segmentPages serves the segment list and builder. The builder keeps its
// whole state in the form: structural changes (add or remove a condition or a
// group, pick another field) post it to /admin/segments/builder, which
// renders it again; any other change posts it to /admin/segments/count for
// the live count (htmx swaps the fragment; without JavaScript the "Count"
// button does a full round trip).
type segmentPages struct {
	*Handler
	svc   *segment.Service
	count *template.Template // the count fragment alone, for htmx
}

// segmentRoutes registers the segment pages. Without Deps.Segments (tests),
// they build a service over the staff session store's database.
func (h *Handler) segmentRoutes(mux *http.ServeMux) {
	sub, _ := fs.Sub(templates, "templates")
	frag := template.Must(template.New("").Funcs(web.Funcs()).ParseFS(sub, "_segments_count.html"))
	svc := h.Segments
	if svc == nil {
		svc = segment.New(h.Sessions.DB, h.Config.AgeBands, h.Logger)
	}
	p := &segmentPages{Handler: h, svc: svc, count: frag}
	const perm = fanmail.PermManageCampaigns
	mux.Handle("GET /admin/segments", h.page(perm, p.list))
	mux.Handle("GET /admin/segments/new", h.page(perm, p.newForm))
	mux.Handle("POST /admin/segments", h.page(perm, p.create))
	mux.Handle("GET /admin/segments/{id}", h.page(perm, p.editForm))
	mux.Handle("POST /admin/segments/{id}", h.page(perm, p.update))
	mux.Handle("POST /admin/segments/{id}/delete", h.page(perm, p.delete))
	mux.Handle("POST /admin/segments/builder", h.page(perm, p.builder))
	mux.Handle("POST /admin/segments/count", h.page(perm, p.countFragment))
}

// --- list ---

type segmentRow struct {
	fanmail.Segment
	Summary string
}

type segmentsPage struct{ Segments []segmentRow }

func (p *segmentPages) list(w http.ResponseWriter, r *http.Request) error {
	segs, err := p.svc.Segments(r.Context())
	if err != nil {
		return err
	}
	ch, err := p.svc.Choices(r.Context())
	if err != nil {
		return err
	}
	lang := web.Lang(r)
	var rows []segmentRow
	for _, s := range segs {
		rows = append(rows, segmentRow{Segment: s, Summary: describeRules(lang, ch, s.Rules)})
	}
	return p.render(w, r, http.StatusOK, "segments", trTitle(r, "Segments"), segmentsPage{Segments: rows})
}

// --- builder ---

func (p *segmentPages) newForm(w http.ResponseWriter, r *http.Request) error {
	f := segForm{Root: segGroupForm{Op: fanmail.SegmentAnd, Conditions: []fanmail.SegmentCondition{{}}}}
	return p.editPage(w, r, http.StatusOK, f, nil)
}

func (p *segmentPages) editForm(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	s, err := p.svc.Segment(r.Context(), id)
	if err != nil {
		return err
	}
	return p.editPage(w, r, http.StatusOK, segFormOf(s), nil)
}

func (p *segmentPages) create(w http.ResponseWriter, r *http.Request) error {
	f, err := readSegmentForm(r)
	if err != nil {
		return err
	}
	rules, paths := f.Root.rules()
	s, err := p.svc.Create(r.Context(), f.Name, rules, currentUser(r).ID)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		return p.editPage(w, r, http.StatusUnprocessableEntity, f, formError(err, paths))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/segments/%d?flash=%s", s.ID, url.QueryEscape("Segment saved.")), http.StatusSeeOther)
	return nil
}

func (p *segmentPages) update(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := readSegmentForm(r)
	if err != nil {
		return err
	}
	f.ID = id
	rules, paths := f.Root.rules()
	_, err = p.svc.Update(r.Context(), id, f.Name, rules)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		return p.editPage(w, r, http.StatusUnprocessableEntity, f, formError(err, paths))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/segments/%d?flash=%s", id, url.QueryEscape("Segment saved.")), http.StatusSeeOther)
	return nil
}

func (p *segmentPages) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := p.svc.Delete(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/segments?flash="+url.QueryEscape("Segment deleted."), http.StatusSeeOther)
	return nil
}

// builder applies a structural change ("do") to the posted form and renders
// the builder again, with a fresh count.
func (p *segmentPages) builder(w http.ResponseWriter, r *http.Request) error {
	f, err := readSegmentForm(r)
	if err != nil {
		return err
	}
	f.Root.apply(r.PostForm.Get("do"))
	return p.editPage(w, r, http.StatusOK, f, nil)
}

// countFragment counts the posted rules and writes only the count: an
// invalid or empty segment is a message in the fragment, not an error status,
// so htmx swaps it in.
func (p *segmentPages) countFragment(w http.ResponseWriter, r *http.Request) error {
	f, err := readSegmentForm(r)
	if err != nil {
		return err
	}
	cv, err := p.countView(r, f)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := p.count.ExecuteTemplate(&buf, "segment-count", cv); err != nil {
		return fmt.Errorf("render segment count: %w", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = buf.WriteTo(w)
	return err
}

// countView counts f's rules; rule errors become the view's message.
func (p *segmentPages) countView(r *http.Request, f segForm) (segCountView, error) {
	rules, _ := f.Root.rules()
	cv := segCountView{Lang: web.Lang(r), Everyone: rules.IsEmpty()}
	n, err := p.svc.Count(r.Context(), rules)
	switch fanmail.ErrorCode(err) {
	case "":
		cv.Counted, cv.Count = true, n
	case fanmail.EINVALID, fanmail.EUNAVAILABLE:
		cv.Error = fanmail.ErrorMessage(err)
	default:
		return cv, err
	}
	return cv, nil
}

// segCountView is the live count: Count when Counted, else Error (a message key).
type segCountView struct {
	Lang     string
	Counted  bool
	Count    int64
	Everyone bool // no conditions: the count is every member
	Error    string
}

// editPage renders the builder for f; err (EINVALID, its field already a
// form path) is shown next to the field at fault.
func (p *segmentPages) editPage(w http.ResponseWriter, r *http.Request, status int, f segForm, err error) error {
	ch, cerr := p.svc.Choices(r.Context())
	if cerr != nil {
		return cerr
	}
	lang := web.Lang(r)
	page := &segEditPage{ID: f.ID, Name: f.Name, Lang: lang, Fields: fieldOptions(lang)}
	if err != nil {
		page.Error, page.ErrorField = fanmail.ErrorMessage(err), fanmail.ErrorField(err)
	}
	page.Root = page.groupView(ch, f.Root, fanmail.SegmentRoot, 1)
	cv, cerr := p.countView(r, f)
	if cerr != nil {
		return cerr
	}
	page.Count = cv
	title := "Edit segment"
	if f.ID == 0 {
		title = "New segment"
	}
	return p.render(w, r, status, "segments_edit", trTitle(r, title), page)
}

// formError moves a rule error from its rules path to its form path.
func formError(err error, paths map[string]string) error {
	field := fanmail.ErrorField(err)
	if fp, ok := paths[field]; ok {
		return &fanmail.Error{Code: fanmail.EINVALID, Field: fp, Message: fanmail.ErrorMessage(err)}
	}
	return err
}

// --- the form's state ---

// segForm is the builder's state as posted.
type segForm struct {
	ID   int64
	Name string
	Root segGroupForm
}

// segGroupForm is a group as posted; conditions without a field are blank
// rows the user has not filled in yet.
type segGroupForm struct {
	Op         string
	Conditions []fanmail.SegmentCondition
	Groups     []segGroupForm
}

func segFormOf(s fanmail.Segment) segForm {
	var conv func(r fanmail.SegmentRules) segGroupForm
	conv = func(r fanmail.SegmentRules) segGroupForm {
		g := segGroupForm{Op: r.Op, Conditions: slices.Clone(r.Conditions)}
		for _, sub := range r.Groups {
			g.Groups = append(g.Groups, conv(sub))
		}
		return g
	}
	f := segForm{ID: s.ID, Name: s.Name, Root: conv(s.Rules)}
	if len(f.Root.Conditions) == 0 && len(f.Root.Groups) == 0 {
		f.Root.Conditions = []fanmail.SegmentCondition{{}}
	}
	return f
}

func readSegmentForm(r *http.Request) (segForm, error) {
	if err := r.ParseForm(); err != nil {
		return segForm{}, fanmail.Errorf(fanmail.EINVALID, "The form could not be read.")
	}
	f := segForm{Name: strings.TrimSpace(r.PostForm.Get("name"))}
	f.ID, _ = strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
	f.Root = parseGroupForm(r.PostForm, fanmail.SegmentRoot, 1)
	return f, nil
}

// Form field names: PATH.op for a group, PATH.field, PATH.op, PATH.values,
// PATH.ids, PATH.question, PATH.number, PATH.days and PATH.date for a
// condition; PATH.prev and PATH.prevq hold the field and question the row was
// rendered with, so a change of either starts the row afresh.
func parseGroupForm(form url.Values, path string, depth int) segGroupForm {
	g := segGroupForm{Op: fanmail.SegmentAnd}
	if form.Get(path+".op") == fanmail.SegmentOr {
		g.Op = fanmail.SegmentOr
	}
	for _, i := range childIndexes(form, path, 'c') {
		g.Conditions = append(g.Conditions, parseCondition(form, fanmail.SegmentPath(path, 'c', i)))
	}
	if depth < fanmail.MaxSegmentDepth {
		for _, i := range childIndexes(form, path, 'g') {
			g.Groups = append(g.Groups, parseGroupForm(form, fanmail.SegmentPath(path, 'g', i), depth+1))
		}
	}
	return g
}

// childIndexes returns the indexes of path's children of kind ('c' or 'g')
// present in form, ascending.
func childIndexes(form url.Values, path string, kind byte) []int {
	prefix := path + "." + string(kind)
	var out []int
	for key := range form {
		rest, ok := strings.CutPrefix(key, prefix)
		if !ok {
			continue
		}
		num, _, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		if i, err := strconv.Atoi(num); err == nil && i >= 0 && i < 1000 && !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out
}

func parseCondition(form url.Values, p string) fanmail.SegmentCondition {
	c := fanmail.SegmentCondition{Field: form.Get(p + ".field"), Op: form.Get(p + ".op")}
	ops := fanmail.SegmentOps(c.Field)
	if ops == nil {
		return fanmail.SegmentCondition{}
	}
	if prev, ok := form[p+".prev"]; ok && prev[0] != c.Field {
		return fanmail.SegmentCondition{Field: c.Field, Op: ops[0]}
	}
	if !slices.Contains(ops, c.Op) {
		c.Op = ops[0]
	}
	for _, v := range form[p+".values"] {
		for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
			c.Values = append(c.Values, part)
		}
	}
	for _, v := range form[p+".ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			c.IDs = append(c.IDs, id)
		}
	}
	c.Question, _ = strconv.ParseInt(form.Get(p+".question"), 10, 64)
	if prevq, ok := form[p+".prevq"]; ok && prevq[0] != form.Get(p+".question") {
		c.IDs = nil // options of another question
	}
	c.Number, _ = strconv.ParseInt(strings.NewReplacer(",", "", " ", "", "원", "").Replace(form.Get(p+".number")), 10, 64)
	c.Days, _ = strconv.Atoi(strings.TrimSpace(form.Get(p + ".days")))
	c.Date = strings.TrimSpace(form.Get(p + ".date"))
	return c.Tidy()
}

// rules returns the rules the form describes, leaving out blank rows and
// groups left empty, and for each rules path the form path it came from.
func (g segGroupForm) rules() (fanmail.SegmentRules, map[string]string) {
	paths := map[string]string{}
	var conv func(g segGroupForm, formPath, rulesPath string) fanmail.SegmentRules
	conv = func(g segGroupForm, formPath, rulesPath string) fanmail.SegmentRules {
		paths[rulesPath] = formPath
		r := fanmail.SegmentRules{Op: g.Op}
		for i, c := range g.Conditions {
			if c.Field == "" {
				continue
			}
			paths[fanmail.SegmentPath(rulesPath, 'c', len(r.Conditions))] = fanmail.SegmentPath(formPath, 'c', i)
			r.Conditions = append(r.Conditions, c)
		}
		for i, sub := range g.Groups {
			sr := conv(sub, fanmail.SegmentPath(formPath, 'g', i), fanmail.SegmentPath(rulesPath, 'g', len(r.Groups)))
			if !sr.IsEmpty() {
				r.Groups = append(r.Groups, sr)
			}
		}
		return r
	}
	return conv(g, fanmail.SegmentRoot, fanmail.SegmentRoot), paths
}

// apply performs a builder action: "add:PATH" adds a blank condition to the
// group at PATH, "group:PATH" a nested group, "remove:PATH" removes the
// condition or group at PATH. Unknown actions change nothing.
func (g *segGroupForm) apply(do string) {
	verb, path, _ := strings.Cut(do, ":")
	switch verb {
	case "add":
		if t := g.find(path, 1); t != nil {
			t.Conditions = append(t.Conditions, fanmail.SegmentCondition{})
		}
	case "group":
		t := g.find(path, 1)
		if t == nil || depthOf(path) >= fanmail.MaxSegmentDepth {
			return
		}
		op := fanmail.SegmentOr // a nested group usually says the other thing
		if t.Op == fanmail.SegmentOr {
			op = fanmail.SegmentAnd
		}
		t.Groups = append(t.Groups, segGroupForm{Op: op, Conditions: []fanmail.SegmentCondition{{}}})
	case "remove":
		i := strings.LastIndexByte(path, '.')
		if i < 0 || i+2 > len(path) {
			return
		}
		parent := g.find(path[:i], 1)
		n, err := strconv.Atoi(path[i+2:])
		if parent == nil || err != nil || n < 0 {
			return
		}
		switch path[i+1] {
		case 'c':
			if n < len(parent.Conditions) {
				parent.Conditions = slices.Delete(parent.Conditions, n, n+1)
			}
		case 'g':
			if n < len(parent.Groups) {
				parent.Groups = slices.Delete(parent.Groups, n, n+1)
			}
		}
	}
}

// find returns the group at path ("g", "g.g0", …), or nil.
func (g *segGroupForm) find(path string, depth int) *segGroupForm {
	if path == fanmail.SegmentRoot {
		return g
	}
	rest, ok := strings.CutPrefix(path, fanmail.SegmentRoot+".g")
	if !ok {
		return nil
	}
	num, tail, _ := strings.Cut(rest, ".")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n >= len(g.Groups) {
		return nil
	}
	if tail == "" {
		return &g.Groups[n]
	}
	return g.Groups[n].find(fanmail.SegmentRoot+"."+tail, depth+1)
}

func depthOf(path string) int { return strings.Count(path, ".") + 1 }

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

var segValueLabels = map[string]string{
	fanmail.GenderFemale:   "Female",
	fanmail.GenderMale:     "Male",
	fanmail.GenderOther:    "Other",
	fanmail.GenderUnknown:  "Not given",
	fanmail.MemberPending:  "Pending",
	fanmail.MemberActive:   "Active",
	fanmail.MemberInactive: "Inactive",
	fanmail.SourceWeb:      "Website",
	fanmail.SourceShop:     "Shop",
	fanmail.SourceImport:   "Import",
	fanmail.SourceAPI:      "API",
	fanmail.SourceAdmin:    "Staff",

	fanmail.PurposeTerms:          "Terms of service",
	fanmail.PurposePrivacy:        "Privacy policy",
	fanmail.PurposeMarketingEmail: "Marketing e-mails",
	fanmail.PurposeMarketingSMS:   "Marketing SMS",
	fanmail.PurposeNightSMS:       "Night-time SMS ads (21:00–08:00)",
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
		values(fanmail.SegmentGenders, func(x string) string { return tr(segValueLabels[x]) })
	case fanmail.FieldStatus:
		values(fanmail.SegmentStatuses, func(x string) string { return tr(segValueLabels[x]) })
	case fanmail.FieldSource:
		values(fanmail.SegmentSources, func(x string) string { return tr(segValueLabels[x]) })
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
			v.Purposes = append(v.Purposes, segOption{Value: p, Label: tr(segValueLabels[p]), Selected: slices.Contains(c.Values, p)})
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
	case fanmail.FieldBrandGroup:
		for _, g := range ch.Groups {
			check(g.Group.ID, pickLang(lang, g.Group.NameKo, g.Group.NameEn), "")
		}
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
		case fanmail.FieldBrandGroup:
			vals = append(vals, idNames("group", c.IDs))
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
				if l, ok := segValueLabels[x]; ok {
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
