package e2e

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// closeWindow asks the X window win (a decimal id, as xdotool prints it) to close, exactly as a
// window manager does when the person clicks the title bar's close button: a WM_PROTOCOLS
// ClientMessage carrying WM_DELETE_WINDOW. Xvfb runs no window manager, and this xdotool has no
// command for it (windowkill ends the X client instead), so this speaks the few X11 requests
// needed itself.
func closeWindow(win string) error {
	id, err := strconv.ParseUint(win, 10, 32)
	if err != nil {
		return fmt.Errorf("window id %q: %w", win, err)
	}
	disp := os.Getenv("DISPLAY")
	_, rest, _ := strings.Cut(disp, ":")
	num, _, _ := strings.Cut(rest, ".")
	c, err := net.DialTimeout("unix", "/tmp/.X11-unix/X"+num, 5*time.Second)
	if err != nil {
		return fmt.Errorf("connect to DISPLAY=%s: %w", disp, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	le := binary.LittleEndian
	pad := func(b []byte) []byte { return append(b, make([]byte, (4-len(b)%4)%4)...) }

	// Connection setup, with xvfb-run's cookie.
	name, data := x11Cookie(num)
	setup := make([]byte, 12)
	setup[0] = 'l'
	le.PutUint16(setup[2:], 11)
	le.PutUint16(setup[6:], uint16(len(name)))
	le.PutUint16(setup[8:], uint16(len(data)))
	setup = append(pad(append(setup, name...)), data...)
	if _, err := c.Write(pad(setup)); err != nil {
		return err
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(c, head); err != nil {
		return fmt.Errorf("X11 setup: %w", err)
	}
	if _, err := io.ReadFull(c, make([]byte, int(le.Uint16(head[6:]))*4)); err != nil {
		return fmt.Errorf("X11 setup: %w", err)
	}
	if head[0] != 1 {
		return fmt.Errorf("X11 setup refused (status %d)", head[0])
	}

	// reply reads the reply to the request numbered seq, skipping events.
	reply := func(seq uint16) ([]byte, error) {
		for {
			r := make([]byte, 32)
			if _, err := io.ReadFull(c, r); err != nil {
				return nil, err
			}
			if r[0] == 0 {
				return nil, fmt.Errorf("X error %d", r[1])
			}
			if r[0] == 1 {
				if extra := int(le.Uint32(r[4:])) * 4; extra > 0 {
					if _, err := io.ReadFull(c, make([]byte, extra)); err != nil {
						return nil, err
					}
				}
				if le.Uint16(r[2:]) == seq {
					return r, nil
				}
			}
		}
	}
	var seq uint16
	intern := func(atom string) (uint32, error) {
		req := make([]byte, 8)
		req[0] = 16 // InternAtom
		le.PutUint16(req[4:], uint16(len(atom)))
		req = pad(append(req, atom...))
		le.PutUint16(req[2:], uint16(len(req)/4))
		if _, err := c.Write(req); err != nil {
			return 0, err
		}
		seq++
		r, err := reply(seq)
		if err != nil {
			return 0, fmt.Errorf("InternAtom %s: %w", atom, err)
		}
		return le.Uint32(r[8:]), nil
	}
	protocols, err := intern("WM_PROTOCOLS")
	if err != nil {
		return err
	}
	deleteWindow, err := intern("WM_DELETE_WINDOW")
	if err != nil {
		return err
	}
	ev := make([]byte, 44)
	ev[0] = 25 // SendEvent, no propagation, event mask 0: to the window's owner
	le.PutUint16(ev[2:], 11)
	le.PutUint32(ev[4:], uint32(id))
	e := ev[12:]
	e[0], e[1] = 33, 32 // ClientMessage, format 32
	le.PutUint32(e[4:], uint32(id))
	le.PutUint32(e[8:], protocols)
	le.PutUint32(e[12:], deleteWindow) // data.l[0]; l[1] = CurrentTime
	if _, err := c.Write(ev); err != nil {
		return err
	}
	seq++
	// GetInputFocus has a reply: once it comes, the server has handled the event before it.
	if _, err := c.Write([]byte{43, 0, 1, 0}); err != nil {
		return err
	}
	seq++
	_, err = reply(seq)
	return err
}

// x11Cookie finds the MIT-MAGIC-COOKIE-1 for display number num in $XAUTHORITY (xvfb-run writes one).
func x11Cookie(num string) (name, data []byte) {
	path := os.Getenv("XAUTHORITY")
	if path == "" {
		home, _ := os.UserHomeDir()
		path = filepath.Join(home, ".Xauthority")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil
	}
	for len(b) >= 2 { // family, then address, display, name, data: each a BE length and bytes
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
		if string(f[1]) == num && string(f[2]) == "MIT-MAGIC-COOKIE-1" {
			return f[2], f[3]
		}
	}
	return nil, nil
}
