package tray

import (
	"encoding/binary"
	"fmt"
)

// wrapICO puts a PNG image of size×size pixels into an .ico container with that one image, which
// is what the Windows tray loads (Windows Vista and later read PNG-compressed ICO entries).
func wrapICO(pngData []byte, size int) ([]byte, error) {
	if size < 1 || size > 256 {
		return nil, fmt.Errorf("wrap tray icon as ICO: size %d is outside 1–256", size)
	}
	const headerLen, entryLen = 6, 16
	out := make([]byte, headerLen+entryLen, headerLen+entryLen+len(pngData))
	le := binary.LittleEndian
	le.PutUint16(out[0:], 0) // reserved
	le.PutUint16(out[2:], 1) // type: icon
	le.PutUint16(out[4:], 1) // one image
	e := out[headerLen:]
	dim := byte(size) // 0 means 256
	if size == 256 {
		dim = 0
	}
	e[0], e[1] = dim, dim
	e[2], e[3] = 0, 0       // no palette, reserved
	le.PutUint16(e[4:], 1)  // colour planes
	le.PutUint16(e[6:], 32) // bits per pixel
	le.PutUint32(e[8:], uint32(len(pngData)))
	le.PutUint32(e[12:], headerLen+entryLen)
	return append(out, pngData...), nil
}
