//go:build linux

package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// row is one line of the results table.
type row struct {
	metric   string
	target   string
	measured string
	verdict  string // "pass", "FAIL" or "—" when there is no target
}

// report collects what the benchmarks measured, for the table and for PERFORMANCE.md.
type report struct {
	machine string
	started time.Time
	rows    []row
	details []string // Markdown paragraphs: per-run samples, breakdowns, notes on noise
	errors  []string
}

func (r *report) add(metric, target, measured string, pass *bool) {
	v := "—"
	if pass != nil {
		v = "FAIL"
		if *pass {
			v = "pass"
		}
	}
	r.rows = append(r.rows, row{metric, target, measured, v})
}

func (r *report) detail(format string, args ...any) {
	r.details = append(r.details, fmt.Sprintf(format, args...))
}

func (r *report) failed() bool {
	if len(r.errors) > 0 {
		return true
	}
	for _, row := range r.rows {
		if row.verdict == "FAIL" {
			return true
		}
	}
	return false
}

func ptr(b bool) *bool { return &b }

// markdown is the results table followed by the details.
func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %s.\n\n", r.started.UTC().Format("2006-01-02 15:04 MST"), r.machine)
	b.WriteString("| metric | target | measured | result |\n|---|---|---|---|\n")
	for _, row := range r.rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", row.metric, row.target, row.measured, row.verdict)
	}
	for _, e := range r.errors {
		fmt.Fprintf(&b, "| %s | | not measured | ERROR |\n", strings.ReplaceAll(e, "|", "/"))
	}
	for _, d := range r.details {
		b.WriteString("\n" + d + "\n")
	}
	return b.String()
}

// describeMachine names the CPU, core count, memory and kernel, so numbers are read in context.
func describeMachine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
		}
	}
	kernel := ""
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = ", Linux " + strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%d × %s%s%s, %s", runtime.NumCPU(), cpu, mem, kernel, runtime.Version())
}

// Markers delimit the part of PERFORMANCE.md that the bench rewrites; the prose around them
// (how each number is measured, analysis) is written by hand and left alone.
const (
	docBegin = "<!-- bench:results:begin -->"
	docEnd   = "<!-- bench:results:end -->"
)

func updateDoc(path string, r *report) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i, j := strings.Index(s, docBegin), strings.Index(s, docEnd)
	if i < 0 || j < i {
		return fmt.Errorf("no %s … %s section to replace", docBegin, docEnd)
	}
	out := s[:i+len(docBegin)] + "\n" + r.markdown() + s[j:]
	return os.WriteFile(path, []byte(out), 0o644)
}
