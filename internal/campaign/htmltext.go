package campaign

import (
	"html"
	"strings"
)

// htmlToText makes the plain-text part of a mail from its HTML: paragraphs,
// line breaks and list items become lines, a link becomes "text (URL)",
// images and invisible elements (head, style, script) are left out.
func htmlToText(s string) string {
	var t textWriter
	var anchors []anchor
	skip := "" // inside head, style, script or title: skip until its end tag
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			lt = len(s)
		}
		if skip == "" {
			t.text(html.UnescapeString(s[:lt]))
		}
		s = s[lt:]
		if s == "" {
			break
		}
		if strings.HasPrefix(s, "<!--") {
			end := strings.Index(s, "-->")
			if end < 0 {
				break
			}
			s = s[end+3:]
			continue
		}
		gt := strings.IndexByte(s, '>')
		if gt < 0 {
			break
		}
		tag := s[1:gt]
		s = s[gt+1:]
		closing := strings.HasPrefix(tag, "/")
		name := strings.ToLower(tagName(strings.TrimPrefix(tag, "/")))
		if skip != "" {
			if closing && name == skip {
				skip = ""
			}
			continue
		}
		switch name {
		case "head", "style", "script", "title":
			if !closing {
				skip = name
			}
		case "br":
			t.newline()
		case "p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "hr":
			t.breakLines(2)
		case "div", "tr", "td", "th", "section", "article", "header", "footer", "center":
			t.breakLines(1)
		case "li":
			t.breakLines(1)
			if !closing {
				t.text("- ")
			}
		case "a":
			if !closing {
				anchors = append(anchors, anchor{href: html.UnescapeString(attr(tag, "href")), start: t.b.Len()})
				continue
			}
			if len(anchors) == 0 {
				continue
			}
			a := anchors[len(anchors)-1]
			anchors = anchors[:len(anchors)-1]
			label := strings.TrimSpace(t.b.String()[a.start:])
			if label != "" && a.href != "" && a.href != label && !strings.HasPrefix(a.href, "#") &&
				!strings.HasPrefix(a.href, "mailto:") {
				t.text(" (" + a.href + ")")
			}
		}
	}
	return t.String()
}

type anchor struct {
	href  string
	start int
}

// textWriter collects text with collapsed white space and pending line breaks.
type textWriter struct {
	b      strings.Builder
	breaks int  // line breaks owed before the next text
	space  bool // a space is owed before the next text
}

func (t *textWriter) text(s string) {
	if s == "" {
		return
	}
	if isSpace(rune(s[0])) {
		t.space = true
	}
	for _, w := range strings.FieldsFunc(s, isSpace) {
		if t.breaks > 0 {
			if t.b.Len() > 0 {
				t.b.WriteString(strings.Repeat("\n", t.breaks))
			}
			t.breaks, t.space = 0, false
		}
		if t.space && !t.atLineStart() {
			t.b.WriteByte(' ')
		}
		t.b.WriteString(w)
		t.space = true
	}
	t.space = isSpace(rune(s[len(s)-1]))
}

func (t *textWriter) atLineStart() bool {
	s := t.b.String()
	return s == "" || s[len(s)-1] == '\n'
}

// breakLines asks for n line breaks (1: new line, 2: blank line) before
// the next text; breaks do not add up.
func (t *textWriter) breakLines(n int) {
	if t.b.Len() == 0 {
		return
	}
	// On a text line n breaks end it (and leave n-1 blank lines); after a
	// <br> one break has been written already.
	want := n
	if t.atLineStart() {
		want = n - 1
	}
	t.breaks = max(t.breaks, want)
}

// newline is a <br>: always one line break.
func (t *textWriter) newline() {
	if t.breaks > 0 {
		t.b.WriteString(strings.Repeat("\n", t.breaks))
		t.breaks = 0
	}
	t.b.WriteByte('\n')
	t.space = false
}

func (t *textWriter) String() string {
	lines := strings.Split(t.b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	s := strings.Join(lines, "\n")
	for strings.Contains(s, "\n\n\n") {
		s = strings.ReplaceAll(s, "\n\n\n", "\n\n")
	}
	return strings.TrimSpace(s) + "\n"
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' }

// tagName returns the element name at the start of a tag's inside.
func tagName(tag string) string {
	for i := 0; i < len(tag); i++ {
		if c := tag[i]; c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/' {
			return tag[:i]
		}
	}
	return tag
}

// attr returns the raw (still escaped) value of attribute name in the inside
// of a tag, or "".
func attr(tag, name string) string {
	_, v, ok := findAttr(tag, name)
	if !ok {
		return ""
	}
	return tag[v[0]:v[1]]
}

// findAttr locates attribute name in the inside of a tag and returns the
// bounds of its value (without quotes).
func findAttr(tag, name string) (start int, val [2]int, ok bool) {
	lower := strings.ToLower(tag)
	i := len(tagName(tag))
	for i < len(tag) {
		for i < len(tag) && (isSpace(rune(tag[i])) || tag[i] == '/') {
			i++
		}
		ns := i
		for i < len(tag) && tag[i] != '=' && !isSpace(rune(tag[i])) && tag[i] != '/' {
			i++
		}
		key := lower[ns:i]
		for i < len(tag) && isSpace(rune(tag[i])) {
			i++
		}
		if i >= len(tag) || tag[i] != '=' {
			continue
		}
		i++
		for i < len(tag) && isSpace(rune(tag[i])) {
			i++
		}
		var vs, ve int
		if i < len(tag) && (tag[i] == '"' || tag[i] == '\'') {
			q := tag[i]
			vs = i + 1
			end := strings.IndexByte(tag[vs:], q)
			if end < 0 {
				return 0, val, false
			}
			ve = vs + end
			i = ve + 1
		} else {
			vs = i
			for i < len(tag) && !isSpace(rune(tag[i])) {
				i++
			}
			ve = i
		}
		if key == name {
			return ns, [2]int{vs, ve}, true
		}
	}
	return 0, val, false
}
