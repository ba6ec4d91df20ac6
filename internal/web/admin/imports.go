package admin

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/i18n"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/web"
)

func (h *Handler) importRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/imports", h.page(fanmail.PermImportMembers, h.listImports))
	mux.Handle("POST /admin/imports", h.page(fanmail.PermImportMembers, h.uploadImport))
	mux.Handle("GET /admin/imports/{id}", h.page(fanmail.PermImportMembers, h.showImport))
	mux.Handle("GET /admin/members/export.csv", h.page(fanmail.PermImportMembers, h.exportMembers))
	mux.Handle("POST /admin/members/export.csv", h.page(fanmail.PermImportMembers, h.exportMembers))
}

// maxImportBytes bounds an uploaded CSV file (1M members are about 150 MB).
const maxImportBytes = 2 << 30

const (
	importsPerPage      = 50
	importErrorsPerPage = 200
)

// imChoice is a value offered in a form; Label is an English message key.
type imChoice struct{ Value, Label string }

var (
	imStatuses = []imChoice{
		{fanmail.MemberPending, "Pending: they confirm by e-mail first"},
		{fanmail.MemberActive, "Active: the list is already confirmed"},
	}
	imStatusLabels = map[string]string{
		store.ImportRunning: "Running", store.ImportDone: "Done", store.ImportFailed: "Failed",
		member.ImportInterrupted: "Interrupted",
	}
)

// importForm is the upload form as typed.
type importForm struct {
	Status     string
	Consents   []string
	Mapping    string
	Error      string
	ErrorField string
}

// Has reports whether the consent purpose p is ticked.
func (f importForm) Has(p string) bool {
	for _, c := range f.Consents {
		if c == p {
			return true
		}
	}
	return false
}

// importRow is an import as listed and shown.
type importRow struct {
	store.Import
	StatusLabel string
	Percent     int
	Running     bool
}

func newImportRow(imp store.Import) importRow {
	p := member.ImportProgress{BytesDone: imp.BytesDone, BytesTotal: imp.BytesTotal}
	r := importRow{Import: imp, StatusLabel: imStatusLabels[imp.Status], Percent: p.Percent(), Running: imp.Status == store.ImportRunning}
	if imp.Status == store.ImportDone {
		r.Percent = 100
	}
	return r
}

// importsPage lists imports under the upload form.
type importsPage struct {
	Form     importForm
	Statuses []imChoice
	Purposes []mbChoice
	Fields   []string
	Imports  []importRow
	NextURL  string
}

// importPage shows one import: progress while it runs, then its bad rows.
type importPage struct {
	Import        importRow
	MemberStatus  string // label
	Columns       []member.Column
	Consents      []string // labels of the default consents
	Errors        []importErrorRow
	NextErrorsURL string
}

// importErrorRow is a bad row with the file's name for the column at fault.
type importErrorRow struct {
	Line   int64
	Column string
	Reason string
}

func (h *Handler) listImports(w http.ResponseWriter, r *http.Request) error {
	return h.renderImports(w, r, http.StatusOK, importForm{Status: fanmail.MemberPending})
}

func (h *Handler) renderImports(w http.ResponseWriter, r *http.Request, status int, form importForm) error {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	imps, err := h.Members.Imports(r.Context(), before, importsPerPage)
	if err != nil {
		return err
	}
	p := importsPage{Form: form, Statuses: imStatuses, Purposes: mbChoices(fanmail.Purposes, fanmail.PurposeLabel), Fields: member.Fields}
	for _, imp := range imps {
		p.Imports = append(p.Imports, newImportRow(imp))
	}
	if len(imps) == importsPerPage {
		p.NextURL = fmt.Sprintf("/admin/imports?before=%d", imps[len(imps)-1].ID)
	}
	return h.render(w, r, status, "imports", i18n.T(web.Lang(r), "Member import"), p)
}

