package tray

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// at returns the colour of the PNG icon b at (x, y).
func at(t *testing.T, img image.Image, x, y int) color.NRGBA {
	t.Helper()
	return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
}

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the icon is not a PNG: %v", err)
	}
	if r := img.Bounds(); r.Dx() != iconSize || r.Dy() != iconSize {
		t.Fatalf("icon is %v, want %d×%d", r, iconSize, iconSize)
	}
	return img
}

func TestIconShowsTheState(t *testing.T) {
	tests := []struct {
		key      iconKey
		disc     uint32 // at the top of the disc, away from the glyph
		topBadge uint32 // 0: no badge (transparent corner)
		botBadge uint32
	}{
		{iconKey{ollama: "ready"}, colReady, 0, 0},
		{iconKey{ollama: "generating"}, colGenerating, 0, 0},
		{iconKey{ollama: "down"}, colDown, 0, 0},
		{iconKey{ollama: "checking"}, colChecking, 0, 0},
		{iconKey{ollama: "ready", account: "in", relay: "up"}, colReady, colAccount, colReady},
		{iconKey{ollama: "down", account: "warn", relay: "down"}, colDown, colWarn, colDown},
		{iconKey{ollama: "generating", relay: "pending"}, colGenerating, 0, colWarn},
	}
	seen := map[string]iconKey{}
	for _, tt := range tests {
		b, err := iconBytes(drawIcon(tt.key))
		if err != nil {
			t.Fatal(err)
		}
		if k, dup := seen[string(b)]; dup {
			t.Errorf("%+v draws the same icon as %+v", tt.key, k)
		}
		seen[string(b)] = tt.key
		img := decode(t, b)
		if got := at(t, img, 32, 10); got != rgb(tt.disc) {
			t.Errorf("%+v: disc colour %v, want %v", tt.key, got, rgb(tt.disc))
		}
		if got := at(t, img, 0, 0); got.A != 0 {
			t.Errorf("%+v: the corner is not transparent: %v", tt.key, got)
		}
		// A point inside the badge but off its sign.
		for _, badge := range []struct {
			y    int
			want uint32
		}{{int(topCY) - 4, tt.topBadge}, {int(botCY) + 4, tt.botBadge}} {
			got := at(t, img, int(badgeCX)+6, badge.y) // inside a badge, off its sign and off the disc
			switch {
			case badge.want == 0 && got.A != 0:
				t.Errorf("%+v: a badge at y=%d that should not be there: %v", tt.key, badge.y, got)
			case badge.want != 0 && got != rgb(badge.want):
				t.Errorf("%+v: badge at y=%d is %v, want %v", tt.key, badge.y, got, rgb(badge.want))
			}
		}
	}
}

func TestGlyphIsWhite(t *testing.T) {
	// The centre of the disc is covered by the glyph for every state but checking (a ring).
	for _, st := range []string{"ready", "generating", "down"} {
		b, _ := iconBytes(drawIcon(iconKey{ollama: st}))
		img := decode(t, b)
		white := 0
		for y := 16; y < 48; y++ {
			for x := 16; x < 48; x++ {
				if at(t, img, x, y) == rgb(colGlyph) {
					white++
				}
			}
		}
		if white < 40 {
			t.Errorf("%s: only %d white glyph pixels", st, white)
		}
	}
}

func TestWrapICO(t *testing.T) {
	p, err := encodePNG(drawIcon(iconKey{ollama: "ready"}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		size    int
		wantDim byte
		wantErr bool
	}{{64, 64, false}, {256, 0, false}, {0, 0, true}, {300, 0, true}}
	for _, tt := range tests {
		ico, err := wrapICO(p, tt.size)
		if (err != nil) != tt.wantErr {
			t.Fatalf("size %d: err %v", tt.size, err)
		}
		if err != nil {
			continue
		}
		le := binary.LittleEndian
		if le.Uint16(ico[2:]) != 1 || le.Uint16(ico[4:]) != 1 {
			t.Fatalf("size %d: header %x is not one icon", tt.size, ico[:6])
		}
		if ico[6] != tt.wantDim || ico[7] != tt.wantDim || le.Uint16(ico[12:]) != 32 {
			t.Fatalf("size %d: entry %x", tt.size, ico[6:22])
		}
		n, off := le.Uint32(ico[14:]), le.Uint32(ico[18:])
		if int(n) != len(p) || int(off) != 22 || !bytes.Equal(ico[off:], p) {
			t.Fatalf("size %d: entry says %d bytes at %d; file holds %d", tt.size, n, off, len(ico))
		}
	}
}
