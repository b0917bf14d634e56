//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// windowTitle is the title the app gives its window (app.go).
const windowTitle = "CloudToLocalLLM"

// desktopSample is one cold start of the desktop app.
type desktopSample struct {
	mapped time.Duration // exec → the window is viewable
	paint  time.Duration // exec → the window shows more than its background colour
	mem    []procMem     // after paint + idle
}

// benchDesktop starts the real desktop binary -start-runs times, each with a fresh data
// directory, and times exec → window mapped → first paint. Then, after the app has idled, it
// reads the memory of the whole process tree (the Go process and its WebKit children). Page
// caches stay warm between runs: this is the start a person sees on their second launch, not
// the first after boot.
func benchDesktop(c config, r *report) error {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		// Without a private bus GTK autolaunches one (with at-spi, keyring) that outlives us.
		return fmt.Errorf("no D-Bus session: run under dbus-run-session (make bench does)")
	}
	x, err := dialX()
	if err != nil {
		return err
	}
	defer x.Close()
	if w, _ := x.findMapped(windowTitle); w != 0 {
		return fmt.Errorf("a %s window is already on DISPLAY=%s: measure on a display of our own", windowTitle, os.Getenv("DISPLAY"))
	}
	// A model server that answers, so the UI starts in its ordinary state (models listed) rather
	// than showing that Ollama is unreachable.
	origin := ollamatest.NewFastOrigin(c.tokens)
	defer origin.Close()
	if c.shots != "" {
		if err := os.MkdirAll(c.shots, 0o755); err != nil {
			return err
		}
	}

	var samples []desktopSample
	for i := 0; i < c.startRuns; i++ {
		s, err := coldStart(c, x, origin.URL, i)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		logf("start %d: window mapped %s, first paint %s, PSS %s", i+1, fmtMs(ms(s.mapped)), fmtMs(ms(s.paint)), fmtMB(float64(sumPSS(s.mem))))
		samples = append(samples, s)
		time.Sleep(time.Second) // let the previous WebKit processes finish exiting
	}

	mapped, paint, pss, rss := make([]float64, len(samples)), make([]float64, len(samples)), make([]float64, len(samples)), make([]float64, len(samples))
	for i, s := range samples {
		mapped[i], paint[i] = ms(s.mapped), ms(s.paint)
		pss[i], rss[i] = float64(sumPSS(s.mem)), float64(sumRSS(s.mem))
	}
	m, p := summarize(mapped), summarize(paint)
	if c.wants("start") {
		r.add("Desktop cold start → first paint (median)", "≤ 500 ms",
			fmt.Sprintf("%s (window mapped %s; p95 %s)", fmtMs(p.median), fmtMs(m.median), fmtMs(p.p95)), ptr(p.median <= 500))
		r.detail("Desktop cold start, %d runs (exec → window mapped / → first paint), ms: mapped %s; first paint %s.",
			len(samples), joinMs(mapped), joinMs(paint))
	}
	if c.wants("memory") {
		ps, rs := summarize(pss), summarize(rss)
		r.add(fmt.Sprintf("Idle memory, whole app, PSS (median, %s after first paint)", c.idle), "≤ 150 MB",
			fmt.Sprintf("%s (RSS sum %s)", fmtMB(ps.median), fmtMB(rs.median)), ptr(ps.median <= 150e6))
		r.detail("Idle memory by process (the run with the median PSS):\n\n%s", memTable(samples[medianIndex(pss)].mem))
	}
	return nil
}

// coldStart runs the app once: exec, wait for the window and its first paint, idle, read memory,
// SIGTERM.
func coldStart(c config, x *xconn, originURL string, run int) (desktopSample, error) {
	var s desktopSample
	app, err := startApp(c.bin, nil, originURL, c.env)
	if err != nil {
		return s, err
	}
	stopped := false
	defer func() {
		if !stopped {
			app.stop()
		}
	}()
	deadline := app.start.Add(30 * time.Second)
	var win uint32
	for win == 0 {
		if err := app.running(); err != nil {
			return s, err
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("no %q window within 30 s; log:\n%s", windowTitle, app.log())
		}
		if win, err = x.findMapped(windowTitle); err != nil {
			return s, err
		}
		if win == 0 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	s.mapped = time.Since(app.start)
	var img *ximage
	for {
		at := time.Now()
		img, err = x.capture(win)
		if err == nil && !img.flat() {
			// The pixels were read during the request: credit the paint to when it was sent.
			s.paint = at.Sub(app.start)
			break
		}
		if err := app.running(); err != nil {
			return s, err
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("the window stayed one flat colour for 30 s (capture error: %v); log:\n%s", err, app.log())
		}
		time.Sleep(3 * time.Millisecond)
	}
	if c.shots != "" {
		if err := img.savePNG(filepath.Join(c.shots, fmt.Sprintf("first-paint-%d.png", run+1))); err != nil {
			return s, err
		}
	}
	time.Sleep(c.idle)
	if s.mem, err = treeMemory(app.pid()); err != nil {
		return s, err
	}
	if c.shots != "" {
		// What the window shows once idle, to compare with the first paint.
		if img, err := x.capture(win); err == nil {
			img.savePNG(filepath.Join(c.shots, fmt.Sprintf("idle-%d.png", run+1)))
		}
	}
	stopped = true
	return s, app.stop()
}

func sumPSS(m []procMem) (n int64) {
	for _, p := range m {
		n += p.pss
	}
	return n
}

func sumRSS(m []procMem) (n int64) {
	for _, p := range m {
		n += p.rss
	}
	return n
}

func memTable(m []procMem) string {
	var b strings.Builder
	b.WriteString("| process | PSS | RSS |\n|---|---|---|\n")
	for _, p := range m {
		fmt.Fprintf(&b, "| %s (%d) | %s | %s |\n", p.name, p.pid, fmtMB(float64(p.pss)), fmtMB(float64(p.rss)))
	}
	fmt.Fprintf(&b, "| **total** | **%s** | %s |\n", fmtMB(float64(sumPSS(m))), fmtMB(float64(sumRSS(m))))
	return b.String()
}

// medianIndex is the index of the sample closest to the median.
func medianIndex(xs []float64) int {
	med := summarize(xs).median
	best := 0
	for i, x := range xs {
		if abs(x-med) < abs(xs[best]-med) {
			best = i
		}
	}
	return best
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func joinMs(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(parts, ", ")
}
