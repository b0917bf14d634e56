//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// windowTitle is the title the app gives its window (app.go).
const windowTitle = "CloudToLocalLLM"

// desktopSample is one cold start of the desktop app.
type desktopSample struct {
	opened time.Duration // exec → the app logged "history open" (its backend is up); 0 if not seen
	web    time.Duration // exec → the WebKit web process exists; 0 if not seen
	dom    time.Duration // exec → the app logged "window ready" (Wails OnDomReady); 0 if not seen
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

	subjects := []*desktopSubject{{name: "app", bin: c.bin, title: windowTitle}}
	for _, a := range c.also {
		subjects = append(subjects, &desktopSubject{name: a[0], bin: a[1], title: windowTitle})
	}
	if c.floor {
		bin, err := buildFloor()
		if err != nil {
			return err
		}
		defer os.RemoveAll(filepath.Dir(bin))
		subjects = append(subjects, &desktopSubject{name: "floor", bin: bin, title: floorTitle})
	}
	for _, sub := range subjects {
		bin, done, err := privateCopy(sub.bin)
		if err != nil {
			return fmt.Errorf("copy %s: %w", sub.bin, err)
		}
		defer done()
		sub.bin = bin
	}
	// Interleaved, so that load from other processes falls on the app and the floor alike.
	for i := 0; i < c.startRuns; i++ {
		for _, sub := range subjects {
			s, err := coldStart(c, x, sub, origin.URL, i)
			if err != nil {
				return fmt.Errorf("%s, run %d: %w", sub.name, i+1, err)
			}
			logf("%s start %d: window mapped %s, first paint %s, PSS %s (%s)", sub.name, i+1, fmtMs(ms(s.mapped)), fmtMs(ms(s.paint)),
				fmtMB(float64(sumPSS(s.mem))), perProcess(s.mem))
			sub.samples = append(sub.samples, s)
			time.Sleep(time.Second) // let the previous WebKit processes finish exiting
		}
	}

	app := subjects[0]
	m, p, pss, rss := app.summaries()
	if c.wants("start") {
		r.add("Desktop cold start → first paint, median", "≤ 500 ms",
			fmt.Sprintf("%s (window mapped %s; p95 %s)", fmtMs(p.median), fmtMs(m.median), fmtMs(p.p95)), ptr(p.median <= 500))
	}
	if c.wants("memory") {
		r.add(fmt.Sprintf("Idle memory of the whole app (PSS, %s after first paint), median", c.idle), "≤ 150 MB",
			fmt.Sprintf("%s (USS %s, RSS summed %s)", fmtMB(pss.median), fmtMB(app.ussMedian()), fmtMB(rss.median)), ptr(pss.median <= 150e6))
	}
	if c.floor {
		floor := subjects[len(subjects)-1]
		fm, fp, fpss, _ := floor.summaries()
		r.add("Reference: empty Wails window (bench/floor), first paint; PSS", "—",
			fmt.Sprintf("%s (mapped %s); %s (USS %s)", fmtMs(fp.median), fmtMs(fm.median), fmtMB(fpss.median), fmtMB(floor.ussMedian())), nil)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Desktop, %d cold starts each, interleaved (ms from exec; PSS of the process tree %s after first paint):\n\n", c.startRuns, c.idle)
	b.WriteString("| | backend open | web process started | window mapped, median (p95) | DOM ready | first paint, median (p95) | first paint, each run | PSS, median | USS, median | RSS summed, median |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, sub := range subjects {
		m, p, pss, rss := sub.summaries()
		var opened, web, dom []float64
		for _, s := range sub.samples {
			if s.opened > 0 {
				opened = append(opened, ms(s.opened))
			}
			if s.dom > 0 {
				dom = append(dom, ms(s.dom))
			}
			if s.web > 0 {
				web = append(web, ms(s.web))
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s (%s) | %s | %s (%s) | %s | %s | %s | %s |\n", sub.name, medianOrDash(opened), medianOrDash(web),
			fmtMs(m.median), fmtMs(m.p95), medianOrDash(dom), fmtMs(p.median), fmtMs(p.p95), joinMs(sub.paints()), fmtMB(pss.median), fmtMB(sub.ussMedian()), fmtMB(rss.median))
	}
	r.detail("%s", b.String())
	for _, sub := range subjects {
		r.detail("Idle memory of the %s by process (its run with the median PSS):\n\n%s", sub.name, memTable(sub.samples[medianIndex(sub.psses())].mem))
	}
	return nil
}

// desktopSubject is a binary whose window is measured: the app, or the floor.
type desktopSubject struct {
	name, bin, title string
	samples          []desktopSample
}

func (d *desktopSubject) paints() []float64 {
	out := make([]float64, len(d.samples))
	for i, s := range d.samples {
		out[i] = ms(s.paint)
	}
	return out
}

func (d *desktopSubject) psses() []float64 {
	out := make([]float64, len(d.samples))
	for i, s := range d.samples {
		out[i] = float64(sumPSS(s.mem))
	}
	return out
}

func (d *desktopSubject) ussMedian() float64 {
	var u []float64
	for _, s := range d.samples {
		u = append(u, float64(sumUSS(s.mem)))
	}
	return summarize(u).median
}

func (d *desktopSubject) summaries() (mapped, paint, pss, rss summary) {
	var m, r []float64
	for _, s := range d.samples {
		m = append(m, ms(s.mapped))
		r = append(r, float64(sumRSS(s.mem)))
	}
	return summarize(m), summarize(d.paints()), summarize(d.psses()), summarize(r)
}

// floorTitle is bench/floor's window title.
const floorTitle = "CloudToLocalLLM floor"

// buildFloor compiles bench/floor with the tags and flags make build uses for the app.
func buildFloor() (string, error) {
	dir, err := os.MkdirTemp("", "c2l-floor-*")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "floor")
	cmd := exec.Command("go", "build", "-tags", "desktop,production,webkit2_41", "-ldflags", "-s -w", "-o", bin,
		"github.com/cloudtolocalllm/cloudtolocalllm/bench/floor")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build bench/floor: %v\n%s", err, out)
	}
	return bin, nil
}

