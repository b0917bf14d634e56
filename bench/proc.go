//go:build linux

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// appProc is one running cloudtolocalllm.
type appProc struct {
	cmd     *exec.Cmd
	start   time.Time // just before exec
	dataDir string
	logPath string
	exited  chan struct{}
	waitErr error
}

// startApp execs the binary with a fresh data directory of its own and its log in a file.
// ollamaURL goes into OLLAMA_HOST; every start gets a fresh history, as on first launch.
// extraEnv (KEY=VALUE) is added last, for experiments such as WebKit settings.
func startApp(bin string, args []string, ollamaURL string, extraEnv []string) (*appProc, error) {
	dir, err := os.MkdirTemp("", "c2l-bench-*")
	if err != nil {
		return nil, err
	}
	a := &appProc{dataDir: filepath.Join(dir, "data"), logPath: filepath.Join(dir, "app.log"), exited: make(chan struct{})}
	logf, err := os.Create(a.logPath)
	if err != nil {
		return nil, err
	}
	a.cmd = exec.Command(bin, args...)
	a.cmd.Env = append(os.Environ(), "CLOUDTOLOCALLLM_DATA_DIR="+a.dataDir, "OLLAMA_HOST="+ollamaURL)
	a.cmd.Env = append(a.cmd.Env, extraEnv...)
	a.cmd.Stdout, a.cmd.Stderr = logf, logf
	// If the bench dies (a timeout, ^C), the app must not live on: an idle leftover still maps the
	// binary, which makes the next run's pages "shared" and its USS and PSS too small.
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	a.start = time.Now()
	if err := a.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		a.waitErr = a.cmd.Wait()
		logf.Close()
		close(a.exited)
	}()
	return a, nil
}

func (a *appProc) pid() int { return a.cmd.Process.Pid }

func (a *appProc) running() error {
	select {
	case <-a.exited:
		return fmt.Errorf("the app exited (%v); log:\n%s", a.waitErr, a.log())
	default:
		return nil
	}
}

// stop sends SIGTERM, as a person's session would, and waits; it kills after 10 s. The data
// directory goes with it.
func (a *appProc) stop() error {
	defer os.RemoveAll(filepath.Dir(a.dataDir))
	select {
	case <-a.exited:
		return fmt.Errorf("the app had exited before it was stopped (%v); log:\n%s", a.waitErr, a.log())
	default:
	}
	a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.exited:
		return nil
	case <-time.After(10 * time.Second):
		a.cmd.Process.Kill()
		<-a.exited
		return errors.New("the app ignored SIGTERM for 10 s and was killed")
	}
}

func (a *appProc) log() string {
	b, _ := os.ReadFile(a.logPath)
	if len(b) > 4000 {
		b = append([]byte("…"), b[len(b)-4000:]...)
	}
	return string(b)
}

// loggedAt returns when the app logged a line with msg=msg, from the time= field of its slog text
// log (millisecond precision), relative to exec; 0 when there is no such line.
func (a *appProc) loggedAt(msg string) time.Duration {
	b, _ := os.ReadFile(a.logPath)
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.Contains(line, "msg=\""+msg+"\"") && !strings.Contains(line, "msg="+msg+" ") {
			continue
		}
		f, _, _ := strings.Cut(strings.TrimPrefix(line, "time="), " ")
		t, err := time.Parse(time.RFC3339Nano, f)
		if err != nil {
			return 0
		}
		return t.Sub(a.start)
	}
	return 0
}

// privateCopy copies bin into a temporary file of its own, written through to disk and then
// dropped from the page cache. Measured from that copy, the app's binary pages are its own: when
// the same file runs elsewhere at the same time (an end-to-end test of build/bin), its pages are
// shared and the app's PSS and USS come out lower by up to the binary's size. And the first start
// reads the binary from disk as an installed one would be, instead of finding the pages `go build`
// just wrote. done removes the copy.
func privateCopy(bin string) (path string, done func(), err error) {
	dir, err := os.MkdirTemp("", "c2l-bench-bin-*")
	if err != nil {
		return "", nil, err
	}
	done = func() { os.RemoveAll(dir) }
	path = filepath.Join(dir, filepath.Base(bin))
	if err := copyUncached(bin, path); err != nil {
		done()
		return "", nil, err
	}
	return path, done, nil
}

func copyUncached(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	// Only this file's cached pages go; nothing else on the machine is affected.
	unix.Fadvise(int(out.Fd()), 0, 0, unix.FADV_DONTNEED)
	return out.Close()
}

// freeAddr returns 127.0.0.1:PORT with a port that was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// procMem is one process's memory, from /proc/PID/smaps_rollup.
type procMem struct {
	pid      int
	name     string
	pss, rss int64 // bytes
	uss      int64 // private pages only: what exiting would free, whatever else runs
}

// treeMemory reads the memory of root and every process descended from it (WebKitGTK runs its
// web and network processes as children of the app). PSS is the fair total: pages shared between
// these processes (the WebKit libraries are mapped in all of them) are counted once overall,
// where summing RSS would count them in each. PSS also splits pages shared with processes
// outside the tree (other GTK or WebKit programs, Chromium, running at the same time), so it
// drops when they run; USS, the private pages alone, does not and is reported beside it.
func treeMemory(root int) ([]procMem, error) {
	pids := append([]int{root}, descendants(root)...)
	var out []procMem
	for _, pid := range pids {
		m, err := readMem(pid)
		if err != nil {
			if pid == root {
				return nil, err
			}
			continue // a child that just exited
		}
		out = append(out, m)
	}
	return out, nil
}

func readMem(pid int) (procMem, error) {
	m := procMem{pid: pid, name: procName(pid)}
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return m, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || fields[2] != "kB" {
			continue
		}
		kb, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			continue
		}
		switch fields[0] {
		case "Pss:":
			m.pss = kb << 10
		case "Rss:":
			m.rss = kb << 10
		case "Private_Clean:", "Private_Dirty:":
			m.uss += kb << 10
		}
	}
	return m, sc.Err()
}

// procName is the executable's short name (comm), e.g. WebKitWebProces (the kernel cuts it to
// 15 characters).
func procName(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

// descendants lists every process whose chain of parents leads to root, from /proc/*/stat.
func descendants(root int) []int {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name is in parentheses and may hold spaces; the fields after the last
		// ")" are state, then ppid.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(b[i+1:]))
		if len(fields) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		children[ppid] = append(children[ppid], pid)
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}
