//go:build !windows

package tray

import "image"

// iconBytes encodes an icon the way the Linux (StatusNotifierItem) and macOS trays load it: PNG.
func iconBytes(img image.Image) ([]byte, error) { return encodePNG(img) }
