package admin

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"

	"github.com/fanmail/fanmail"
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

// segmentRoutes registers the segment pages.
func (h *Handler) segmentRoutes(mux *http.ServeMux) {
	sub, _ := fs.Sub(templates, "templates")
	frag := template.Must(template.New("").Funcs(web.Funcs()).ParseFS(sub, "_segments_count.html"))
	p := &segmentPages{Handler: h, svc: h.Segments, count: frag}
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
