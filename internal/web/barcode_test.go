package web

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every Code 39 pattern has nine elements, three of them wide, and no two
// characters share one.
func TestCode39Table(t *testing.T) {
	seen := map[string]rune{}
	for c, p := range code39 {
		if len(p) != 9 || strings.Count(p, "1") != 3 || strings.Trim(p, "01") != "" {
			t.Errorf("%q: pattern %s", c, p)
		}
		if o, dup := seen[p]; dup {
			t.Errorf("%q and %q share pattern %s", c, o, p)
		}
		seen[p] = c
	}
	if len(code39) != 44 {
		t.Errorf("%d characters, want 44", len(code39))
	}
}

// The drawn bars read back as the text between start and stop characters.
func TestCode39_RoundTrip(t *testing.T) {
	const text = "FM7K2Q9XWDR4TBM3ZP"
	svg, err := Code39(text)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(svg), "style") || strings.Contains(string(svg), "script") {
		t.Errorf("the barcode carries style or script: %s", svg)
	}
	bars := regexp.MustCompile(`<rect x="(\d+)" width="(\d+)"`).FindAllStringSubmatch(string(svg), -1)
	if len(bars) != (len(text)+2)*5 {
		t.Fatalf("%d bars, want %d", len(bars), (len(text)+2)*5)
	}
	decode := map[string]rune{}
	for c, p := range code39 {
		decode[p] = c
	}
	var got strings.Builder
	for i := 0; i < len(bars); i += 5 {
		var p strings.Builder
		for j := range 5 {
			x, _ := strconv.Atoi(bars[i+j][1])
			w, _ := strconv.Atoi(bars[i+j][2])
			p.WriteString(wide(w))
			if j < 4 {
				next, _ := strconv.Atoi(bars[i+j+1][1])
				p.WriteString(wide(next - x - w))
			}
		}
		got.WriteRune(decode[p.String()])
	}
	if got.String() != "*"+text+"*" {
		t.Errorf("read back %q, want %q", got.String(), "*"+text+"*")
	}
	for _, bad := range []string{"fm-7k2q", "A*B", "한글"} {
		if _, err := Code39(bad); err == nil {
			t.Errorf("Code39(%q) drew a barcode", bad)
		}
	}
}

func wide(px int) string {
	if px == c39Wide*c39Module {
		return "1"
	}
	return "0"
}
