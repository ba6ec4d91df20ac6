package member

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/korean"

	"github.com/fanmail/fanmail"
)

type readResult struct {
	Line   int64
	Fields []string
	Err    string
}

func readAll(t *testing.T, in string) []readResult {
	t.Helper()
	cr := newCSVReader(strings.NewReader(in))
	var out []readResult
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		r := readResult{Line: rec.Line, Fields: append([]string(nil), rec.Fields...)}
		if rec.Err != nil {
			r.Err = fanmail.ErrorMessage(rec.Err)
		}
		out = append(out, r)
	}
}

func TestCSVReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []readResult
	}{
		{"Plain", "a,b,c\n1,2,3\n", []readResult{{1, []string{"a", "b", "c"}, ""}, {2, []string{"1", "2", "3"}, ""}}},
		{"CRLFNoFinalNewline", "이메일,이름\r\nminji@example.com,김민지", []readResult{
			{1, []string{"이메일", "이름"}, ""}, {2, []string{"minji@example.com", "김민지"}, ""}}},
		{"BlankLinesSkipped", "a\n\n\r\nb\n", []readResult{{1, []string{"a"}, ""}, {4, []string{"b"}, ""}}},
		{"EmptyFields", ",a,\n", []readResult{{1, []string{"", "a", ""}, ""}}},
		{"Quoted", `"서울 강남구, 101호","say ""hi""",""` + "\n", []readResult{
			{1, []string{"서울 강남구, 101호", `say "hi"`, ""}, ""}}},
		{"QuotedTrailingComma", `"a",` + "\n", []readResult{{1, []string{"a", ""}, ""}}},
		{"QuotedMultiLine", "\"line one\nline two\",x\nnext\n", []readResult{
			{1, []string{"line one\nline two", "x"}, ""}, {3, []string{"next"}, ""}}},
		{"BlanksAfterClosingQuote", `"a" ,b` + "\n", []readResult{{1, []string{"a", "b"}, ""}}},
		{"BareQuote", "ok\nab\"c,d\nok2\n", []readResult{
			{1, []string{"ok"}, ""}, {2, nil, "Malformed quoting."}, {3, []string{"ok2"}, ""}}},
		{"TextAfterClosingQuote", "\"a\"b,c\nok\n", []readResult{{1, nil, "Malformed quoting."}, {2, []string{"ok"}, ""}}},
		// An unterminated quote must not swallow the rows after it: the quoted
		// field runs into line 3, fails there, and lines 2–3 are read again.
		{"UnterminatedQuoteResyncs", "\"open,x\nrow2,y\nrow3,\"q\"\n", []readResult{
			{1, nil, "Malformed quoting."}, {2, []string{"row2", "y"}, ""}, {3, []string{"row3", "q"}, ""}}},
		{"UnterminatedQuoteAtEOF", "a\n\"open\nb\nc", []readResult{
			{1, []string{"a"}, ""}, {2, nil, "Malformed quoting."}, {3, []string{"b"}, ""}, {4, []string{"c"}, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, readAll(t, tt.in)); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCSVReader_UnterminatedQuoteGivesUpAfterMaxLines(t *testing.T) {
	var b strings.Builder
	b.WriteString("\"open\n")
	for i := 0; i < maxRecordLines+10; i++ {
		b.WriteString("row\n")
	}
	got := readAll(t, b.String())
	if len(got) != maxRecordLines+11 || got[0].Err != "Malformed quoting." {
		t.Fatalf("got %d records, first %+v; want %d, first malformed", len(got), got[0], maxRecordLines+11)
	}
	for i, r := range got[1:] {
		if r.Err != "" || r.Line != int64(i+2) {
			t.Fatalf("record %d = %+v, want line %d read on its own", i+1, r, i+2)
		}
	}
}

func TestCSVReader_LongLine(t *testing.T) {
	in := "a\n" + strings.Repeat("x", maxLineBytes+10) + "\nb\n"
	want := []readResult{{1, []string{"a"}, ""}, {2, nil, "The row is too long."}, {3, []string{"b"}, ""}}
	if diff := cmp.Diff(want, readAll(t, in)); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func decodeAll(t *testing.T, in []byte) (string, string) {
	t.Helper()
	d, err := newDecodingReader(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	// A tiny reader buffer exercises the ASCII pass-through.
	var out bytes.Buffer
	buf := make([]byte, 7)
	for {
		n, err := d.Read(buf)
		out.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return out.String(), d.Encoding()
}

func TestDecodingReader(t *testing.T) {
	// 똠 and 햏 are outside EUC-KR, only in CP949's extension (UHC).
	text := "email,name\nminji@example.com,김민지\ndd@example.com,김똠햏\n"
	cp949, err := korean.EUCKR.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	asciiHead := strings.Repeat("x", 10000) + "\n" // decided long after the first read
	cp949Late, _ := korean.EUCKR.NewEncoder().String(asciiHead + text)
	tests := []struct {
		name, in, enc string
		want          string
	}{
		{"UTF8", text, EncodingUTF8, text},
		{"UTF8BOM", "\ufeff" + text, EncodingUTF8BOM, text},
		{"CP949", cp949, EncodingCP949, text},
		{"CP949AfterLongASCII", cp949Late, EncodingCP949, asciiHead + text},
		{"ASCII", "email\na@example.com\n", EncodingUTF8, "email\na@example.com\n"},
		{"Empty", "", EncodingUTF8, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, enc := decodeAll(t, []byte(tt.in))
			if got != tt.want || enc != tt.enc {
				t.Errorf("got %q (%s), want %q (%s)", got, enc, tt.want, tt.enc)
			}
		})
	}
	t.Run("UTF16Refused", func(t *testing.T) {
		_, err := newDecodingReader(bytes.NewReader([]byte{0xFF, 0xFE, 'a', 0}))
		if fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("got %v, want EINVALID", err)
		}
	})
}

func TestMapColumns(t *testing.T) {
	tests := []struct {
		name    string
		header  []string
		mapping map[string]string
		want    []Column
		err     string
	}{
		{"Korean", []string{"이메일", "이름", "휴대폰", "출생연도", "성별", "우편번호", "주소", "회원아이디", "언어", "마케팅수신동의", "문자수신동의"}, nil,
			[]Column{{"이메일", "email"}, {"이름", "name"}, {"휴대폰", "phone"}, {"출생연도", "birth_year"}, {"성별", "gender"},
				{"우편번호", "postal_code"}, {"주소", "address"}, {"회원아이디", "code"}, {"언어", "lang"},
				{"마케팅수신동의", "marketing_email"}, {"문자수신동의", "marketing_sms"}}, ""},
		{"EnglishVariants", []string{"E-mail", "Name", "Phone Number", "Birth Year", "member_id", "비고"}, nil,
			[]Column{{"E-mail", "email"}, {"Name", "name"}, {"Phone Number", "phone"}, {"Birth Year", "birth_year"}, {"member_id", "code"}, {"비고", ""}}, ""},
		{"SecondPhoneIgnored", []string{"email", "휴대폰", "전화"}, nil,
			[]Column{{"email", "email"}, {"휴대폰", "phone"}, {"전화", ""}}, ""},
		{"MappingOverrides", []string{"메일주소X", "이메일", "고객 이름"}, map[string]string{"메일주소X": "email", "이메일": "", "고객 이름": "name"},
			[]Column{{"메일주소X", "email"}, {"이메일", ""}, {"고객 이름", "name"}}, ""},
		{"NoEmail", []string{"이름", "전화"}, nil, nil, "The file has no e-mail column."},
		{"NoHeader", []string{"minji@example.com", "김민지"}, nil, nil, "The first line must name the columns."},
		{"MappingMissingColumn", []string{"email"}, map[string]string{"없는열": "name"}, nil, "The column mapping names a column the file does not have."},
		{"MappingTwice", []string{"a", "b"}, map[string]string{"a": "email", "b": "email"}, nil, "Two columns are mapped to the same field."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got, err := mapColumns(tt.header, tt.mapping)
			if msg := fanmail.ErrorMessage(err); err != nil || tt.err != "" {
				if msg != tt.err {
					t.Fatalf("error %q, want %q", msg, tt.err)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
		})
	}
}
