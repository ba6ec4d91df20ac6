package member

import (
	"bytes"
	"io"
	"testing"
	"unicode/utf8"
)

// FuzzCSVReader reads arbitrary bytes as an import file: the reader must
// end, report rows in line order, each either fields or an error, and
// decode to valid UTF-8 whatever the bytes.
func FuzzCSVReader(f *testing.F) {
	for _, seed := range []string{
		"email,name\nminji@example.com,김민지\n",
		"\ufeff이메일,이름\r\nbom@example.com,\"한, 지민\"\r\n",
		"a,\"b\nc\",d\ne,f\n",
		"a,\"unterminated\nb,c\n\"\"\n",
		"\xbc\xba\xb8\xed,\xc0\xcc\xb8\xa7\n", // CP949
		"\xff\xfeU\x00T\x00F\x00",             // UTF-16
		"x,\"y\"z,w\n,,\n\n\"\"\"\",\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := newDecodingReader(bytes.NewReader(data))
		if err != nil {
			return // UTF-16, refused up front
		}
		cr := newCSVReader(d)
		lines := int64(bytes.Count(data, []byte{'\n'}) + 1)
		var last int64
		for n := 0; ; n++ {
			rec, err := cr.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if rec.Line <= last || rec.Line > lines || int64(n) >= lines {
				t.Fatalf("row %d at line %d after line %d, in a file of %d lines", n, rec.Line, last, lines)
			}
			last = rec.Line
			if (rec.Err == nil) == (rec.Fields == nil) {
				t.Fatalf("line %d: fields %q and error %v", rec.Line, rec.Fields, rec.Err)
			}
			for _, field := range rec.Fields {
				if !utf8.ValidString(field) && d.Encoding() == EncodingCP949 {
					t.Fatalf("line %d: CP949 decoded to invalid UTF-8 %q", rec.Line, field)
				}
			}
		}
	})
}
