package mailbox

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Parse finds the text and HTML parts whatever their transfer encoding and
// decodes the header fields, folded or in encoded words.
func TestParse(t *testing.T) {
	raw := strings.Join([]string{
		"From: =?UTF-8?B?7Jik7KaI7IS47Luo?= <news@ozsecond.example>",
		"To: jiwoo.han@example.com",
		"Subject: =?UTF-8?Q?=EB=B0=B0=EC=86=A1_=EC=95=88=EB=82=B4?=",
		"List-Unsubscribe: <https://fan.example.com/u/abc>,",
		" <mailto:u@fan.example.com>",
		"MIME-Version: 1.0",
		`Content-Type: multipart/alternative; boundary="b1"`,
		"",
		"--b1",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: quoted-printable",
		"",
		"=ED=95=9C=EC=A7=80=EC=9A=B0=EB=8B=98, =",
		"hello",
		"--b1",
		"Content-Type: text/html; charset=utf-8",
		"Content-Transfer-Encoding: base64",
		"",
		"PHA+7ZWc7KeA7Jqw64uYPC9w",
		"Pg==",
		"--b1--",
		"",
	}, "\r\n")
	p, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if p.Text != "한지우님, hello" {
		t.Errorf("text = %q", p.Text)
	}
	if p.HTML != "<p>한지우님</p>" {
		t.Errorf("html = %q", p.HTML)
	}
	want := []Header{
		{"From", "오즈세컨 <news@ozsecond.example>"},
		{"To", "jiwoo.han@example.com"},
		{"Subject", "배송 안내"},
		{"List-Unsubscribe", "<https://fan.example.com/u/abc>, <mailto:u@fan.example.com>"},
		{"MIME-Version", "1.0"},
		{"Content-Type", `multipart/alternative; boundary="b1"`},
	}
	if diff := cmp.Diff(want, p.Headers); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	if _, err := Parse([]byte("not a message")); err == nil {
		t.Errorf("Parse of a text without a header: no error")
	}
}
