package admin

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
)

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
