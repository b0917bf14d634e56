//go:build linux

package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
)

// savePNG writes a captured window to path, so a person can check that what the benchmark took
// for the first paint really is the UI.
func (im *ximage) savePNG(path string) error {
	img := image.NewNRGBA(image.Rect(0, 0, im.w, im.h))
	for y := 0; y < im.h; y++ {
		for x := 0; x < im.w; x++ {
			p := im.pix[(y*im.w+x)*4:]
			img.SetNRGBA(x, y, color.NRGBA{R: p[2], G: p[1], B: p[0], A: 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
