package member

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/transform"

	"github.com/fanmail/fanmail"
)

// Encodings a CSV file can be in, as recorded on the import.
const (
	EncodingUTF8    = "utf-8"
	EncodingUTF8BOM = "utf-8-bom"
	EncodingCP949   = "cp949"
)

// sniffWindow is how many bytes after the first non-ASCII byte decide between
// UTF-8 and CP949: a few Korean syllables are enough, since CP949 Hangul pairs
// (lead 0xB0–0xC8, trail 0xA1–0xFE) are almost never valid UTF-8.
const sniffWindow = 4096

// decodingReader yields UTF-8 from a CSV file in UTF-8 (with or without BOM)
// or CP949/EUC-KR. Both are ASCII-compatible, so it passes ASCII through and
// decides at the first non-ASCII byte; a file whose first kilobytes are plain
// ASCII (a header, English names) is still detected correctly.
type decodingReader struct {
	br  *bufio.Reader
	enc string    // "" until decided
	out io.Reader // set once decided
}

// newDecodingReader reads r; it refuses UTF-16 files (Excel's "Unicode text")
// with EINVALID.
func newDecodingReader(r io.Reader) (*decodingReader, error) {
	d := &decodingReader{br: bufio.NewReaderSize(r, 64<<10)}
	head, err := d.br.Peek(3)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		d.br.Discard(3)
		d.decide(EncodingUTF8BOM)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, fanmail.Errorf(fanmail.EINVALID, "UTF-16 files are not supported; save the file as CSV (UTF-8 or CP949).")
	}
	return d, nil
}

// Encoding returns the encoding found so far: UTF-8 until a non-ASCII byte
// says otherwise.
func (d *decodingReader) Encoding() string {
	if d.enc == "" {
		return EncodingUTF8
	}
	return d.enc
}

func (d *decodingReader) decide(enc string) {
	d.enc = enc
	if enc == EncodingCP949 {
		d.out = transform.NewReader(d.br, korean.EUCKR.NewDecoder())
		return
	}
	d.out = d.br
}

func (d *decodingReader) Read(p []byte) (int, error) {
	if d.out != nil {
		return d.out.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	buf, err := d.br.Peek(1)
	if len(buf) == 0 {
		return 0, err
	}
	// Copy the ASCII run that is already buffered, up to len(p).
	n := min(len(p), d.br.Buffered())
	buf, _ = d.br.Peek(n)
	ascii := 0
	for ascii < len(buf) && buf[ascii] < utf8.RuneSelf {
		ascii++
	}
	if ascii > 0 {
		copy(p, buf[:ascii])
		d.br.Discard(ascii)
		return ascii, nil
	}
	win, err := d.br.Peek(sniffWindow)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, err
	}
	d.decide(sniff(win, err == nil))
	return d.out.Read(p)
}

// sniff returns EncodingUTF8 if win, which starts at the first non-ASCII byte,
// is valid UTF-8 (a rune cut off at the window's end when more follows is
// allowed), else EncodingCP949.
func sniff(win []byte, more bool) string {
	for len(win) > 0 {
		r, size := utf8.DecodeRune(win)
		if r == utf8.RuneError && size <= 1 {
			if more && !utf8.FullRune(win) {
				return EncodingUTF8
			}
			return EncodingCP949
		}
		win = win[size:]
	}
	return EncodingUTF8
}

// Limits of the CSV reader, so one malformed row cannot swallow the rest of
// the file or the memory.
const (
	maxLineBytes   = 1 << 20 // a physical line longer than this is a bad row
	maxRecordLines = 50      // a quoted field may span at most this many lines
)

// CSV row problems, reported with the row's line number.
var (
	errBadQuote = fanmail.Errorf(fanmail.EINVALID, "Malformed quoting.")
	errTooLong  = fanmail.Errorf(fanmail.EINVALID, "The row is too long.")
)

// csvRecord is one CSV row: its fields, or the reason it could not be read.
type csvRecord struct {
	Line   int64 // line number of the row's first line, 1-based
	Fields []string
	Err    error // errBadQuote or errTooLong; Fields is nil then
}

type csvLine struct {
	n    int64
	text string
	err  error // errTooLong
}

// csvReader reads RFC 4180 CSV (comma-separated, double-quoted fields that may
// span lines, "" for a quote) line by line. Unlike encoding/csv it recovers
// from a bad quote: the row is reported and reading resumes on the next line,
// rather than an unterminated quote eating the rest of the file.
type csvReader struct {
	r       *bufio.Reader
	line    int64
	pending []csvLine // lines to re-read after a malformed multi-line row
	fields  []string
}

