package tray

import "image"

// iconBytes encodes an icon the way the Windows tray loads it: an .ico file.
func iconBytes(img image.Image) ([]byte, error) {
	p, err := encodePNG(img)
	if err != nil {
		return nil, err
	}
	return wrapICO(p, img.Bounds().Dx())
}
