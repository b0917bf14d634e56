//go:build linux

package main

import (
	"fmt"
	"os"
	"time"
)

// historyDesktopStarts starts the real desktop app (a window, under the X display make bench
// provides) on the big history and times exec → its backend has the history open → first paint,
// with the desktop benchmark's own cold start (desktop.go). Without a display it reports why
// and measures nothing.
func historyDesktopStarts(c config, dataDir, originURL string, r *report) error {
	if os.Getenv("DISPLAY") == "" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		r.detail("The desktop start with the 1M-message history was not measured: it needs an X display and a private D-Bus session (run it with `make bench`).")
		return nil
	}
	x, err := dialX()
	if err != nil {
		return err
	}
	defer x.Close()
	dc := c
	dc.env = append(append([]string(nil), c.env...), "CLOUDTOLOCALLLM_DATA_DIR="+dataDir)
	dc.idle = 0
	dc.shots = ""
	empty := c // a fresh, empty history per start (startApp makes one)
	empty.idle = 0
	empty.shots = ""
	sub := &desktopSubject{name: "app", bin: c.bin, title: windowTitle}
	// Interleaved with starts on an empty history, so that what the big history adds is told
	// apart from what the window itself costs on this machine at this moment.
	var opened, paint, emptyPaint []float64
	for run := 0; run < c.startRuns; run++ {
		s, err := coldStart(dc, x, sub, originURL, run)
		if err != nil {
			return fmt.Errorf("desktop start %d with the big history: %w", run+1, err)
		}
		if s.opened > 0 {
			opened = append(opened, ms(s.opened))
		}
		paint = append(paint, ms(s.paint))
		time.Sleep(time.Second) // let the previous WebKit processes finish exiting
		e, err := coldStart(empty, x, sub, originURL, run)
		if err != nil {
			return fmt.Errorf("desktop start %d with an empty history: %w", run+1, err)
		}
		emptyPaint = append(emptyPaint, ms(e.paint))
		logf("history desktop start %d: history open after %s, first paint after %s (empty history: %s)",
			run+1, fmtMs(ms(s.opened)), fmtMs(ms(s.paint)), fmtMs(ms(e.paint)))
		time.Sleep(time.Second)
	}
	p, ep := summarize(paint), summarize(emptyPaint)
	r.add("Desktop app start with the 1M-message history → first paint (median)", "≤ 1 s",
		fmt.Sprintf("%s (p95 %s; history open after %s; with an empty history, interleaved: %s)",
			fmtMs(p.median), fmtMs(p.p95), medianOrDash(opened), fmtMs(ep.median)), ptr(p.median <= 1000))
	r.detail("Desktop cold start (the window, under Xvfb), %d runs each, interleaved. With the 1M-message history, exec → history open: %s ms; → first paint: %s ms. With an empty history, → first paint: %s ms. The difference between the two is what the big history costs the start; the rest is the window's own start (see the desktop cold start above and bench/floor).",
		c.startRuns, joinMs(opened), joinMs(paint), joinMs(emptyPaint))
	return nil
}
