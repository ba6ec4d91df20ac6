package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// A page is parsed with the partials it calls, directly or through another
// partial or the layout, and without the others: parsed templates stay in
// memory for the life of the process.
func TestNewRenderer_OnlyPartialsCalled(t *testing.T) {
	fsys := fstest.MapFS{
		"layout.html":   {Data: []byte(`{{define "layout"}}<main>{{template "content" .}}</main>{{template "footer"}}{{end}}`)},
		"_footer.html":  {Data: []byte(`{{define "footer"}}<footer>푸터</footer>{{end}}`)},
		"_chip.html":    {Data: []byte(`{{define "chip"}}<b>칩 {{.}}</b>{{if .}}{{template "badge" .}}{{end}}{{end}}`)},
		"_badge.html":   {Data: []byte(`{{define "badge"}}<i>{{.}}</i>{{end}}`)},
		"_unused.html":  {Data: []byte(`{{define "unused"}}never{{end}}`)},
		"member.html":   {Data: []byte(`{{define "content"}}{{range .}}{{template "chip" .}}{{end}}{{end}}`)},
		"plain.html":    {Data: []byte(`{{define "content"}}안녕하세요{{end}}`)},
		"own_defs.html": {Data: []byte(`{{define "content"}}{{template "row" .}}{{end}}{{define "row"}}<p>{{.}}</p>{{end}}`)},
	}
	rd, err := NewRenderer(fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range rd.pages {
		if p.t != nil {
			t.Errorf("page %s parsed before it was shown", name)
		}
	}
	tests := []struct {
		page       string
		data       any
		want       string
		has, hasnt []string
	}{
		{"member", []int{7}, "<main><b>칩 7</b><i>7</i></main><footer>푸터</footer>", []string{"footer", "chip", "badge"}, []string{"unused"}},
		{"plain", nil, "<main>안녕하세요</main><footer>푸터</footer>", []string{"footer"}, []string{"chip", "badge", "unused"}},
		{"own_defs", "x", "<main><p>x</p></main><footer>푸터</footer>", []string{"footer", "row"}, []string{"chip", "unused"}},
	}
	for _, tt := range tests {
		t.Run(tt.page, func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := rd.Render(w, 200, tt.page, tt.data); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(w.Body.String()); got != tt.want {
				t.Errorf("rendered %q, want %q", got, tt.want)
			}
			tmpl, err := rd.template(tt.page)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range tt.has {
				if tmpl.Lookup(name) == nil {
					t.Errorf("page %s lacks template %q", tt.page, name)
				}
			}
			for _, name := range tt.hasnt {
				if tmpl.Lookup(name) != nil {
					t.Errorf("page %s holds template %q, which it never calls", tt.page, name)
				}
			}
		})
	}
}

// A broken page stops the start, though pages are parsed again when first shown.
func TestNewRenderer_BrokenPage(t *testing.T) {
	fsys := fstest.MapFS{
		"layout.html": {Data: []byte(`{{define "layout"}}{{template "content" .}}{{end}}`)},
		"ok.html":     {Data: []byte(`{{define "content"}}ok{{end}}`)},
		"broken.html": {Data: []byte(`{{define "content"}}{{if .X}}unclosed{{end}}`)},
	}
	if _, err := NewRenderer(fsys, nil); err == nil || !strings.Contains(err.Error(), "broken.html") {
		t.Fatalf("NewRenderer with a broken page: %v, want an error naming broken.html", err)
	}
}
