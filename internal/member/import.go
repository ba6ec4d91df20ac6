package member

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// ImportRequest asks to import members from a CSV file.
//
// Imported members are "pending" unless Status says "active": fanmail did not
// confirm their addresses, so by default they get no marketing mail until they
// confirm. Staff choose "active" only when migrating a list whose members
// already confirmed (double opt-in elsewhere); confirmed_at stays empty either
// way, since fanmail did not confirm them itself. No confirmation mail is sent
// on import.
type ImportRequest struct {
	// ID is an import recorded by BeginImport (the admin UI shows its page
	// before the rows are read); 0 makes Import record one.
	ID       int64
	Filename string
	Body     io.Reader
	Size     int64 // bytes of Body, for progress; 0 if unknown
	// Mapping maps CSV headers to fields (see Fields), overriding the
	// automatic detection; "" ignores the column.
	Mapping   map[string]string
	CreatedBy int64 // staff user, 0 for the command line
	// DefaultConsents are purposes recorded as granted for every row whose
	// file does not say otherwise (an attested, already opted-in list).
	DefaultConsents []string
	Status          string // fanmail.MemberPending (default) or fanmail.MemberActive
	BatchSize       int    // rows per transaction; 0 means DefaultImportBatch
}

// DefaultImportBatch is how many rows an import writes per transaction: a crash
// loses at most one batch, which re-running the file completes.
const DefaultImportBatch = 2000

// ImportProgress is how far an import got. Rows counts data rows read (bad
// ones included, blank ones not); OK + Bad + Dup = Rows once a batch is written.
type ImportProgress struct {
	ImportID   int64
	Rows       int64
	OK         int64 // members created
	Bad        int64 // rows refused, listed with line numbers
	Dup        int64 // rows whose address was already stored
	BytesDone  int64
	BytesTotal int64
}

// Percent returns the share of the file read, 0–100 (0 if the size is unknown).
func (p ImportProgress) Percent() int {
	if p.BytesTotal <= 0 {
		return 0
	}
	return int(min(100, p.BytesDone*100/p.BytesTotal))
}

// String describes the progress on one line, for the command line.
func (p ImportProgress) String() string {
	s := fmt.Sprintf("import %d: %d rows, %d imported, %d bad, %d duplicates", p.ImportID, p.Rows, p.OK, p.Bad, p.Dup)
	if p.BytesTotal > 0 {
		s += fmt.Sprintf("; %.1f of %.1f MB (%d%%)", float64(p.BytesDone)/1e6, float64(p.BytesTotal)/1e6, p.Percent())
	}
	return s
}

// ImportResult is a finished import.
type ImportResult struct {
	ImportProgress
	Encoding string   // EncodingUTF8, EncodingUTF8BOM or EncodingCP949
	SHA256   string   // of the whole file
	Columns  []Column // how each column of the file was used
}

// Column is a CSV header and the field it fills ("" when ignored).
type Column struct {
	Header string
	Field  string
}

// Import statuses besides the stored ones (store.ImportRunning, ImportDone,
// ImportFailed): a running import whose heartbeat is older than
// importStaleAfter died with its process.
const ImportInterrupted = "interrupted"

const importStaleAfter = 2 * time.Minute

// Messages an import fails with.
var (
	errImportEmpty    = fanmail.Errorf(fanmail.EINVALID, "The file is empty.")
	errImportNoHeader = fanmail.Errorf(fanmail.EINVALID, "The first line must name the columns.")
	errImportNoEmail  = fanmail.Errorf(fanmail.EINVALID, "The file has no e-mail column.")
	errImportStopped  = fanmail.Errorf(fanmail.EUNAVAILABLE, "The import stopped before it finished; upload the same file again to complete it.")
)

// BeginImport checks req's options and records a running import of it, whose
// id goes in req.ID for Import. Bad options are EINVALID.
func (s *Service) BeginImport(ctx context.Context, req ImportRequest) (int64, error) {
	req, err := checkImportRequest(req)
	if err != nil {
		return 0, err
	}
	imp, err := s.db.CreateImport(ctx, store.Import{
		Filename: req.Filename, MemberStatus: req.Status, DefaultConsents: req.DefaultConsents,
		BytesTotal: req.Size, CreatedBy: req.CreatedBy,
	})
	if err != nil {
		return 0, err
	}
	return imp.ID, nil
}

