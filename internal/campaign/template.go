package campaign

import (
	"crypto/rand"
	"errors"
	htmltemplate "html/template"
	"regexp"
	"strconv"
	"strings"
	texttemplate "text/template"
	"text/template/parse"

	"github.com/fanmail/fanmail"
)

// Templates
//
// The subject and the body of a campaign are Go templates
// (https://pkg.go.dev/text/template). The body is HTML, or plain text with
// blank lines between paragraphs; the plain-text part of the mail is made
// from it. These fields and functions exist:
//
//	{{.Member.Name}}            the member's name, e.g. 김민지
//	{{.Member.Code}}            the member id they chose
//	{{.Member.Email}}           their address (better not shown in mail)
//	{{.Member.Age}}             their age this year, empty if unknown
//	{{.Member.Gender}}          여성 / 남성 / 기타 (Female / Male / Other in English mail)
//	{{.Member.FavoriteBrands}}  their favourite brands, "오즈세컨, 시스템"
//	{{.UnsubscribeURL}}         their unsubscribe link
//	{{.Sender.Name}} {{.Sender.Address}} {{.Sender.Phone}} {{.Sender.FromName}}
//	{{.Campaign.Name}}
//	{{default "고객" .Member.Name}}        a member field, or the text when it is empty
//	{{footer}}                          the legal footer: sender name, address, phone, unsubscribe link
//	{{products "brand-slug" "new" 3}}   up to 3 products of a brand's shelf (new, previous, sale;
//	                                    "" for all) with photo, price and a link to the product page
//	{{range productList "brand-slug" "sale" 4}}…{{.Name}} {{.Price}} {{.URL}} {{.ImageURL}}…{{end}}
//	{{won 39000}}                       39,000원
//
// Member fields may only be printed ({{.Member.Name}}, or with default): a
// condition or loop over member data is refused, because a campaign's mail
// is rendered once and personalised by filling in the member fields, which
// is what makes sending fast. Every link in the body is tracked, except links
// containing a member field.

// memberFields, senderFields and campaignFields are what a template sees.
type templateData struct {
	Member         memberFields
	UnsubscribeURL string
	Sender         senderFields
	Campaign       campaignFields
}

type memberFields struct{ Name, Code, Email, Age, Gender, FavoriteBrands string }

type senderFields struct{ Name, FromName, Address, Phone string }

type campaignFields struct{ Name string }

// perMember are the top-level fields that differ from member to member.
var perMember = map[string]map[string]fieldKind{
	"Member": {"Name": fName, "Code": fCode, "Email": fEmail, "Age": fAge, "Gender": fGender,
		"FavoriteBrands": fBrands},
	"UnsubscribeURL": nil,
}

// knownFields lists the other valid top-level field paths.
var knownFields = map[string][]string{
	"Sender":   {"Name", "FromName", "Address", "Phone"},
	"Campaign": {"Name"},
}

// fieldKind says what fills a slot of a rendered campaign.
type fieldKind uint8

const (
	fName fieldKind = iota + 1
	fCode
	fEmail
	fAge
	fGender
	fBrands
	fUnsub
	fOpen
	fClick
)

// slot is a place in the rendered mail filled per member.
type slot struct {
	kind fieldKind
	def  string // printed when the member's value is empty
	link int    // fClick: index into compiled.links
}

// marks hands out the placeholders a template prints where a member field
// goes: a random prefix (so no real text collides), a slot number and "x".
// Letters and digits pass every html/template escaper unchanged.
type marks struct {
	prefix string
	slots  []slot
}

func newMarks() *marks {
	return &marks{prefix: "zq" + strings.ToLower(rand.Text()[:10])}
}

func (m *marks) add(s slot) string {
	m.slots = append(m.slots, s)
	return m.prefix + strconv.Itoa(len(m.slots)-1) + "x"
}

// lookup returns the slot a placeholder stands for, if s is exactly one.
func (m *marks) lookup(s string) (int, bool) {
	rest, ok := strings.CutPrefix(s, m.prefix)
	if !ok || !strings.HasSuffix(rest, "x") {
		return 0, false
	}
	i, err := strconv.Atoi(rest[:len(rest)-1])
	if err != nil || i < 0 || i >= len(m.slots) {
		return 0, false
	}
	return i, true
}

// piece is a run of fixed text or a slot.
type piece struct {
	lit  []byte
	slot int // -1 for fixed text
}

// split cuts s at the placeholders of m.
func (m *marks) split(s string) []piece {
	var ps []piece
	for {
		i := strings.Index(s, m.prefix)
		if i < 0 {
			break
		}
		j := i + len(m.prefix)
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k == j || k >= len(s) || s[k] != 'x' {
			// Not a placeholder after all: keep the prefix as text.
			ps = appendLit(ps, s[:j])
			s = s[j:]
			continue
		}
		n, _ := strconv.Atoi(s[j:k])
		ps = appendLit(ps, s[:i])
		ps = append(ps, piece{slot: n})
		s = s[k+1:]
	}
	return appendLit(ps, s)
}

