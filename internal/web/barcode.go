package web

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/fanmail/fanmail"
)

// code39 holds the Code 39 pattern of each character: nine elements, bar
// first, bars and spaces alternating, "1" for a wide element. Every
// character has three wide elements.
var code39 = map[rune]string{
	'0': "000110100", '1': "100100001", '2': "001100001", '3': "101100000", '4': "000110001",
	'5': "100110000", '6': "001110000", '7': "000100101", '8': "100100100", '9': "001100100",
	'A': "100001001", 'B': "001001001", 'C': "101001000", 'D': "000011001", 'E': "100011000",
	'F': "001011000", 'G': "000001101", 'H': "100001100", 'I': "001001100", 'J': "000011100",
	'K': "100000011", 'L': "001000011", 'M': "101000010", 'N': "000010011", 'O': "100010010",
	'P': "001010010", 'Q': "000000111", 'R': "100000110", 'S': "001000110", 'T': "000010110",
	'U': "110000001", 'V': "011000001", 'W': "111000000", 'X': "010010001", 'Y': "110010000",
	'Z': "011010000", '-': "010000101", '.': "110000100", ' ': "011000100", '$': "010101000",
	'/': "010100010", '+': "010001010", '%': "000101010", '*': "010010100",
}

// Code 39 geometry in modules (one narrow element): wide elements are three
// modules, characters are one module apart, and a quiet zone of ten modules
// on each side lets a scanner find the start.
const (
	c39Wide   = 3
	c39Quiet  = 10
	c39Module = 2  // pixels
	c39Height = 64 // pixels
)

var errBarcode = fanmail.Errorf(fanmail.EINVALID, "This code cannot be drawn as a barcode.")

// Code39 draws text as a Code 39 barcode in inline SVG, for a gift
// certificate shown on a screen or printed: the handheld scanners of shop
// tills read it and type text into the field that has focus. text may hold
// digits, capital letters, space and - . $ / + %; anything else is
// EINVALID. The SVG has no script or style, so it passes a strict
// Content-Security-Policy.
func Code39(text string) (template.HTML, error) {
	for _, c := range text {
		if _, ok := code39[c]; !ok || c == '*' { // '*' only starts and stops
			return "", errBarcode
		}
	}
	var b strings.Builder
	x := c39Quiet
	for _, c := range "*" + text + "*" {
		for i, e := range code39[c] {
			w := 1
			if e == '1' {
				w = c39Wide
			}
			if i%2 == 0 {
				fmt.Fprintf(&b, `<rect x="%d" width="%d" height="%d"/>`, x*c39Module, w*c39Module, c39Height)
			}
			x += w
		}
		x++ // gap between characters
	}
	width := (x - 1 + c39Quiet) * c39Module
	return template.HTML(fmt.Sprintf(`<svg class="barcode" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="%s" `+
		`viewBox="0 0 %d %d" width="%d" height="%d"><rect width="%d" height="%d" fill="#fff"/><g fill="#000">%s</g></svg>`,
		template.HTMLEscapeString(text), width, c39Height, width, c39Height, width, c39Height, b.String())), nil
}
