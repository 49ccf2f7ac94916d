//go:build ignore

// gen draws the app's icons once; the PNGs are committed (run: go run web/icons_gen.go, from the repository root).
// A white "T" on the GOV.UK header's black, with a blue bar (GOV.UK's brand blue) under it. The
// maskable icon keeps the letter inside the middle 60%, the safe zone any mask leaves visible.
package main

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
)

var (
	black = color.RGBA{0x0b, 0x0c, 0x0c, 0xff}
	white = color.RGBA{0xff, 0xff, 0xff, 0xff}
	blue  = color.RGBA{0x1d, 0x70, 0xb8, 0xff}
)

func icon(size int, inner float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Bounds(), &image.Uniform{black}, image.Point{}, draw.Src)
	u := float64(size) * inner / 10 // the letter is drawn on a 10×10 grid inside the inner square
	o := (float64(size) - 10*u) / 2
	rect := func(x0, y0, x1, y1 float64, c color.Color) {
		r := image.Rect(int(o+x0*u), int(o+y0*u), int(o+x1*u), int(o+y1*u))
		draw.Draw(img, r, &image.Uniform{c}, image.Point{}, draw.Src)
	}
	rect(1.5, 1.5, 8.5, 3, white) // the bar of the T
	rect(4.2, 3, 5.8, 7.6, white) // its stem
	rect(1.5, 8.2, 8.5, 8.8, blue)
	return img
}

func write(name string, img image.Image) {
	f, err := os.Create(name)
	if err != nil {
		panic(err)
	}
	if err := png.Encode(f, img); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func main() {
	write("web/static/icons/icon-192.png", icon(192, 1))
	write("web/static/icons/icon-512.png", icon(512, 1))
	write("web/static/icons/icon-maskable-512.png", icon(512, 0.6))
	write("web/static/icons/apple-touch-icon-180.png", icon(180, 0.8))
}