func appendLit(ps []piece, s string) []piece {
	if s == "" {
		return ps
	}
	if n := len(ps); n > 0 && ps[n-1].slot < 0 {
		ps[n-1].lit = append(ps[n-1].lit, s...)
		return ps
	}
	return append(ps, piece{lit: []byte(s), slot: -1})
}

// templateError turns a parse or execution error of the template named
// field ("subject" or "body") into EINVALID naming the line.
func templateError(field string, err error) error {
	var fe *fanmail.Error
	if errors.As(err, &fe) && fe.Code != "" {
		return fe
	}
	msg := err.Error()
	line := 0
	if m := errLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	if _, after, ok := strings.Cut(msg, "error calling "); ok {
		if _, reason, ok := strings.Cut(after, ": "); ok {
			msg = reason
		}
	} else if m := errField.FindStringSubmatch(msg); m != nil {
		msg = "unknown merge field " + m[1]
	} else if _, after, ok := strings.Cut(msg, `executing "`+field+`" at `); ok {
		msg = after
	}
	msg = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(msg), ":"))
	if fe != nil {
		// A template function's own message (fanmail.Msg): translatable.
		return fieldLineError(field, line, fe)
	}
	return fieldLineError(field, line, strings.TrimSuffix(msg, "."))
}

var (
	errLine  = regexp.MustCompile(`^(?:html/)?template: \w+:(\d+)(?::\d+)?:?`)
	errField = regexp.MustCompile(`at <([^>]+)>: can't evaluate field`)
)

// fieldLineError returns EINVALID for field naming the line and why: reason
// is a message key (our own reasons, translated), Go's template parser's
// English text (shown as it is), or a *fanmail.Error made with fanmail.Msg.
func fieldLineError(field string, line int, reason any) error {
	switch {
	case field == "body" && line > 0:
		return fanmail.FieldErrorf(field, "Template line %d: %s.", line, reason)
	case line > 0:
		return fanmail.FieldErrorf(field, "Subject line %d: %s.", line, reason)
	case field == "body":
		return fanmail.FieldErrorf(field, "Template: %s.", reason)
	}
	return fanmail.FieldErrorf(field, "Subject: %s.", reason)
}

// checkTree refuses member fields anywhere but in a plain print action, and
// unknown top-level fields. top says whether dot is the template data (it is
// not inside range and with).
func checkTree(field string, t *parse.Tree, n parse.Node, top bool) error {
	line := func(n parse.Node) int {
		loc, _ := t.ErrorContext(n)
		parts := strings.Split(loc, ":")
		if len(parts) >= 2 {
			l, _ := strconv.Atoi(parts[1])
			return l
		}
		return 0
	}
	switch n := n.(type) {
	case nil:
		return nil
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := checkTree(field, t, c, top); err != nil {
				return err
			}
		}
	case *parse.ActionNode:
		if err := checkFields(field, line(n), n.Pipe, top); err != nil {
			return err
		}
		if usesMember(n.Pipe, top) && !printOnly(n.Pipe) {
			return fieldLineError(field, line(n), "member fields can only be printed, as in {{.Member.Name}} or {{default \"고객\" .Member.Name}}")
		}
	case *parse.IfNode:
		return checkBranch(field, t, &n.BranchNode, top, top, line(n))
	case *parse.RangeNode:
		return checkBranch(field, t, &n.BranchNode, false, top, line(n))
	case *parse.WithNode:
		return checkBranch(field, t, &n.BranchNode, false, top, line(n))
	case *parse.TemplateNode:
		return fieldLineError(field, line(n), "{{template}} is not supported")
	}
	return nil
}

func checkBranch(field string, t *parse.Tree, b *parse.BranchNode, inner, top bool, line int) error {
	if err := checkFields(field, line, b.Pipe, top); err != nil {
		return err
	}
	if usesMember(b.Pipe, top) {
		return fieldLineError(field, line, "conditions and loops cannot use member fields")
	}
	if err := checkTree(field, t, b.List, inner); err != nil {
		return err
	}
	return checkTree(field, t, b.ElseList, top)
}

// fieldPaths returns the field paths a pipeline reads from the template
// data: .A.B as [A B], $.A.B too.
func fieldPaths(p *parse.PipeNode, top bool, out [][]string) [][]string {
	if p == nil {
		return out
	}
	var visit func(n parse.Node)
	visit = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.FieldNode:
			if top {
				out = append(out, n.Ident)
			}
		case *parse.VariableNode:
			if len(n.Ident) > 1 && n.Ident[0] == "$" {
				out = append(out, n.Ident[1:])
			}
		case *parse.ChainNode:
			visit(n.Node)
		case *parse.PipeNode:
			out = fieldPaths(n, top, out)
		case *parse.CommandNode:
			for _, a := range n.Args {
				visit(a)
			}
		}
	}
	for _, c := range p.Cmds {
		visit(c)
	}
	return out
}