func checkImportRequest(req ImportRequest) (ImportRequest, error) {
	req.Filename = filepath.Base(strings.ReplaceAll(strings.TrimSpace(req.Filename), `\`, "/"))
	if req.Filename == "." || req.Filename == "/" {
		req.Filename = "members.csv"
	}
	if utf8.RuneCountInString(req.Filename) > 200 {
		req.Filename = string([]rune(req.Filename)[:200])
	}
	switch req.Status {
	case "":
		req.Status = fanmail.MemberPending
	case fanmail.MemberPending, fanmail.MemberActive:
	default:
		return req, fanmail.FieldError("status", "Imported members can be pending or active.")
	}
	ds := make([]fanmail.ConsentDecision, 0, len(req.DefaultConsents))
	for _, p := range req.DefaultConsents {
		if !fanmail.IsPurpose(p) {
			return req, fanmail.FieldError("consent", "Unknown consent purpose.")
		}
		ds = append(ds, fanmail.ConsentDecision{Purpose: p, Granted: true})
	}
	if err := checkNightSMS(ds); err != nil {
		return req, err
	}
	for _, f := range req.Mapping {
		if f != "" && !isField(f) {
			return req, fanmail.FieldError("mapping", "Unknown field in the column mapping.")
		}
	}
	if req.BatchSize <= 0 {
		req.BatchSize = DefaultImportBatch
	}
	return req, nil
}

// checkNightSMS applies the rule of fanmail.ValidateConsents that concerns
// optional purposes: night-time SMS only together with SMS marketing.
func checkNightSMS(ds []fanmail.ConsentDecision) error {
	var night, sms bool
	for _, d := range ds {
		switch d.Purpose {
		case fanmail.PurposeNightSMS:
			night = d.Granted
		case fanmail.PurposeMarketingSMS:
			sms = d.Granted
		}
	}
	if night && !sms {
		return fanmail.FieldError(fanmail.PurposeNightSMS, "Night-time SMS needs SMS marketing consent.")
	}
	return nil
}

// Import reads req.Body as CSV and creates a member for every good row, in
// transactions of req.BatchSize rows, in constant memory. Bad rows (syntax,
// validation, the same address twice) are recorded with their line numbers;
// rows whose address is already stored are counted as duplicates and left
// alone, so re-running a file that stopped halfway completes it. progress, if
// not nil, is called after every batch; the import's row is updated too.
//
// Errors: EINVALID for bad options or a file without header or e-mail column
// (the import is marked failed with that message); other errors are I/O or
// database failures, after which the import is marked failed.
func (s *Service) Import(ctx context.Context, req ImportRequest, progress func(ImportProgress)) (ImportResult, error) {
	req, err := checkImportRequest(req)
	if err != nil {
		return ImportResult{}, err
	}
	if req.ID == 0 {
		if req.ID, err = s.BeginImport(ctx, req); err != nil {
			return ImportResult{}, err
		}
	}
	start := time.Now()
	res, err := s.runImport(ctx, req, progress)
	status, msg := store.ImportDone, ""
	if err != nil {
		status, msg = store.ImportFailed, fanmail.ErrorMessage(err)
		if fanmail.ErrorCode(err) != fanmail.EINVALID {
			msg = fanmail.ErrorMessage(errImportStopped)
		}
	}
	if err == nil {
		s.logger.Info("import done", "import_id", req.ID, "rows", res.Rows, "ok", res.OK, "bad", res.Bad, "dup", res.Dup,
			"encoding", res.Encoding, "duration", time.Since(start).Round(time.Millisecond))
	}
	// The planner's statistics of the tables written, before the import
	// shows as finished: a campaign started then is planned from them. A
	// failure costs only speed.
	if _, aerr := s.db.AnalyzeAfter(context.WithoutCancel(ctx), res.OK, "members", "member_consents", "consents"); aerr != nil {
		s.logger.Warn("statistics not refreshed after import", "import_id", req.ID, "err", aerr)
	}
	// Marking the import finished is the last thing done: whoever watches
	// its status may stop waiting then.
	if ferr := s.db.FinishImport(context.WithoutCancel(ctx), req.ID, status, res.SHA256, res.Encoding, msg, res.BytesDone); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		return res, fmt.Errorf("import %d: %w", req.ID, err)
	}
	return res, nil
}

// countingReader counts and hashes what is read through it.
type countingReader struct {
	r io.Reader
	n int64
	h hash.Hash
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.h.Write(p[:n])
	return n, err
}

func (s *Service) runImport(ctx context.Context, req ImportRequest, progress func(ImportProgress)) (ImportResult, error) {
	res := ImportResult{ImportProgress: ImportProgress{ImportID: req.ID, BytesTotal: req.Size}, Encoding: EncodingUTF8}
	raw := &countingReader{r: req.Body, h: sha256.New()}
	finish := func() {
		// Hash what is left, so the digest covers the whole file.
		io.Copy(io.Discard, raw)
		res.BytesDone = raw.n
		res.SHA256 = hex.EncodeToString(raw.h.Sum(nil))
	}
	dec, err := newDecodingReader(raw)
	if err != nil {
		return res, err
	}
	cr := newCSVReader(dec)
	header, err := cr.Read()
	if err == io.EOF {
		return res, errImportEmpty
	}
	if err != nil {
		return res, err
	}
	if header.Err != nil {
		return res, errImportNoHeader
	}
	cols, columns, err := mapColumns(header.Fields, req.Mapping)
	if err != nil {
		return res, err
	}
	res.Columns = columns
	if err := s.db.SetImportColumns(ctx, req.ID, dec.Encoding(), columnMapString(columns)); err != nil {
		return res, err
	}

	defaults := make([]fanmail.ConsentDecision, 0, len(req.DefaultConsents))
	for _, p := range req.DefaultConsents {
		defaults = append(defaults, fanmail.ConsentDecision{Purpose: p, Granted: true})
	}
	now := s.db.Now()
	batch := store.ImportBatch{ImportID: req.ID}
	flush := func() error {
		if len(batch.Rows)+len(batch.Errors) == 0 {
			return nil
		}
		batch.Encoding, batch.BytesDone = dec.Encoding(), raw.n
		c, err := s.db.ImportBatch(ctx, batch)
		if err != nil {
			return err
		}
		res.Rows += int64(len(batch.Rows) + len(batch.Errors))
		res.OK, res.Bad, res.Dup = res.OK+c.OK, res.Bad+c.Bad, res.Dup+c.Dup
		res.BytesDone, res.Encoding = raw.n, dec.Encoding()
		batch.Rows, batch.Errors = batch.Rows[:0], batch.Errors[:0]
		if progress != nil {
			progress(res.ImportProgress)
		}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, fmt.Errorf("read line %d: %w", cr.line, err)
		}
		switch {
		case rec.Err != nil:
			batch.Errors = append(batch.Errors, store.ImportError{Line: rec.Line, Reason: fanmail.ErrorMessage(rec.Err)})
		case len(rec.Fields) != cols.n:
			batch.Errors = append(batch.Errors, store.ImportError{Line: rec.Line, Reason: reasonFieldCount})
		case blankRecord(rec.Fields):
			continue
		default:
			row, bad := parseRow(rec, cols, req.Status, defaults, now)
			if bad != nil {
				batch.Errors = append(batch.Errors, *bad)
			} else {
				batch.Rows = append(batch.Rows, row)
			}
		}
		if len(batch.Rows)+len(batch.Errors) >= req.BatchSize {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	res.Encoding = dec.Encoding()
	finish()
	return res, nil
}

func blankRecord(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// Reasons a row is refused, besides the rules' own messages.
const (
	reasonFieldCount = "Wrong number of fields."
	reasonBadText    = "The row is not valid text in the file's encoding."
	reasonTooLong    = "The value is too long."
	reasonGender     = "Gender is not valid."
	reasonLang       = "Language is not valid."
	reasonPhone      = "Phone number is not valid."
	reasonConsent    = "Consent must be Y or N."
	reasonUnder14    = "Under 14: cannot be imported without a guardian's consent."
)

// Length limits of imported text fields, in characters.
var maxLen = map[string]int{
	FieldName: 100, FieldPostalCode: 10, FieldAddress: 300, FieldPhone: 30, FieldEmail: 254,
}

// parseRow validates one data row and returns the member to create, or the
// reason it is bad. Reasons never contain the row's data.
func parseRow(rec csvRecord, cols columnIndex, status string, defaults []fanmail.ConsentDecision, now time.Time) (store.ImportRow, *store.ImportError) {
	row := store.ImportRow{Line: rec.Line}
	bad := func(field, reason string) (store.ImportRow, *store.ImportError) {
		return row, &store.ImportError{Line: rec.Line, Field: field, Reason: reason}
	}
	val := map[string]string{}
	for f, i := range cols.idx {
		v := cleanValue(rec.Fields[i])
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) || strings.ContainsRune(v, utf8.RuneError) {
			return bad(f, reasonBadText)
		}
		if n, ok := maxLen[f]; ok && utf8.RuneCountInString(v) > n {
			return bad(f, reasonTooLong)
		}
		val[f] = v
	}
	m := fanmail.Member{Email: val[FieldEmail], Status: status, Lang: fanmail.LangKorean, Source: fanmail.SourceImport}
	if err := fanmail.ValidateEmail(m.Email); err != nil {
		return bad(FieldEmail, fanmail.ErrorMessage(err))
	}
	if m.Code = val[FieldCode]; m.Code != "" {
		if err := fanmail.ValidateMemberCode(m.Code); err != nil {
			return bad(FieldCode, fanmail.ErrorMessage(err))
		}
	}
	if v := val[FieldBirthYear]; v != "" {
		y, ok := parseBirthYear(v)
		if !ok {
			return bad(FieldBirthYear, "Birth year is not valid.")
		}
		if err := fanmail.ValidateBirthYear(y, now); err != nil {
			if y >= now.Year()-120 && y <= now.Year() {
				return bad(FieldBirthYear, reasonUnder14)
			}
			return bad(FieldBirthYear, fanmail.ErrorMessage(err))
		}
		m.BirthYear = y
	}
	var ok bool
	if m.Gender, ok = parseGender(val[FieldGender]); !ok {
		return bad(FieldGender, reasonGender)
	}
	if v := val[FieldLang]; v != "" {
		if m.Lang, ok = parseLang(v); !ok {
			return bad(FieldLang, reasonLang)
		}
	}
	if m.Phone = val[FieldPhone]; m.Phone != "" {
		if n := len(strings.TrimPrefix(fanmail.NormalizePhone(m.Phone), "+")); n < 8 || n > 15 {
			return bad(FieldPhone, reasonPhone)
		}
	}
	m.Name, m.PostalCode, m.Address = val[FieldName], val[FieldPostalCode], val[FieldAddress]

	decided := map[string]bool{}
	for _, p := range fanmail.Purposes {
		v := val[p]
		if v == "" {
			continue
		}
		g, ok := parseYesNo(v)
		if !ok {
			return bad(p, reasonConsent)
		}
		decided[p] = true
		row.Consents = append(row.Consents, fanmail.ConsentDecision{Purpose: p, Granted: g})
	}
	for _, d := range defaults {
		if !decided[d.Purpose] {
			row.Consents = append(row.Consents, d)
		}
	}
	if err := checkNightSMS(row.Consents); err != nil {
		return bad(fanmail.PurposeNightSMS, fanmail.ErrorMessage(err))
	}
	row.Member = m
	return row, nil
}

// cleanValue trims v and removes the apostrophe Export puts before a value
// that a spreadsheet would take for a formula.
func cleanValue(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 1 && v[0] == '\'' && strings.IndexByte(formulaStart, v[1]) >= 0 {
		return v[1:]
	}
	return v
}

// parseBirthYear accepts 1990, 1990년, 1990-05-01, 1990.05.01, 1990/05/01 and
// 19900501; only the year is kept.
func parseBirthYear(v string) (int, bool) {
	v = strings.TrimSuffix(v, "년")
	if len(v) == 8 && allDigits(v) {
		v = v[:4]
	} else if len(v) == 10 && (v[4] == '-' || v[4] == '.' || v[4] == '/') && allDigits(v[:4]) {
		v = v[:4]
	}
	if len(v) != 4 || !allDigits(v) {
		return 0, false
	}
	y := 0
	for _, c := range v {
		y = y*10 + int(c-'0')
	}
	return y, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func parseGender(v string) (string, bool) {
	switch strings.ToLower(v) {
	case "":
		return "", true
	case "여", "여자", "여성", "f", "female", "w", "woman":
		return fanmail.GenderFemale, true
	case "남", "남자", "남성", "m", "male", "man":
		return fanmail.GenderMale, true
	case "기타", "other":
		return fanmail.GenderOther, true
	}
	return "", false
}

func parseLang(v string) (string, bool) {
	switch strings.ToLower(v) {
	case "ko", "kr", "ko-kr", "한국어", "korean":
		return fanmail.LangKorean, true
	case "en", "english", "영어":
		return fanmail.LangEnglish, true
	}
	return "", false
}

func parseYesNo(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "y", "yes", "true", "1", "o", "동의", "수신", "예":
		return true, true
	case "n", "no", "false", "0", "x", "거부", "비동의", "미동의", "수신거부", "미수신", "아니오":
		return false, true
	}
	return false, false
}

// ImportByID returns the import with id, or ENOTFOUND. A running import that
// has written nothing for a while died with its process: its Status reads
// ImportInterrupted.
func (s *Service) ImportByID(ctx context.Context, id int64) (store.Import, error) {
	imp, err := s.db.ImportByID(ctx, id)
	if err != nil {
		return imp, err
	}
	return s.markStale(imp), nil
}

// Imports returns up to limit imports, newest first, below beforeID (0: from
// the newest), with stale running ones marked as in ImportByID.
func (s *Service) Imports(ctx context.Context, beforeID int64, limit int) ([]store.Import, error) {
	imps, err := s.db.Imports(ctx, beforeID, limit)
	for i := range imps {
		imps[i] = s.markStale(imps[i])
	}
	return imps, err
}

// ImportErrors returns up to limit bad rows of an import after line afterLine,
// in line order.
func (s *Service) ImportErrors(ctx context.Context, importID, afterLine int64, limit int) ([]store.ImportError, error) {
	return s.db.ImportErrors(ctx, importID, afterLine, limit)
}

func (s *Service) markStale(imp store.Import) store.Import {
	if imp.Status == store.ImportRunning && s.db.Now().Sub(imp.UpdatedAt) > importStaleAfter {
		imp.Status = ImportInterrupted
		imp.Error = fanmail.ErrorMessage(errImportStopped)
	}
	return imp
}
