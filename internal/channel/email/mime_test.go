package email_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"

	"github.com/fanmail/fanmail/internal/channel/email"
)

func TestAppendQuotedPrintable(t *testing.T) {
	in := "안녕하세요 김민지님, 가격은 =39,000원= 입니다.  \r\n" + strings.Repeat("long line ", 20) + "\ttab at end\t\nlast"
	out := email.AppendQuotedPrintable(nil, []byte(in))
	for _, line := range strings.Split(string(out), "\r\n") {
		if len(line) > 76 {
			t.Errorf("line of %d characters: %q", len(line), line)
		}
		if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
			t.Errorf("line ends in white space: %q", line)
		}
	}
	if bytes.Contains(out, []byte("\n")) && bytes.Count(out, []byte("\n")) != bytes.Count(out, []byte("\r\n")) {
		t.Error("bare LF in output")
	}
	got, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(out)))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ReplaceAll(strings.ReplaceAll(in, "\r\n", "\n"), "\n", "\r\n")
	if string(got) != want {
		t.Errorf("round trip:\n got %q\nwant %q", got, want)
	}
}

func TestAppendBase64Lines(t *testing.T) {
	in := bytes.Repeat([]byte("김민지님 안녕하세요! "), 30)
	out := email.AppendBase64Lines(nil, in)
	lines := strings.Split(strings.TrimSuffix(string(out), "\r\n"), "\r\n")
	for _, l := range lines[:len(lines)-1] {
		if len(l) != 76 {
			t.Errorf("line of %d characters", len(l))
		}
	}
	got, err := base64.StdEncoding.DecodeString(strings.Join(lines, ""))
	if err != nil || !bytes.Equal(got, in) {
		t.Errorf("round trip failed: %v", err)
	}
}

func TestBuilder(t *testing.T) {
	var b email.Builder
	longSubject := "(광고) 김민지님을 위한 봄 신상품 소식: 오즈세컨 강남점에서 이번 주말까지만 드리는 특별 할인 쿠폰을 확인하세요"
	b.Address("From", "오즈세컨", "news@ozsecond.example")
	b.Address("Reply-To", "", "help@ozsecond.example")
	b.Address("To", `Jin "JP" Park`, "jin72@example.com")
	b.Header("Subject", []byte(longSubject))
	b.HeaderString("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	text := []byte("김민지님, 안녕하세요!\r\n가격: 39,000원\r\n")
	html := []byte("<p>Hello <b>Minji</b> &amp; friends, price 39,000 KRW</p>\r\n")
	b.Alternative("=_fmtest", text, html)
	m, err := mail.ReadMessage(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subj != longSubject {
		t.Errorf("subject = %q, %v", subj, err)
	}
	for _, line := range strings.Split(string(b.Bytes()), "\r\n") {
		if len(line) > 78 && !strings.HasPrefix(line, "Content-Type") {
			t.Errorf("header or body line over 78 characters: %q", line)
		}
	}
	from, err := m.Header.AddressList("From")
	if err != nil || from[0].Name != "오즈세컨" || from[0].Address != "news@ozsecond.example" {
		t.Errorf("From = %v, %v", from, err)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || to[0].Name != `Jin "JP" Park` {
		t.Errorf("To = %v, %v", to, err)
	}
	body, _ := io.ReadAll(m.Body)
	if !bytes.Contains(body, []byte("Content-Transfer-Encoding: base64")) || !bytes.Contains(body, []byte("Content-Transfer-Encoding: quoted-printable")) {
		t.Errorf("want the Korean text in base64 and the ASCII HTML in quoted-printable:\n%s", body)
	}
}

// A part is sent 8bit, as its UTF-8 bytes with CRLF line ends, when the
// server takes it and the lines fit; otherwise it is encoded as before.
func TestBuilder_EightBit(t *testing.T) {
	parts := func(b *email.Builder) map[string]string {
		t.Helper()
		m, err := mail.ReadMessage(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
		mr := multipart.NewReader(m.Body, params["boundary"])
		out := map[string]string{}
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(p)
			out[p.Header.Get("Content-Type")] = p.Header.Get("Content-Transfer-Encoding") + ":" + string(body)
		}
	}
	text := []byte("김민지님, 안녕하세요!\n봄 신상품을 소개합니다.")
	html := []byte("<p>김민지님</p>\r\n<p>" + strings.Repeat("가", 400) + "</p>") // 1,207 bytes on one line

	var b email.Builder
	b.EightBit = true
	b.Alternative("=_b", text, html)
	got := parts(&b)
	if want := "8bit:김민지님, 안녕하세요!\r\n봄 신상품을 소개합니다."; got["text/plain; charset=utf-8"] != want {
		t.Errorf("text part = %q, want %q", got["text/plain; charset=utf-8"], want)
	}
	// Over 998 octets on a line: base64, whatever the server takes.
	if h := got["text/html; charset=utf-8"]; !strings.HasPrefix(h, "base64:") {
		t.Errorf("html part with a long line = %.40q…, want base64", h)
	}
	for _, line := range bytes.Split(b.Bytes(), []byte("\r\n")) {
		if len(line) > 998 {
			t.Fatalf("line of %d octets", len(line))
		}
	}

	// NUL and bare CR cannot travel as 8bit either.
	for _, body := range []string{"a\x00b", "a\rb"} {
		b.Reset()
		b.Alternative("=_b", []byte(body), []byte("<p>x</p>"))
		if p := parts(&b)["text/plain; charset=utf-8"]; strings.HasPrefix(p, "8bit:") {
			t.Errorf("%q sent as %q", body, p)
		}
	}

	// A server without 8BITMIME: every non-ASCII part is encoded.
	b = email.Builder{}
	b.Alternative("=_b", text, []byte("<p>김민지님</p>"))
	for ct, p := range parts(&b) {
		if !strings.HasPrefix(p, "base64:") {
			t.Errorf("%s without EightBit = %.30q…", ct, p)
		}
	}
}
