package demo

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	"github.com/fanmail/fanmail"
)

// Card size of the generated product pictures.
const cardW, cardH = 320, 240

// shelfColour marks the shelf with a band at the bottom of the card.
var shelfColour = map[string]color.RGBA{
	fanmail.ShelfNew:      {46, 160, 67, 255},
	fanmail.ShelfPrevious: {140, 140, 150, 255},
	fanmail.ShelfSale:     {214, 48, 49, 255},
}

// productCard draws a small PNG for a demo product: a tinted background in the
// brand's colour, a garment-like shape whose shade and stripes vary with the
// item, and a band in the shelf's colour.
func productCard(brandColour color.RGBA, item int, shelf string) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, cardW, cardH))
	fill := func(r image.Rectangle, c color.Color) {
		draw.Draw(img, r, &image.Uniform{c}, image.Point{}, draw.Src)
	}
	fill(img.Bounds(), mix(brandColour, color.RGBA{255, 255, 255, 255}, 0.85))

	body := shade(brandColour, item)
	// Sleeves, then the body, then the neck opening.
	fill(image.Rect(80, 50, 240, 100), body)
	fill(image.Rect(115, 40, 205, 200), body)
	fill(image.Rect(145, 40, 175, 55), mix(brandColour, color.RGBA{255, 255, 255, 255}, 0.85))
	light := mix(body, color.RGBA{255, 255, 255, 255}, 0.35)
	for y := 70 + (item%3)*6; y < 195; y += 18 + item*2 {
		fill(image.Rect(115, y, 205, y+5), light)
	}
	fill(image.Rect(0, cardH-24, cardW, cardH), shelfColour[shelf])

	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// shade darkens c a little more for each item so a brand's pictures differ.
func shade(c color.RGBA, item int) color.RGBA {
	return mix(c, color.RGBA{0, 0, 0, 255}, float64(item%6)*0.08)
}

// mix blends a towards b by t (0 = a, 1 = b).
func mix(a, b color.RGBA, t float64) color.RGBA {
	f := func(x, y uint8) uint8 { return uint8(float64(x)*(1-t) + float64(y)*t) }
	return color.RGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), 255}
}
