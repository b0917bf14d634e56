package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// app is one running cloudtolocalllm process.
type app struct {
	t       *testing.T
	cmd     *exec.Cmd
	URL     string // http://127.0.0.1:PORT for --serve, empty for the desktop
	DataDir string
	logPath string

	exited     chan struct{}
	waitErr    error
	terminated bool // the test asked it to stop (terminate)

	stopOnce sync.Once
}

// appOptions say how to start the binary.
type appOptions struct {
	args      []string // e.g. --serve ADDR; nothing for the desktop window
	dataDir   string   // CLOUDTOLOCALLLM_DATA_DIR; a fresh t.TempDir() when empty
	ollamaURL string   // OLLAMA_HOST; when empty it points at a port nothing listens on
}

// startApp starts the binary with its own data directory and its log in a file, and stops it
// (SIGTERM) when the test ends.
func startApp(t *testing.T, o appOptions) *app {
	t.Helper()
	bin := appBinary(t)
	if o.dataDir == "" {
		o.dataDir = t.TempDir()
	}
	if o.ollamaURL == "" {
		o.ollamaURL = "http://" + deadAddr(t)
	}
	logf, err := os.CreateTemp(t.TempDir(), "app-*.log")
	if err != nil {
		t.Fatal(err)
	}
	a := &app{t: t, DataDir: o.dataDir, logPath: logf.Name(), exited: make(chan struct{})}
	a.cmd = exec.Command(bin, o.args...)
	a.cmd.Env = append(os.Environ(),
		"CLOUDTOLOCALLLM_DATA_DIR="+o.dataDir,
		"OLLAMA_HOST="+o.ollamaURL,
		"CLOUDTOLOCALLLM_LOG=debug",
	)
	a.cmd.Stdout = logf
	a.cmd.Stderr = logf
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		a.waitErr = a.cmd.Wait()
		logf.Close()
		close(a.exited)
	}()
	t.Cleanup(func() {
		a.stop()
		if t.Failed() {
			t.Logf("app log (%s):\n%s", a.logPath, a.log())
		}
	})
	return a
}

// startServe starts `cloudtolocalllm --serve 127.0.0.1:PORT` and waits until it answers.
func startServe(t *testing.T, o appOptions) *app {
	t.Helper()
	addr := freeAddr(t)
	o.args = append([]string{"--serve", addr}, o.args...)
	a := startApp(t, o)
	a.URL = "http://" + addr
	a.waitHealthy(30 * time.Second)
	return a
}

