//go:build linux

package main

// A minimal X11 client: just enough of the core protocol to find a mapped top-level window by
// name and read its pixels. The cold-start benchmark polls both every few milliseconds;
// exec'ing xdotool or imagemagick's import that often would cost tens of milliseconds a poll and
// compete with the app under test for the same two cores (and `xdotool search --sync` itself
// only looks twice a second).

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
)

type xconn struct {
	c     net.Conn
	r     *bufio.Reader
	root  uint32
	depth byte
	bpp   map[byte]byte // depth → bits per pixel (ZPixmap)
	seq   uint16
}

var le = binary.LittleEndian

// dialX connects to $DISPLAY (a local display, ":N" or ":N.S") with its MIT-MAGIC-COOKIE-1.
func dialX() (*xconn, error) {
	disp := os.Getenv("DISPLAY")
	if disp == "" {
		return nil, errors.New("no DISPLAY: run the desktop benchmarks under xvfb-run (make bench does)")
	}
	host, rest, _ := strings.Cut(disp, ":")
	if host != "" && host != "unix" {
		return nil, fmt.Errorf("DISPLAY=%s: only local displays are supported", disp)
	}
	num, _, _ := strings.Cut(rest, ".")
	c, err := net.Dial("unix", "/tmp/.X11-unix/X"+num)
	if err != nil {
		return nil, fmt.Errorf("connect to DISPLAY=%s: %w", disp, err)
	}
	x := &xconn{c: c, r: bufio.NewReaderSize(c, 1<<16), bpp: map[byte]byte{}}
	if err := x.setup(num); err != nil {
		c.Close()
		return nil, fmt.Errorf("X11 setup on DISPLAY=%s: %w", disp, err)
	}
	return x, nil
}

func (x *xconn) Close() error { return x.c.Close() }

func pad4(n int) int { return (4 - n%4) % 4 }

