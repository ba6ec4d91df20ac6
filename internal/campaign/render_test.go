package campaign

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHTMLToText(t *testing.T) {
	in := `<!DOCTYPE html><html><head><title>x</title><style>p{color:red}</style></head><body>
<h1>김민지님,   안녕하세요</h1>
<p>봄 신상품을<br>소개합니다. <a href="https://shop.example.com/a?x=1&amp;y=2">보러 가기</a></p>
<ul><li>재킷</li><li>니트 &amp; 셔츠</li></ul>
<table><tr><td><a href="https://shop.example.com/p/1"><img src="x.jpg" alt="재킷"></a></td>
<td><a href="https://shop.example.com/p/1">재킷</a> 39,000원</td></tr></table>
<!-- a comment --><p>문의: <a href="mailto:help@ozsecond.example">help@ozsecond.example</a></p>
</body></html>`
	want := `김민지님, 안녕하세요

봄 신상품을
소개합니다. 보러 가기 (https://shop.example.com/a?x=1&y=2)

- 재킷
- 니트 & 셔츠

재킷 (https://shop.example.com/p/1) 39,000원

문의: help@ozsecond.example
`
	if diff := cmp.Diff(want, htmlToText(in)); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
}

func TestPlainToHTML(t *testing.T) {
	got := plainToHTML("{{.Member.Name}}님, 안녕하세요!\n가격 < 5만원 & 무료배송\n\n\n{{footer}}")
	want := "<p>{{.Member.Name}}님, 안녕하세요!<br>\n가격 &lt; 5만원 &amp; 무료배송</p>\n<p>{{footer}}</p>"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestWon(t *testing.T) {
	for n, want := range map[int64]string{0: "0원", 900: "900원", 39000: "39,000원", 1234567: "1,234,567원", -5000: "-5,000원"} {
		if got := won(n); got != want {
			t.Errorf("won(%d) = %q, want %q", n, got, want)
		}
	}
}