// uploadImport stores the uploaded file in a temporary file, records the
// import and reads it in the background, then shows the import's page.
func (h *Handler) uploadImport(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBytes)
	up, err := receiveImport(r)
	if up.path != "" {
		defer func() {
			if up.path != "" {
				os.Remove(up.path)
			}
		}()
	}
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		return h.renderImports(w, r, http.StatusUnprocessableEntity, up.formWithError(err))
	}
	if err != nil {
		return err
	}
	req := up.request(currentUser(r).ID)
	id, err := h.Members.BeginImport(r.Context(), req)
	if fanmail.ErrorCode(err) == fanmail.EINVALID {
		return h.renderImports(w, r, http.StatusUnprocessableEntity, up.formWithError(err))
	}
	if err != nil {
		return err
	}
	req.ID = id
	path := up.path
	up.path = "" // the background import removes it
	entry := accessEntry(r, fanmail.AccessEdit, importTarget(id), 0, "")
	go h.runImport(context.WithoutCancel(r.Context()), req, path, entry)
	http.Redirect(w, r, fmt.Sprintf("/admin/imports/%d", id), http.StatusSeeOther)
	return nil
}

// importTarget is the access-log target of a member import.
func importTarget(id int64) string { return "members import " + strconv.FormatInt(id, 10) }

// runImport reads the stored upload; an interrupted run leaves whole batches
// and is completed by uploading the file again. The members it created are
// recorded in the access log as entry, an edit, once it ends.
func (h *Handler) runImport(ctx context.Context, req member.ImportRequest, path string, entry fanmail.AccessEntry) {
	defer os.Remove(path)
	f, err := os.Open(path)
	if err != nil {
		h.Logger.Error("import failed", "import_id", req.ID, "err", err)
		return
	}
	defer f.Close()
	req.Body = f
	res, err := h.Members.Import(ctx, req, nil)
	if err != nil && fanmail.ErrorCode(err) != fanmail.EINVALID {
		h.Logger.Error("import failed", "import_id", req.ID, "err", err)
	}
	if err == nil || res.OK > 0 {
		entry.Count = int(res.OK)
		if err := h.Access.Record(ctx, entry); err != nil {
			h.Logger.Error("import not recorded in the access log", "import_id", req.ID, "err", err)
		}
	}
}

// importUpload is a received upload form.
type importUpload struct {
	form     importForm
	filename string
	path     string // temporary copy of the file
	size     int64
}

func (u importUpload) formWithError(err error) importForm {
	f := u.form
	f.Error, f.ErrorField = fanmail.ErrorMessage(err), fanmail.ErrorField(err)
	return f
}

func (u importUpload) request(userID int64) member.ImportRequest {
	return member.ImportRequest{
		Filename: u.filename, Size: u.size, CreatedBy: userID,
		Status: u.form.Status, DefaultConsents: u.form.Consents, Mapping: parseMapping(u.form.Mapping),
	}
}

// receiveImport reads the multipart form part by part, copying the file to a
// temporary file so an upload of any size needs no memory. Missing or empty
// files and unparsable mappings are EINVALID; too large an upload ETOOLARGE.
func receiveImport(r *http.Request) (importUpload, error) {
	var up importUpload
	mr, err := r.MultipartReader()
	if err != nil {
		return up, fanmail.FieldError("file", "Choose a CSV file to upload.")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return up, web.ErrBodyTooLarge(err)
		}
		if err := up.readPart(part); err != nil {
			return up, err
		}
	}
	if up.path == "" || up.size == 0 {
		return up, fanmail.FieldError("file", "Choose a CSV file to upload.")
	}
	if _, err := mappingErr(up.form.Mapping); err != nil {
		return up, err
	}
	return up, nil
}

func (up *importUpload) readPart(part *multipart.Part) error {
	defer part.Close()
	if part.FormName() == "file" {
		if part.FileName() == "" || up.path != "" {
			return nil
		}
		if err := web.CheckText("file", part.FileName()); err != nil {
			return err
		}
		f, err := os.CreateTemp("", "fanmail-import-*.csv")
		if err != nil {
			return fmt.Errorf("store upload: %w", err)
		}
		up.path, up.filename = f.Name(), part.FileName()
		up.size, err = io.Copy(f, part)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("store upload: %w", web.ErrBodyTooLarge(err))
		}
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(part, 64<<10))
	if err != nil {
		return web.ErrBodyTooLarge(err)
	}
	v := strings.TrimSpace(string(b))
	if err := web.CheckText(part.FormName(), v); err != nil {
		return err // web.CheckInput leaves multipart forms to their readers
	}
	switch part.FormName() {
	case "status":
		up.form.Status = v
	case "consent":
		up.form.Consents = append(up.form.Consents, v)
	case "mapping":
		up.form.Mapping = v
	}
	return nil
}