// waitHealthy polls /healthz until the server answers, the process dies, or the deadline passes.
func (a *app) waitHealthy(within time.Duration) {
	a.t.Helper()
	deadline := time.Now().Add(within)
	for {
		select {
		case <-a.exited:
			a.t.Fatalf("the app exited before it served (%v); log:\n%s", a.waitErr, a.log())
		default:
		}
		resp, err := http.Get(a.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("the app did not answer on %s/healthz within %v (last error %v); log:\n%s", a.URL, within, err, a.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// terminate sends SIGTERM and returns the exit code, or fails if the process does not exit
// within the given time (it is then killed).
func (a *app) terminate(within time.Duration) int {
	a.t.Helper()
	select {
	case <-a.exited:
		a.t.Fatalf("the app had already exited (%v) before it was asked to stop; log:\n%s", a.waitErr, a.log())
	default:
	}
	a.terminated = true
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		a.t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-a.exited:
	case <-time.After(within):
		a.cmd.Process.Kill()
		<-a.exited
		a.t.Fatalf("the app did not exit within %v of SIGTERM; log:\n%s", within, a.log())
	}
	var ee *exec.ExitError
	if errors.As(a.waitErr, &ee) {
		return ee.ExitCode()
	}
	if a.waitErr != nil {
		a.t.Fatalf("wait: %v", a.waitErr)
	}
	return 0
}

// stop ends the process if it still runs: SIGTERM, then SIGKILL after a grace period. Every test
// thereby also checks that the app shuts down cleanly: it must not have died on its own, and it
// must exit with code 0 when asked to stop.
func (a *app) stop() {
	a.stopOnce.Do(func() {
		select {
		case <-a.exited:
			if !a.terminated {
				a.t.Errorf("the app exited on its own during the test (%v)", a.waitErr)
			}
			return
		default:
		}
		a.terminated = true
		a.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-a.exited:
			if a.waitErr != nil {
				a.t.Errorf("the app exited with %v after SIGTERM, want code 0; log:\n%s", a.waitErr, a.log())
			}
		case <-time.After(10 * time.Second):
			a.t.Errorf("the app ignored SIGTERM for 10s; killing it")
			a.cmd.Process.Kill()
			<-a.exited
		}
	})
}

func (a *app) log() string {
	b, err := os.ReadFile(a.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	const max = 20000
	if len(b) > max {
		b = append([]byte("…"), b[len(b)-max:]...)
	}
	return string(b)
}

// dbPath is the history database the app keeps in its data directory.
func (a *app) dbPath() string { return filepath.Join(a.DataDir, "history.db") }

// apiError is the error shape every failed call has: {"error": {code, message, hint?}}.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Hint    string `json:"hint"`
}

// callError is a failed call as the client saw it.
type callError struct {
	Status int
	Err    apiError
}

func (e *callError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s (hint: %s)", e.Status, e.Err.Code, e.Err.Message, e.Err.Hint)
}

// call runs op over the HTTP API as the web build does and decodes the result into out.
func (a *app) call(ctx context.Context, op string, args, out any) error {
	body, err := json.Marshal(args)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.URL+"/api/call/"+op, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error apiError `json:"error"`
		}
		if err := json.Unmarshal(b, &e); err != nil || e.Error.Code == "" {
			return fmt.Errorf("%s: HTTP %d with a body that is not an API error: %q", op, resp.StatusCode, b)
		}
		return &callError{Status: resp.StatusCode, Err: e.Error}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: decode %q: %w", op, b, err)
	}
	return nil
}

// mustCall is call that fails the test on error.
func (a *app) mustCall(op string, args, out any) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.call(ctx, op, args, out); err != nil {
		a.t.Fatalf("%s: %v", op, err)
	}
}

// Message and Conversation are the API's types (docs/API.md), as much as the tests read.
type Message struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversationId"`
	Position       int    `json:"position"`
	Role           string `json:"role"`
	Content        string `json:"content"`
	Status         string `json:"status"`
	Error          string `json:"error"`
	Model          string `json:"model"`
}

type Conversation struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Model    string    `json:"model"`
	Messages []Message `json:"messages"`
}

func (a *app) conversation(id string) Conversation {
	a.t.Helper()
	var c Conversation
	a.mustCall("conversations.get", map[string]string{"id": id}, &c)
	return c
}

func (a *app) conversations() []Conversation {
	a.t.Helper()
	var r struct {
		Conversations []Conversation `json:"conversations"`
	}
	a.mustCall("conversations.list", struct{}{}, &r)
	return r.Conversations
}

// freeAddr returns 127.0.0.1:PORT with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// deadAddr returns a loopback address nothing listens on (connections are refused at once).
func deadAddr(t *testing.T) string { return freeAddr(t) }

// poll calls f every interval until it returns true or within passes; then it fails the test with
// what the last call said. It is the only way these tests wait: on a condition, with a deadline.
func poll(t *testing.T, within time.Duration, what string, f func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, last := f()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; last: %s", what, within, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func trunc(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", `\n`)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

// kill ends the process with SIGKILL, as a crash or a power cut would, and waits for it.
func (a *app) kill() {
	a.t.Helper()
	a.terminated = true
	if err := a.cmd.Process.Kill(); err != nil {
		a.t.Fatalf("kill the app: %v", err)
	}
	<-a.exited
}
