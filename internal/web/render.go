package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
)

// Renderer holds a surface's pages, parsed once at start-up. Each page file
// NAME.html is parsed together with layout.html and every partial _*.html and
// must define "content" (and may define "title"); Render runs "layout".
type Renderer struct {
	pages map[string]*template.Template
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
func NewRenderer(fsys fs.FS, extra template.FuncMap) (*Renderer, error) {
	funcs := Funcs()
	for k, v := range extra {
		funcs[k] = v
	}
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, err
	}
	partials, _ := fs.Glob(fsys, "_*.html")
	rd := &Renderer{pages: map[string]*template.Template{}}
	for _, name := range names {
		if name == "layout.html" || strings.HasPrefix(name, "_") {
			continue
		}
		files := append([]string{"layout.html", name}, partials...)
		t, err := template.New(name).Funcs(funcs).ParseFS(fsys, files...)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		rd.pages[strings.TrimSuffix(name, ".html")] = t
	}
	return rd, nil
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
	t, ok := rd.pages[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
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
