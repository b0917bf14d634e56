package tray

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
)

// iconKey is everything the icon shows: the model server's state as the colour and glyph of the
// disc, and two badges — sign-in at the top right, remote access at the bottom right — that are
// absent while those features are off, so the usual icon stays plain.
type iconKey struct {
	ollama  string // checking, ready, generating, down
	account string // "", in, warn
	relay   string // "", up, pending, down
}

func keyOf(s status.Status) iconKey {
	var k iconKey
	switch {
	case s.Ollama.State == status.Unreachable:
		k.ollama = "down"
	case s.Ollama.State != status.Reachable:
		k.ollama = "checking"
	case s.Ollama.Generating > 0:
		k.ollama = "generating"
	default:
		k.ollama = "ready"
	}
	switch s.Account.State {
	case status.SignedIn:
		k.account = "in"
	case status.Expiring, status.AccountError:
		k.account = "warn"
	}
	switch s.Relay.State {
	case status.RelayConnected:
		k.relay = "up"
	case status.RelayConnecting, status.RelayReconnecting:
		k.relay = "pending"
	case status.RelayError:
		k.relay = "down"
	}
	return k
}

// iconSize is the side of the drawn icon in pixels. Tray hosts scale it to the panel (16–48 px);
// drawing larger keeps it sharp on high-DPI panels.
const iconSize = 64

// Colours of the states, as 0xRRGGBB. They are the ones the window uses for the same states, and
// each is dark enough for a white glyph to read on it.
const (
	colReady      = 0x16a34a
	colGenerating = 0x2563eb
	colDown       = 0xdc2626
	colChecking   = 0x6b7280
	colWarn       = 0xd97706
	colAccount    = 0x7c3aed
	colOutline    = 0x111827
	colGlyph      = 0xffffff
)

func rgb(c uint32) color.NRGBA {
	return color.NRGBA{R: uint8(c >> 16), G: uint8(c >> 8), B: uint8(c), A: 0xff}
}

func discColour(ollama string) uint32 {
	switch ollama {
	case "ready":
		return colReady
	case "generating":
		return colGenerating
	case "down":
		return colDown
	}
	return colChecking
}

// Geometry, in pixels of the 64-pixel icon.
const (
	discR   = 26.0
	badgeR  = 11.0
	badgeCX = 52.0
	topCY   = 12.0
	botCY   = 52.0
)

// shape reports whether a point is inside.
type shape func(x, y float64) bool

type layer struct {
	in  shape
	col uint32
}

func circle(cx, cy, r float64) shape {
	return func(x, y float64) bool { return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r }
}

func ring(cx, cy, inner, outer float64) shape {
	return func(x, y float64) bool {
		d := (x-cx)*(x-cx) + (y-cy)*(y-cy)
		return d <= outer*outer && d >= inner*inner
	}
}

// capsule is a line from a to b, w wide, with round ends.
func capsule(ax, ay, bx, by, w float64) shape {
	return func(x, y float64) bool {
		dx, dy := bx-ax, by-ay
		t := ((x-ax)*dx + (y-ay)*dy) / (dx*dx + dy*dy)
		t = math.Max(0, math.Min(1, t))
		px, py := ax+t*dx-x, ay+t*dy-y
		return px*px+py*py <= w*w/4
	}
}

func union(ss ...shape) shape {
	return func(x, y float64) bool {
		for _, s := range ss {
			if s(x, y) {
				return true
			}
		}
		return false
	}
}

// glyph is the white sign on the disc: a tick when ready, three dots while generating, a cross
// when down, a ring while checking. Shape as well as colour, so the state reads without colour
// vision and on monochrome panels.
func glyph(ollama string) shape {
	const c = 32.0
	switch ollama {
	case "ready":
		return union(capsule(20, 33, 28, 41, 7), capsule(28, 41, 44, 24, 7))
	case "generating":
		return union(circle(c-11, c, 4.5), circle(c, c, 4.5), circle(c+11, c, 4.5))
	case "down":
		return union(capsule(22, 22, 42, 42, 7), capsule(42, 22, 22, 42, 7))
	}
	return ring(c, c, 8, 13)
}

// layers lists what to paint for k, bottom first.
func layers(k iconKey) []layer {
	ls := []layer{
		{circle(32, 32, discR+2), colOutline}, // contrast on light panels
		{circle(32, 32, discR), discColour(k.ollama)},
		{glyph(k.ollama), colGlyph},
	}
	badge := func(cy float64, fill uint32, sign shape) {
		ls = append(ls, layer{circle(badgeCX, cy, badgeR+2), colOutline}, layer{circle(badgeCX, cy, badgeR), fill})
		if sign != nil {
			ls = append(ls, layer{sign, colGlyph})
		}
	}
	switch k.account {
	case "in": // a head and shoulders
		badge(topCY, colAccount, union(circle(badgeCX, topCY-3, 3.2), capsule(badgeCX-4, topCY+5, badgeCX+4, topCY+5, 4)))
	case "warn": // an exclamation mark
		badge(topCY, colWarn, union(capsule(badgeCX, topCY-6, badgeCX, topCY+1, 3.5), circle(badgeCX, topCY+5.5, 2)))
	}
	switch k.relay {
	case "up": // a dot: connected
		badge(botCY, colReady, circle(badgeCX, botCY, 4))
	case "pending": // a ring: on its way
		badge(botCY, colWarn, ring(badgeCX, botCY, 3, 6))
	case "down": // a bar: cut off
		badge(botCY, colDown, capsule(badgeCX-5, botCY, badgeCX+5, botCY, 3.5))
	}
	return ls
}

// drawIcon paints k at iconSize with 4×4 supersampling, so that edges are smooth without an
// image library.
func drawIcon(k iconKey) *image.NRGBA {
	const ss = 4
	ls := layers(k)
	img := image.NewNRGBA(image.Rect(0, 0, iconSize, iconSize))
	for py := 0; py < iconSize; py++ {
		for px := 0; px < iconSize; px++ {
			var r, g, b, a float64 // premultiplied sums over the samples
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x, y := float64(px)+(float64(sx)+0.5)/ss, float64(py)+(float64(sy)+0.5)/ss
					for i := len(ls) - 1; i >= 0; i-- {
						if ls[i].in(x, y) {
							c := rgb(ls[i].col)
							r, g, b, a = r+float64(c.R), g+float64(c.G), b+float64(c.B), a+1
							break
						}
					}
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(math.Round(r / a)), G: uint8(math.Round(g / a)), B: uint8(math.Round(b / a)),
				A: uint8(math.Round(a * 255 / ss / ss)),
			})
		}
	}
	return img
}

// encodePNG is the icon as PNG bytes, which the Linux and macOS trays take.
func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode tray icon: %w", err)
	}
	return buf.Bytes(), nil
}
