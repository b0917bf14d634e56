//go:build linux

// Command bench measures the real cloudtolocalllm binary against the targets in
// docs/PERFORMANCE.md: the overhead the app adds to a streamed reply (time to first token and
// tokens/s, through the HTTP+SSE transport, against a fast Ollama-compatible origin so the app and
// not a model is what is timed), desktop cold start to first paint, idle memory of the whole app
// (Go process plus its WebKit children) and the gzipped size of the web build.
//
// It runs the binary named by $CLOUDTOLOCALLLM_BIN (or -bin). The desktop measurements need an X
// display and a private D-Bus session; `make bench` provides both (xvfb-run, dbus-run-session):
//
//	make bench                                  # everything, prints a Markdown table
//	go run -tags sqlite_fts5 ./bench -only size # one benchmark (stream, start, memory, size)
//
// Every timing is repeated (-runs, -start-runs) and reported as median and p95, because the
// machine it runs on is usually shared and a single run says little.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// config is what the command line chose.
type config struct {
	bin       string
	only      map[string]bool
	runs      int // streamed replies per path, from the FastOrigin
	pacedRuns int // streamed replies per path, from the paced origin
	pace      time.Duration
	env       []string // extra KEY=VALUE for the app
	warmup    int
	tokens    int // tokens in each streamed reply
	startRuns int // desktop cold starts
	idle      time.Duration
	dist      string      // the web build directory
	doc       string      // PERFORMANCE.md to update, empty for none
	shots     string      // where desktop screenshots go, empty for none
	floor     bool        // also measure bench/floor, an empty window on the same stack
	also      [][2]string // more builds of the app to measure beside it: name, binary
	strict    bool        // exit 2 when a target is missed

	historyCache string // where the generated big history is cached (history_gen.go)
	historyRuns  int    // repetitions of each history measurement
}

var benchmarks = []string{"stream", "start", "memory", "size", "history"}

func main() {
	var c config
	only := flag.String("only", "", "comma-separated benchmarks to run: "+strings.Join(benchmarks, ", ")+" (default all)")
	flag.StringVar(&c.bin, "bin", os.Getenv("CLOUDTOLOCALLLM_BIN"), "the cloudtolocalllm binary to measure (default $CLOUDTOLOCALLLM_BIN)")
	flag.IntVar(&c.runs, "runs", 30, "streamed replies measured per path (direct and through the app)")
	flag.IntVar(&c.pacedRuns, "paced-runs", 20, "streamed replies measured per path from the paced origin")
	flag.DurationVar(&c.pace, "pace", time.Millisecond, "interval between tokens of the paced origin (a fast model's rhythm); 0 skips it")
	flag.Func("env", "`KEY=VALUE` added to the app's environment (repeatable), for experiments", func(s string) error {
		if !strings.Contains(s, "=") {
			return fmt.Errorf("want KEY=VALUE")
		}
		c.env = append(c.env, s)
		return nil
	})
	flag.IntVar(&c.warmup, "warmup", 3, "streamed replies per path run first and not counted (connections, caches)")
	flag.IntVar(&c.tokens, "tokens", 2000, "tokens in each streamed reply")
	flag.IntVar(&c.startRuns, "start-runs", 7, "desktop cold starts (each also gives one idle-memory sample)")
	flag.DurationVar(&c.idle, "idle", 5*time.Second, "how long the desktop app idles before its memory is read")
	flag.StringVar(&c.dist, "dist", "frontend/dist", "the web build directory")
	flag.StringVar(&c.doc, "doc", "", "update the results section of this PERFORMANCE.md (e.g. docs/PERFORMANCE.md)")
	flag.BoolVar(&c.floor, "floor", true, "also measure bench/floor (an empty Wails window) as the stack's floor")
	flag.Func("also", "`NAME=BINARY`: another build of the app to measure beside it, interleaved, in the desktop benchmarks (repeatable; to try a fix)", func(s string) error {
		name, bin, ok := strings.Cut(s, "=")
		if !ok || name == "" || bin == "" {
			return fmt.Errorf("want NAME=BINARY")
		}
		abs, err := filepath.Abs(bin)
		if err != nil {
			return err
		}
		c.also = append(c.also, [2]string{name, abs})
		return nil
	})
	flag.BoolVar(&c.strict, "strict", false, "exit with status 2 when a target is missed (for a gate; by default a miss is reported, not an error)")
	flag.StringVar(&c.shots, "shots", "", "save the first-paint screenshot of each cold start (PNG) in this directory")
	flag.StringVar(&c.historyCache, "history-cache", ".cache/bench", "where the generated 1M-message history is kept between runs")
	flag.IntVar(&c.historyRuns, "history-runs", 30, "times each search (and each opening of the long conversation) is measured")
	flag.Parse()
	c.only = map[string]bool{}
	for _, name := range strings.Split(*only, ",") {
		if name = strings.TrimSpace(name); name != "" {
			c.only[name] = true
		}
	}
	for name := range c.only {
		if !contains(benchmarks, name) {
			fatalf("-only %s: no such benchmark (have %s)", name, strings.Join(benchmarks, ", "))
		}
	}
	if c.runs < 1 || c.pacedRuns < 1 || c.startRuns < 1 || c.tokens < 2 {
		fatalf("-runs, -paced-runs, -start-runs must be ≥ 1 and -tokens ≥ 2")
	}
	if c.wants("stream") || c.wants("start") || c.wants("memory") || c.wants("history") {
		if c.bin == "" {
			fatalf("no binary to measure: set CLOUDTOLOCALLLM_BIN or -bin (make bench does), or run only -only size")
		}
		abs, err := filepath.Abs(c.bin)
		if err != nil {
			fatalf("-bin %s: %v", c.bin, err)
		}
		if st, err := os.Stat(abs); err != nil || st.Mode()&0o111 == 0 {
			fatalf("-bin %s: not an executable file (run `make build`): %v", abs, err)
		}
		c.bin = abs
	}

	r := &report{machine: describeMachine(), started: time.Now()}
	if c.wants("size") {
		step(r, "web build size", func() error { return benchSize(c, r) })
	}
	if c.wants("stream") {
		step(r, "streaming overhead", func() error { return benchStream(c, r) })
	}
	if c.wants("start") || c.wants("memory") {
		step(r, "desktop cold start and idle memory", func() error { return benchDesktop(c, r) })
	}
	if c.wants("history") {
		step(r, "big history", func() error { return benchHistory(c, r) })
	}
	table := r.markdown()
	fmt.Println()
	fmt.Print(table)
	if c.doc != "" {
		if err := updateDoc(c.doc, r); err != nil {
			fatalf("update %s: %v", c.doc, err)
		}
		fmt.Fprintf(os.Stderr, "bench: wrote the results into %s\n", c.doc)
	}
	if len(r.errors) > 0 {
		os.Exit(1)
	}
	if c.strict && r.failed() {
		// A missed target is a finding, reported in the table; -strict makes it an exit status
		// for a script that gates on it.
		os.Exit(2)
	}
}

func (c config) wants(name string) bool { return len(c.only) == 0 || c.only[name] }

// step runs one benchmark; an error there is reported and the others still run.
func step(r *report, name string, f func() error) {
	logf("== %s", name)
	if err := f(); err != nil {
		logf("%s failed: %v", name, err)
		r.errors = append(r.errors, fmt.Sprintf("%s: %v", name, err))
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(1)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