func (x *xconn) setup(display string) error {
	name, data := xauthCookie(display)
	req := make([]byte, 12, 12+len(name)+len(data)+8)
	req[0] = 'l' // little-endian
	le.PutUint16(req[2:], 11)
	le.PutUint16(req[6:], uint16(len(name)))
	le.PutUint16(req[8:], uint16(len(data)))
	req = append(req, name...)
	req = append(req, make([]byte, pad4(len(name)))...)
	req = append(req, data...)
	req = append(req, make([]byte, pad4(len(data)))...)
	if _, err := x.c.Write(req); err != nil {
		return err
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(x.r, head); err != nil {
		return err
	}
	body := make([]byte, int(le.Uint16(head[6:]))*4)
	if _, err := io.ReadFull(x.r, body); err != nil {
		return err
	}
	if head[0] != 1 {
		n := int(head[1])
		if n > len(body) {
			n = len(body)
		}
		return fmt.Errorf("refused: %s", body[:n])
	}
	vendorLen := int(le.Uint16(body[16:]))
	nFormats := int(body[21])
	off := 32 + vendorLen + pad4(vendorLen)
	for i := 0; i < nFormats; i++ {
		x.bpp[body[off]] = body[off+1]
		off += 8
	}
	x.root = le.Uint32(body[off:])
	x.depth = body[off+38]
	return nil
}

// xauthCookie finds the MIT-MAGIC-COOKIE-1 for display in $XAUTHORITY (xvfb-run writes one).
func xauthCookie(display string) (name, data []byte) {
	path := os.Getenv("XAUTHORITY")
	if path == "" {
		home, _ := os.UserHomeDir()
		path = filepath.Join(home, ".Xauthority")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil
	}
	// Entries: family (2 bytes), then address, display number, auth name, auth data, each a
	// big-endian 2-byte length and the bytes.
	for len(b) >= 2 {
		b = b[2:]
		var f [4][]byte
		for i := range f {
			if len(b) < 2 {
				return nil, nil
			}
			n := int(binary.BigEndian.Uint16(b))
			if len(b) < 2+n {
				return nil, nil
			}
			f[i], b = b[2:2+n], b[2+n:]
		}
		if string(f[1]) == display && string(f[2]) == "MIT-MAGIC-COOKIE-1" {
			return f[2], f[3]
		}
	}
	return nil, nil
}

// xError is an error reply from the server.
type xError struct{ code, major byte }

func (e *xError) Error() string { return fmt.Sprintf("X error %d on request %d", e.code, e.major) }

// roundTrip sends one request and reads its reply (header and body together), skipping any
// events the server sends in between.
func (x *xconn) roundTrip(req []byte) ([]byte, error) {
	le.PutUint16(req[2:], uint16(len(req)/4))
	if _, err := x.c.Write(req); err != nil {
		return nil, err
	}
	x.seq++
	for {
		head := make([]byte, 32)
		if _, err := io.ReadFull(x.r, head); err != nil {
			return nil, err
		}
		switch head[0] {
		case 0:
			if le.Uint16(head[2:]) == x.seq {
				return nil, &xError{head[1], head[10]}
			}
		case 1:
			extra := int(le.Uint32(head[4:])) * 4
			reply := make([]byte, 32+extra)
			copy(reply, head)
			if _, err := io.ReadFull(x.r, reply[32:]); err != nil {
				return nil, err
			}
			if le.Uint16(head[2:]) == x.seq {
				return reply, nil
			}
		}
		// An event, or a reply to nothing we wait for: skip it.
	}
}

func windowReq(opcode byte, w uint32) []byte {
	req := make([]byte, 8)
	req[0] = opcode
	le.PutUint32(req[4:], w)
	return req
}

// children lists the root window's children (top-level windows when no window manager runs).
func (x *xconn) children() ([]uint32, error) {
	reply, err := x.roundTrip(windowReq(15, x.root)) // QueryTree
	if err != nil {
		return nil, err
	}
	n := int(le.Uint16(reply[16:]))
	out := make([]uint32, n)
	for i := range out {
		out[i] = le.Uint32(reply[32+4*i:])
	}
	return out, nil
}

// viewable reports whether w is mapped and all its ancestors are (map state IsViewable).
func (x *xconn) viewable(w uint32) (bool, error) {
	reply, err := x.roundTrip(windowReq(3, w)) // GetWindowAttributes
	if err != nil {
		return false, err
	}
	return reply[26] == 2, nil
}

// name is w's WM_NAME.
func (x *xconn) name(w uint32) (string, error) {
	req := make([]byte, 24)
	req[0] = 20 // GetProperty
	le.PutUint32(req[4:], w)
	le.PutUint32(req[8:], 39) // WM_NAME
	le.PutUint32(req[12:], 0) // any type
	le.PutUint32(req[20:], 64)
	reply, err := x.roundTrip(req)
	if err != nil {
		return "", err
	}
	n := int(le.Uint32(reply[16:])) * int(reply[1]) / 8
	return string(reply[32 : 32+n]), nil
}

// findMapped returns the viewable top-level window called title, or 0.
func (x *xconn) findMapped(title string) (uint32, error) {
	ws, err := x.children()
	if err != nil {
		return 0, err
	}
	for _, w := range ws {
		ok, err := x.viewable(w)
		if err != nil || !ok {
			continue // windows come and go while we look
		}
		if n, err := x.name(w); err == nil && n == title {
			return w, nil
		}
	}
	return 0, nil
}

func (x *xconn) size(w uint32) (width, height int, err error) {
	reply, err := x.roundTrip(windowReq(14, w)) // GetGeometry
	if err != nil {
		return 0, 0, err
	}
	return int(le.Uint16(reply[16:])), int(le.Uint16(reply[18:])), nil
}

// ximage is a ZPixmap image of a window: 32 bits a pixel, little-endian BGRX on Xvfb's 24-bit
// screen.
type ximage struct {
	w, h int
	pix  []byte
}

// capture reads w's pixels.
func (x *xconn) capture(w uint32) (*ximage, error) {
	width, height, err := x.size(w)
	if err != nil {
		return nil, err
	}
	req := make([]byte, 20)
	req[0], req[1] = 73, 2 // GetImage, ZPixmap
	le.PutUint32(req[4:], w)
	le.PutUint16(req[12:], uint16(width))
	le.PutUint16(req[14:], uint16(height))
	le.PutUint32(req[16:], 0xffffffff)
	reply, err := x.roundTrip(req)
	if err != nil {
		return nil, err
	}
	if bpp := x.bpp[reply[1]]; bpp != 32 {
		return nil, fmt.Errorf("window depth %d has %d bits a pixel; only 32 is supported", reply[1], bpp)
	}
	return &ximage{w: width, h: height, pix: reply[32 : 32+width*height*4]}, nil
}

// flat reports whether every pixel has the same colour: the window shows only its background,
// nothing the page drew.
func (im *ximage) flat() bool {
	if len(im.pix) < 4 {
		return true
	}
	first := le.Uint32(im.pix) & 0xffffff
	for i := 4; i+4 <= len(im.pix); i += 4 {
		if le.Uint32(im.pix[i:])&0xffffff != first {
			return false
		}
	}
	return true
}