// parseMapping reads "CSV header = field" lines; mappingErr has checked them.
func parseMapping(s string) map[string]string {
	m, _ := mappingErr(s)
	return m
}

func mappingErr(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		header, field, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(header) == "" {
			return nil, fanmail.FieldError("mapping", "Write one mapping a line: column name = field.")
		}
		m[strings.TrimSpace(header)] = strings.TrimSpace(field)
	}
	return m, nil
}

func (h *Handler) showImport(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	imp, err := h.Members.ImportByID(r.Context(), id)
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	errs, err := h.Members.ImportErrors(r.Context(), id, after, importErrorsPerPage)
	if err != nil {
		return err
	}
	p := importPage{Import: newImportRow(imp), MemberStatus: fanmail.MemberStatusLabel(imp.MemberStatus), Columns: importColumns(imp.ColumnMap)}
	header := map[string]string{}
	for _, c := range p.Columns {
		if c.Field != "" {
			header[c.Field] = c.Header
		}
	}
	for _, e := range errs {
		p.Errors = append(p.Errors, importErrorRow{Line: e.Line, Column: header[e.Field], Reason: e.Reason})
	}
	for _, c := range imp.DefaultConsents {
		p.Consents = append(p.Consents, fanmail.PurposeLabel(c))
	}
	if len(errs) == importErrorsPerPage {
		p.NextErrorsURL = fmt.Sprintf("/admin/imports/%d?after=%d", id, errs[len(errs)-1].Line)
	}
	return h.render(w, r, http.StatusOK, "imports_show", imp.Filename, p)
}

// importColumns reads the "header=field;…" mapping an import recorded.
func importColumns(s string) []member.Column {
	if s == "" {
		return nil
	}
	var cols []member.Column
	for _, pair := range strings.Split(s, ";") {
		i := strings.LastIndexByte(pair, '=')
		if i < 0 {
			continue
		}
		cols = append(cols, member.Column{Header: pair[:i], Field: pair[i+1:]})
	}
	return cols
}

// exportReasonPage asks why a large export is needed before it starts.
type exportReasonPage struct {
	Status string
	Count  int
	Limit  int
	Reason string
	Error  error
}

// exportMembers streams every member (or those of ?status=) as CSV. An
// export of more members than configured needs a reason, posted from the
// form this shows (so it stays out of URLs); the access log keeps it.
func (h *Handler) exportMembers(w http.ResponseWriter, r *http.Request) error {
	f := member.ExportFilter{Status: r.FormValue("status"), Lang: web.Lang(r)}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	n, err := h.Members.CountExport(r.Context(), f)
	if err != nil {
		return err
	}
	if err := h.Access.CheckExport(n, reason); err != nil {
		p := exportReasonPage{Status: f.Status, Count: n, Limit: h.Access.ExportReasonAbove(), Reason: reason}
		if r.Method == http.MethodPost {
			p.Error = err
		}
		return h.render(w, r, http.StatusUnprocessableEntity, "export_reason", trTitle(r, "Export members"), p)
	}
	target := "all members"
	if f.Status != "" {
		target = "status=" + f.Status
	}
	if err := h.logAccess(r, fanmail.AccessExport, target, n, reason); err != nil {
		return err
	}
	cw := &web.CountingWriter{W: w}
	name := "members-" + time.Now().UTC().Format("20060102")
	if f.Status != "" {
		name += "-" + f.Status
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	err = h.Members.Export(r.Context(), cw, f)
	if err != nil && cw.N > 0 {
		// The status line is gone: abort the response so the download
		// shows as failed instead of a silently truncated file.
		h.Logger.Error("export failed", "route", r.Pattern, "bytes", cw.N, "err", err)
		panic(http.ErrAbortHandler)
	}
	if err != nil {
		w.Header().Del("Content-Disposition")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	return err
}