func checkFields(field string, line int, p *parse.PipeNode, top bool) error {
	for _, path := range fieldPaths(p, top, nil) {
		if !knownPath(path) {
			return fieldLineError(field, line, fanmail.Msg("unknown merge field %s", "."+strings.Join(path, ".")))
		}
	}
	return nil
}

func knownPath(path []string) bool {
	if len(path) == 0 {
		return false
	}
	if subs, ok := perMember[path[0]]; ok {
		if subs == nil {
			return len(path) == 1
		}
		_, ok := subs[strings.Join(path[1:], ".")]
		return len(path) == 2 && ok
	}
	if subs, ok := knownFields[path[0]]; ok {
		if len(path) == 1 {
			return true
		}
		for _, s := range subs {
			if len(path) == 2 && path[1] == s {
				return true
			}
		}
	}
	return false
}

func usesMember(p *parse.PipeNode, top bool) bool {
	for _, path := range fieldPaths(p, top, nil) {
		if _, ok := perMember[path[0]]; ok {
			return true
		}
	}
	return false
}

// printOnly reports whether p prints one field: {{.Member.Name}} or
// {{default "text" .Member.Name}}.
func printOnly(p *parse.PipeNode) bool {
	if len(p.Decl) > 0 || len(p.Cmds) != 1 {
		return false
	}
	args := p.Cmds[0].Args
	isField := func(n parse.Node) bool {
		switch n := n.(type) {
		case *parse.FieldNode:
			return true
		case *parse.VariableNode:
			return len(n.Ident) > 1 && n.Ident[0] == "$"
		}
		return false
	}
	switch len(args) {
	case 1:
		return isField(args[0])
	case 3:
		id, ok := args[0].(*parse.IdentifierNode)
		_, isString := args[1].(*parse.StringNode)
		return ok && id.Ident == "default" && isString && isField(args[2])
	}
	return false
}

// parsed is a campaign's subject and body templates, checked.
type parsed struct {
	subject *texttemplate.Template
	body    *htmltemplate.Template
}

// hasHTMLTag matches the start of an HTML tag, comment or doctype.
var hasHTMLTag = regexp.MustCompile(`<[a-zA-Z!/]`)

// parseTemplates parses and checks the subject and body of c with funcs
// (the real functions are bound at execution). Errors are EINVALID.
func parseTemplates(c fanmail.Campaign, funcs map[string]any) (parsed, error) {
	var p parsed
	var err error
	p.subject, err = texttemplate.New("subject").Option("missingkey=error").Funcs(funcs).Parse(c.Subject)
	if err != nil {
		return p, templateError("subject", err)
	}
	if err := checkTree("subject", p.subject.Tree, p.subject.Tree.Root, true); err != nil {
		return p, err
	}
	body := c.Body
	if !hasHTMLTag.MatchString(body) {
		body = plainToHTML(body)
	}
	p.body, err = htmltemplate.New("body").Option("missingkey=error").Funcs(funcs).Parse(body)
	if err != nil {
		return p, templateError("body", err)
	}
	if len(p.body.Templates()) > 1 {
		return p, fieldLineError("body", 0, "{{define}} and {{block}} are not supported")
	}
	if err := checkTree("body", p.body.Tree, p.body.Tree.Root, true); err != nil {
		return p, err
	}
	return p, nil
}

// plainToHTML turns a plain-text body into paragraphs: a blank line starts a
// new paragraph, a line break becomes <br>. Template actions are kept as they are.
func plainToHTML(src string) string {
	src = strings.ReplaceAll(strings.TrimSpace(src), "\r\n", "\n")
	var b strings.Builder
	b.WriteString("<p>")
	for len(src) > 0 {
		if strings.HasPrefix(src, "{{") {
			end := strings.Index(src, "}}")
			if end < 0 {
				b.WriteString(src) // let the parser report it
				break
			}
			b.WriteString(src[:end+2])
			src = src[end+2:]
			continue
		}
		c := src[0]
		switch {
		case c == '\n':
			n := 0
			for n < len(src) && (src[n] == '\n' || src[n] == ' ' || src[n] == '\t') {
				n++
			}
			if strings.Count(src[:n], "\n") > 1 {
				b.WriteString("</p>\n<p>")
			} else {
				b.WriteString("<br>\n")
			}
			src = src[n:]
			continue
		case c == '&':
			b.WriteString("&amp;")
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		default:
			b.WriteByte(c)
		}
		src = src[1:]
	}
	b.WriteString("</p>")
	return b.String()
}