// coldStart runs the app once: exec, wait for the window and its first paint, idle, read memory,
// SIGTERM.
func coldStart(c config, x *xconn, sub *desktopSubject, originURL string, run int) (desktopSample, error) {
	var s desktopSample
	app, err := startApp(sub.bin, nil, originURL, c.env)
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
			return s, fmt.Errorf("no %q window within 30 s; log:\n%s", sub.title, app.log())
		}
		s.watchWeb(app)
		if win, err = x.findMapped(sub.title); err != nil {
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
		s.watchWeb(app)
		if err := app.running(); err != nil {
			return s, err
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("the window stayed one flat colour for 30 s (capture error: %v); log:\n%s", err, app.log())
		}
		time.Sleep(3 * time.Millisecond)
	}
	if c.shots != "" {
		if err := img.savePNG(filepath.Join(c.shots, fmt.Sprintf("%s-first-paint-%d.png", sub.name, run+1))); err != nil {
			return s, err
		}
	}
	s.opened = app.loggedAt("history open")
	s.dom = app.loggedAt("window ready")
	time.Sleep(c.idle)
	if s.mem, err = treeMemory(app.pid()); err != nil {
		return s, err
	}
	if c.shots != "" {
		// What the window shows once idle, to compare with the first paint.
		if img, err := x.capture(win); err == nil {
			img.savePNG(filepath.Join(c.shots, fmt.Sprintf("%s-idle-%d.png", sub.name, run+1)))
		}
	}
	stopped = true
	return s, app.stop()
}

// watchWeb notes when WebKit's web process first shows up among the app's children; it stops
// scanning /proc once it has.
func (s *desktopSample) watchWeb(app *appProc) {
	if s.web != 0 {
		return
	}
	for _, pid := range descendants(app.pid()) {
		if strings.HasPrefix(procName(pid), "WebKitWebProces") {
			s.web = time.Since(app.start)
			return
		}
	}
}

// perProcess is each process's PSS/USS in MB, for the log: which process a noisy total comes from.
func perProcess(m []procMem) string {
	parts := make([]string, len(m))
	for i, p := range m {
		parts[i] = fmt.Sprintf("%s %.0f/%.0f", p.name, float64(p.pss)/1e6, float64(p.uss)/1e6)
	}
	return "PSS/USS MB: " + strings.Join(parts, ", ")
}

func sumPSS(m []procMem) (n int64) {
	for _, p := range m {
		n += p.pss
	}
	return n
}

func sumUSS(m []procMem) (n int64) {
	for _, p := range m {
		n += p.uss
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
	b.WriteString("| process | PSS | USS (private) | RSS |\n|---|---|---|---|\n")
	for _, p := range m {
		fmt.Fprintf(&b, "| %s (%d) | %s | %s | %s |\n", p.name, p.pid, fmtMB(float64(p.pss)), fmtMB(float64(p.uss)), fmtMB(float64(p.rss)))
	}
	fmt.Fprintf(&b, "| **total** | **%s** | %s | %s |\n", fmtMB(float64(sumPSS(m))), fmtMB(float64(sumUSS(m))), fmtMB(float64(sumRSS(m))))
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

func medianOrDash(xs []float64) string {
	if len(xs) == 0 {
		return "—"
	}
	return fmtMs(summarize(xs).median)
}

func joinMs(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(parts, ", ")
}
