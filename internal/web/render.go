package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template/parse"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
)

// Renderer holds a surface's pages. Each page file NAME.html is parsed
// together with layout.html and the partials _*.html it calls, and must
// define "content" (and may define "title"); Render runs "layout".
// NewRenderer parses every page, so a broken template stops the start; the
// parsed templates are then dropped and each page is parsed again the first
// time it is shown: pages that nobody opens take no memory.
type Renderer struct {
	fsys  fs.FS
	funcs template.FuncMap
	pages map[string]*page
}

// page is one page's files and, once shown, its parsed templates.
type page struct {
	files []string
	once  sync.Once
	t     *template.Template
	err   error
}

// translate is the template function t: msg is a message key (English
// text) or an error carrying one with arguments (from a form), rendered in
// lang.
func translate(lang string, msg any, args ...any) string {
	switch m := msg.(type) {
	case string:
		return i18n.T(lang, m, args...)
	case *fanmail.Error:
		if m == nil {
			return ""
		}
		return m.Text(func(msg string, args ...any) string { return i18n.T(lang, msg, args...) })
	case nil:
		return ""
	}
	return fmt.Sprint(msg)
}

// Funcs are the template functions every surface gets; date and dateptr
// show times in UTC unless TimeFuncs replace them.
func Funcs() template.FuncMap {
	f := template.FuncMap{
		"t":      translate,
		"static": StaticURL,
		"won":    Won,
		"has": func(ids []int64, id int64) bool {
			for _, x := range ids {
				if x == id {
					return true
				}
			}
			return false
		},
		"add": func(a, b int) int { return a + b },
		// genders and genderLabel offer the genders with their one label.
		"genders":     func() []string { return fanmail.Genders },
		"genderLabel": fanmail.GenderLabel,
		"pick": func(lang, ko, en string) string {
			if lang == "en" && en != "" {
				return en
			}
			return ko
		},
	}
	maps.Copy(f, TimeFuncs(time.UTC))
	return f
}

// TimeFuncs returns the template functions date (a time.Time) and dateptr
// (a *time.Time, nil shown as nothing) showing times in loc, the company
// time zone, labelled with its abbreviation: "2026-03-01 19:00 KST".
func TimeFuncs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"date": func(t time.Time) string { return FormatTime(t, loc) },
		"dateptr": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return FormatTime(*t, loc)
		},
	}
}

// FormatTime shows t in loc to the minute with the zone's abbreviation
// ("2026-03-01 19:00 KST"); the zero time is "".
func FormatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// NewRenderer parses every page of fsys; extra funcs are added to Funcs().
// A page is parsed with layout.html and only the partials it calls (directly
// or through another partial): parsed templates stay in memory for the life
// of the process, and every partial in every page cost 8 MB of the 13 MB the
// admin and portal pages took at idle.
func NewRenderer(fsys fs.FS, extra template.FuncMap) (*Renderer, error) {
	fsys = withShared{fsys}
	funcs := Funcs()
	for k, v := range extra {
		funcs[k] = v
	}
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, err
	}
	partials, _ := fs.Glob(fsys, "_*.html")
	defines := map[string]string{} // template name → partial file defining it
	calls := map[string][]string{} // file → template names it calls
	for _, name := range names {
		t, err := template.New(name).Funcs(funcs).ParseFS(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		for _, d := range t.Templates() {
			if strings.HasPrefix(name, "_") && d.Name() != name {
				defines[d.Name()] = name
			}
			if d.Tree != nil {
				calls[name] = append(calls[name], templateCalls(d.Tree.Root)...)
			}
		}
	}
	rd := &Renderer{fsys: fsys, funcs: funcs, pages: map[string]*page{}}
	for _, name := range names {
		if name == "layout.html" || strings.HasPrefix(name, "_") {
			continue
		}
		p := &page{files: append([]string{"layout.html", name}, partialsCalled(calls, defines, partials, "layout.html", name)...)}
		if _, err := rd.parse(p); err != nil {
			return nil, err
		}
		rd.pages[strings.TrimSuffix(name, ".html")] = p
	}
	return rd, nil
}

func (rd *Renderer) parse(p *page) (*template.Template, error) {
	t, err := template.New(p.files[1]).Funcs(rd.funcs).ParseFS(rd.fsys, p.files...)
	if err != nil {
		return nil, fmt.Errorf("parse template %s: %w", p.files[1], err)
	}
	return t, nil
}

// template returns page name's templates, parsing them on first use.
func (rd *Renderer) template(name string) (*template.Template, error) {
	p, ok := rd.pages[name]
	if !ok {
		return nil, fmt.Errorf("render: no page %q", name)
	}
	p.once.Do(func() { p.t, p.err = rd.parse(p) })
	return p.t, p.err
}

// partialsCalled returns the partial files, in the order of partials, that
// the files from call directly or through each other.
func partialsCalled(calls map[string][]string, defines map[string]string, partials []string, from ...string) []string {
	need := map[string]bool{}
	todo := slices.Clone(from)
	for len(todo) > 0 {
		file := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, call := range calls[file] {
			if p, ok := defines[call]; ok && !need[p] {
				need[p] = true
				todo = append(todo, p)
			}
		}
	}
	var out []string
	for _, p := range partials {
		if need[p] {
			out = append(out, p)
		}
	}
	return out
}

// templateCalls lists the names of the templates n calls with {{template}}.
func templateCalls(n parse.Node) []string {
	var out []string
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			out = append(out, templateCalls(c)...)
		}
	case *parse.TemplateNode:
		out = append(out, n.Name)
	case *parse.IfNode:
		out = append(append(out, templateCalls(n.List)...), templateCalls(n.ElseList)...)
	case *parse.RangeNode:
		out = append(append(out, templateCalls(n.List)...), templateCalls(n.ElseList)...)
	case *parse.WithNode:
		out = append(append(out, templateCalls(n.List)...), templateCalls(n.ElseList)...)
	}
	return out
}

// Pages lists the names of the parsed pages; a test renders each.
func (rd *Renderer) Pages() []string {
	var names []string
	for n := range rd.pages {
		names = append(names, n)
	}
	return names
}

// Render writes page name with data and status. It renders into a buffer
// first so a template error never leaves half a page.
func (rd *Renderer) Render(w http.ResponseWriter, status int, name string, data any) error {
	t, err := rd.template(name)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err = buf.WriteTo(w)
	return err
}

// Won formats an amount of Korean won: 129000 → "129,000원".
func Won(amount int64) string {
	s := strconv.FormatInt(amount, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String() + "원"
	if neg {
		out = "-" + out
	}
	return out
}

// joinURL joins URL path parts.
func joinURL(parts ...string) string { return path.Join(parts...) }

// sharedFS holds the partials every surface's pages may call, such as the
// registration form the join page and the shop terminal share.
//
//go:embed templates/_*.html
var sharedFS embed.FS

// withShared is a surface's templates with the shared partials beside them;
// a surface's own file of the same name wins.
type withShared struct{ fs.FS }

func (w withShared) Open(name string) (fs.File, error) {
	f, err := w.FS.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return sharedFS.Open(path.Join("templates", name))
	}
	return f, err
}

func (w withShared) ReadDir(name string) ([]fs.DirEntry, error) {
	own, err := fs.ReadDir(w.FS, name)
	if err != nil {
		return nil, err
	}
	shared, _ := fs.ReadDir(sharedFS, path.Join("templates", name))
	for _, e := range shared {
		if !slices.ContainsFunc(own, func(o fs.DirEntry) bool { return o.Name() == e.Name() }) {
			own = append(own, e)
		}
	}
	slices.SortFunc(own, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return own, nil
}