func newCSVReader(r io.Reader) *csvReader {
	return &csvReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// nextLine returns the next physical line without its line ending.
func (c *csvReader) nextLine() (csvLine, error) {
	if len(c.pending) > 0 {
		l := c.pending[0]
		c.pending = c.pending[1:]
		return l, nil
	}
	var sb []byte
	tooLong := false
	for {
		part, err := c.r.ReadSlice('\n')
		if len(sb)+len(part) <= maxLineBytes {
			sb = append(sb, part...)
		} else {
			tooLong = true
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF && len(sb) == 0 && !tooLong {
			return csvLine{}, io.EOF
		}
		if err != nil && err != io.EOF {
			return csvLine{}, err
		}
		break
	}
	c.line++
	if tooLong {
		return csvLine{n: c.line, err: errTooLong}, nil
	}
	s := string(sb)
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	return csvLine{n: c.line, text: s}, nil
}

// Read returns the next non-blank row, or io.EOF. Field slices are reused by
// the next call.
func (c *csvReader) Read() (csvRecord, error) {
	first, err := c.nextLine()
	for err == nil && first.err == nil && first.text == "" {
		first, err = c.nextLine()
	}
	if err != nil {
		return csvRecord{}, err
	}
	if first.err != nil {
		return csvRecord{Line: first.n, Err: first.err}, nil
	}
	c.fields = c.fields[:0]
	text := first.text
	var extra []csvLine // lines joined into a quoted field
	var field strings.Builder
	i := 0
	for {
		// Start of a field.
		if i < len(text) && text[i] == '"' {
			i++
			field.Reset()
			for {
				j := strings.IndexByte(text[i:], '"')
				if j < 0 {
					// The quoted field goes on on the next line.
					field.WriteString(text[i:])
					next, err := c.nextLine()
					if err != nil && err != io.EOF {
						return csvRecord{}, err
					}
					if err == io.EOF || next.err != nil || len(extra) >= maxRecordLines || field.Len() > maxLineBytes {
						if err == nil {
							extra = append(extra, next)
						}
						return c.malformed(first, extra), nil
					}
					extra = append(extra, next)
					field.WriteByte('\n')
					text, i = next.text, 0
					continue
				}
				field.WriteString(text[i : i+j])
				i += j + 1
				if i < len(text) && text[i] == '"' {
					field.WriteByte('"')
					i++
					continue
				}
				break
			}
			// After the closing quote: blanks, then a comma or the end.
			for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
				i++
			}
			c.fields = append(c.fields, field.String())
			if i == len(text) {
				return csvRecord{Line: first.n, Fields: c.fields}, nil
			}
			if text[i] != ',' {
				return c.malformed(first, extra), nil
			}
			i++
			if i == len(text) { // trailing comma: one more empty field
				c.fields = append(c.fields, "")
				return csvRecord{Line: first.n, Fields: c.fields}, nil
			}
			continue
		}
		j := strings.IndexByte(text[i:], ',')
		end := len(text)
		if j >= 0 {
			end = i + j
		}
		v := text[i:end]
		if strings.IndexByte(v, '"') >= 0 {
			return c.malformed(first, extra), nil
		}
		c.fields = append(c.fields, v)
		if j < 0 {
			return csvRecord{Line: first.n, Fields: c.fields}, nil
		}
		i = end + 1
		if i == len(text) {
			c.fields = append(c.fields, "")
			return csvRecord{Line: first.n, Fields: c.fields}, nil
		}
	}
}

// malformed reports the row starting at first as badly quoted and puts the
// lines it borrowed back, so the rows after it are read on their own.
func (c *csvReader) malformed(first csvLine, extra []csvLine) csvRecord {
	if len(extra) > 0 {
		c.pending = append(append([]csvLine(nil), extra...), c.pending...)
	}
	return csvRecord{Line: first.n, Err: errBadQuote}
}

// Fields a CSV column can fill. Consent columns are named after their purpose
// (fanmail.PurposeTerms, …) and hold Y or N.
const (
	FieldCode       = "code"
	FieldEmail      = "email"
	FieldName       = "name"
	FieldPhone      = "phone"
	FieldBirthYear  = "birth_year"
	FieldGender     = "gender"
	FieldPostalCode = "postal_code"
	FieldAddress    = "address"
	FieldLang       = "lang"
)

// Fields lists every importable field in the order Export writes them.
var Fields = []string{
	FieldCode, FieldEmail, FieldName, FieldPhone, FieldBirthYear, FieldGender, FieldPostalCode, FieldAddress, FieldLang,
	fanmail.PurposeTerms, fanmail.PurposePrivacy, fanmail.PurposeMarketingEmail, fanmail.PurposeMarketingSMS, fanmail.PurposeNightSMS,
}

func isField(f string) bool {
	for _, x := range Fields {
		if f == x {
			return true
		}
	}
	return false
}

// headers are the Korean and English column names Export writes; Import
// recognises both, and the aliases below.
var headers = map[string][2]string{
	FieldCode:                     {"회원아이디", "member_id"},
	FieldEmail:                    {"이메일", "email"},
	FieldName:                     {"이름", "name"},
	FieldPhone:                    {"휴대폰", "phone"},
	FieldBirthYear:                {"출생연도", "birth_year"},
	FieldGender:                   {"성별", "gender"},
	FieldPostalCode:               {"우편번호", "postal_code"},
	FieldAddress:                  {"주소", "address"},
	FieldLang:                     {"언어", "lang"},
	fanmail.PurposeTerms:          {"이용약관동의", "terms"},
	fanmail.PurposePrivacy:        {"개인정보동의", "privacy"},
	fanmail.PurposeMarketingEmail: {"마케팅수신동의", "marketing_email"},
	fanmail.PurposeMarketingSMS:   {"문자수신동의", "marketing_sms"},
	fanmail.PurposeNightSMS:       {"야간문자수신동의", "night_sms"},
}

// aliases maps normalized header names (see normalizeHeader) to fields.
var aliases = func() map[string]string {
	m := map[string]string{}
	add := func(field string, names ...string) {
		for _, n := range names {
			m[normalizeHeader(n)] = field
		}
	}
	for f, h := range headers {
		add(f, h[0], h[1], f)
	}
	add(FieldCode, "아이디", "회원ID", "code", "member code", "user id", "userid")
	add(FieldEmail, "이메일주소", "메일", "전자우편", "e-mail", "email address", "mail")
	add(FieldName, "성명", "회원명", "고객명", "full name")
	add(FieldPhone, "휴대폰번호", "휴대전화", "휴대전화번호", "핸드폰", "핸드폰번호", "전화", "전화번호", "연락처", "mobile", "phone number", "tel")
	add(FieldBirthYear, "출생년도", "생년", "생년도", "birth year", "year of birth")
	add(FieldGender, "sex")
	add(FieldPostalCode, "zip", "zip code", "zipcode", "postcode", "postal code")
	add(FieldLang, "language")
	add(fanmail.PurposeTerms, "약관동의", "이용약관")
	add(fanmail.PurposePrivacy, "개인정보수집동의", "개인정보수집이용동의", "개인정보")
	add(fanmail.PurposeMarketingEmail, "이메일수신동의", "메일수신동의", "마케팅이메일수신동의", "email opt-in")
	add(fanmail.PurposeMarketingSMS, "SMS수신동의", "마케팅문자수신동의", "sms opt-in")
	add(fanmail.PurposeNightSMS, "야간수신동의", "야간문자동의")
	return m
}()

// normalizeHeader lower-cases a header and drops blanks and punctuation, so
// "E-mail", "e_mail" and "이메일 " compare equal.
func normalizeHeader(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch r {
		case ' ', '\t', '_', '-', '.', '(', ')', '/', '\ufeff', '\u00a0':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// columnIndex says which column of a row holds which field.
type columnIndex struct {
	n   int            // columns a row must have
	idx map[string]int // field → column
}

// mapColumns matches a header row to fields: explicit mapping first (keys are
// headers, values fields or "" to ignore), then the known names. A second
// column with the same known name is ignored; an explicit mapping that names
// a missing column or maps two columns to one field is EINVALID, and so is a
// file without an e-mail column.
func mapColumns(header []string, mapping map[string]string) (columnIndex, []Column, error) {
	ci := columnIndex{n: len(header), idx: map[string]int{}}
	cols := make([]Column, len(header))
	explicit := map[string]string{}
	for k, v := range mapping {
		explicit[normalizeHeader(k)] = v
	}
	used := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if strings.Contains(h, "@") {
			return ci, nil, errImportNoHeader
		}
		cols[i].Header = h
		f, ok := explicit[normalizeHeader(h)]
		if !ok {
			continue
		}
		used[normalizeHeader(h)] = true
		if f == "" {
			continue
		}
		if _, dup := ci.idx[f]; dup {
			return ci, nil, fanmail.FieldError("mapping", "Two columns are mapped to the same field.")
		}
		ci.idx[f], cols[i].Field = i, f
	}
	if len(used) < len(explicit) {
		return ci, nil, fanmail.FieldError("mapping", "The column mapping names a column the file does not have.")
	}
	for i := range cols {
		n := normalizeHeader(cols[i].Header)
		if used[n] {
			continue
		}
		f := aliases[n]
		if _, dup := ci.idx[f]; f == "" || dup {
			continue
		}
		ci.idx[f], cols[i].Field = i, f
	}
	if _, ok := ci.idx[FieldEmail]; !ok {
		return ci, nil, errImportNoEmail
	}
	return ci, cols, nil
}

// columnMapString records the mapping used as "header=field" pairs.
func columnMapString(cols []Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.Header + "=" + c.Field
	}
	return strings.Join(parts, ";")
}

// formulaStart holds the first characters that make a spreadsheet treat a
// cell as a formula (CSV injection); Export prefixes such values with "'".
const formulaStart = "=+-@\t\r"
