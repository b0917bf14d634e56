package ollamatest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ollama/ollama/api"
	"golang.org/x/sync/errgroup"
)

// The models every Server has. Both come from the same GGUF blob and have the same load options,
// so Ollama serves them from one runner process.
const (
	// TinyModel answers with exactly TinyNumPredict tokens, in a few tens of milliseconds.
	TinyModel      = "tiny"
	TinyNumPredict = 48
	// TinyLongModel answers with TinyLongNumPredict tokens. Measured on the 2-core test box:
	// ~1100–1300 tokens/s over a whole reply under heavy load (load average 8–10), a reply of
	// 8–9 s; an idle box is faster, TestTinyModelNeverStopsEarly checks it still lasts ≥ 3 s.
	// Long enough to stop, kill or watch mid-reply; short enough to let one finish in a test.
	TinyLongModel      = "tiny-long"
	TinyLongNumPredict = 10000
)

// modelThreads is the models' num_thread. The model is so small that one thread is as fast as
// two when the box is idle; on a busy box (every engineer's tests share two cores) ggml's
// spinning worker threads fight for CPU and two threads were 15–60 times slower than one.
const modelThreads = 1

// startTimeout bounds how long ollama serve may take to answer; it normally takes ~0.1 s.
const startTimeout = 30 * time.Second

// Options tune Launch. The zero value is what Start uses.
type Options struct {
	// Binary is the ollama binary; empty means FindBinary.
	Binary string
	// Dir holds the models, HOME and the log; empty means a new temporary directory that Close
	// removes.
	Dir string
	// NumParallel sets OLLAMA_NUM_PARALLEL (requests one runner serves at once); 0 keeps
	// Ollama's default (4 on CPU). With 1, a second request waits for the first, which makes
	// "did Ollama really stop generating?" observable.
	NumParallel int
	// Seed picks the tiny model's random weights.
	Seed int64
	// NoPreload skips loading the model into a runner before Launch returns; the first chat
	// then pays the load (~0.3 s).
	NoPreload bool
}

// Server is a running `ollama serve` on 127.0.0.1 with the tiny models.
type Server struct {
	// URL is the base URL, http://127.0.0.1:PORT.
	URL string
	// Dir holds models/, home/ and ollama.log.
	Dir string
	// LogPath is the server's combined stdout and stderr.
	LogPath string

	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	ownDir  bool
	closing sync.Once
}

// Launch starts ollama serve and creates the tiny models. Callers must Close the server. Tests
// should use Start, which also skips or fails the test as appropriate and cleans up.
func Launch(ctx context.Context, opts Options) (*Server, error) {
	bin := opts.Binary
	if bin == "" {
		var err error
		if bin, err = FindBinary(); err != nil {
			return nil, err
		}
	}
	dir, ownDir := opts.Dir, false
	if dir == "" {
		d, err := os.MkdirTemp("", "ollamatest-")
		if err != nil {
			return nil, fmt.Errorf("make a directory for ollama: %w", err)
		}
		dir, ownDir = d, true
	}
	s, err := launch(ctx, bin, dir, opts)
	if err != nil {
		if ownDir {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	s.ownDir = ownDir
	return s, nil
}

func launch(ctx context.Context, bin, dir string, opts Options) (*Server, error) {
	for _, sub := range []string{"models", "home"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("make ollama's %s directory: %w", sub, err)
		}
	}
	modelPath := filepath.Join(dir, "tiny.gguf")
	if err := WriteTinyGGUF(modelPath, opts.Seed); err != nil {
		return nil, err
	}

	// Another process can take the free port between our probe and ollama's bind; then ollama
	// exits at once and we try a new port.
	var s *Server
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		s, err = serve(ctx, bin, dir, opts)
		if err == nil || !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	if err := s.createModels(ctx, modelPath, !opts.NoPreload); err != nil {
		s.Kill()
		return nil, err
	}
	return s, nil
}

func serve(ctx context.Context, bin, dir string, opts Options) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	hostPort := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	logPath := filepath.Join(dir, "ollama.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open ollama log: %w", err)
	}
	defer logFile.Close() // the child has its own descriptor

	cmd := exec.Command(bin, "serve")
	cmd.Env = append(withoutOllamaEnv(os.Environ()),
		"OLLAMA_HOST="+hostPort,
		"OLLAMA_MODELS="+filepath.Join(dir, "models"),
		"HOME="+filepath.Join(dir, "home"), // ollama serve writes its key pair under ~/.ollama
	)
	if opts.NumParallel > 0 {
		cmd.Env = append(cmd.Env, "OLLAMA_NUM_PARALLEL="+strconv.Itoa(opts.NumParallel))
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s serve: %w", bin, err)
	}
	s := &Server{
		URL:     "http://" + hostPort,
		Dir:     dir,
		LogPath: logPath,
		cmd:     cmd,
		exited:  make(chan struct{}),
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.Kill()
		return nil, fmt.Errorf("%w\n%s", err, s.LogTail(20))
	}
	return s, nil
}

// withoutOllamaEnv drops the caller's OLLAMA_* settings (a developer's OLLAMA_HOST or
// OLLAMA_KEEP_ALIVE) so every test server behaves the same.
func withoutOllamaEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "OLLAMA_") {
			out = append(out, kv)
		}
	}
	return out
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port for ollama: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(s.URL + "/api/version")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("ollama serve exited before it was ready (%v)", s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("ollama serve did not answer on %s: %w", s.URL, ctx.Err())
		case <-tick.C:
		}
	}
}

// createModels uploads the GGUF once and creates both models from it in parallel.
func (s *Server) createModels(ctx context.Context, modelPath string, preload bool) error {
	gguf, err := os.ReadFile(modelPath)
	if err != nil {
		return fmt.Errorf("read tiny model: %w", err)
	}
	digest := fmt.Sprintf("sha256:%x", sha256.Sum256(gguf))
	client := s.Client()
	if err := client.CreateBlob(ctx, digest, bytes.NewReader(gguf)); err != nil {
		return fmt.Errorf("upload tiny model to ollama: %w", err)
	}
	g, gctx := errgroup.WithContext(ctx)
	for name, numPredict := range map[string]int{TinyModel: TinyNumPredict, TinyLongModel: TinyLongNumPredict} {
		g.Go(func() error {
			err := client.Create(gctx, &api.CreateRequest{
				Model:      name,
				Files:      map[string]string{"tiny.gguf": digest},
				Parameters: map[string]any{"num_predict": numPredict, "num_thread": modelThreads},
			}, func(api.ProgressResponse) error { return nil })
			if err != nil {
				return fmt.Errorf("create model %s: %w", name, err)
			}
			if preload && name == TinyModel {
				// A chat without messages only loads the model into a runner.
				err := client.Chat(gctx, &api.ChatRequest{Model: name}, func(api.ChatResponse) error { return nil })
				if err != nil {
					return fmt.Errorf("load model %s: %w", name, err)
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// Client returns an Ollama API client for the server.
func (s *Server) Client() *api.Client {
	u, err := url.Parse(s.URL)
	if err != nil {
		panic(fmt.Sprintf("ollamatest: bad server URL %q: %v", s.URL, err)) // we built it
	}
	return api.NewClient(u, http.DefaultClient)
}

// Exited is closed when ollama serve has exited.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// Kill ends ollama serve and its runners with SIGKILL, as a crash would: connections drop
// mid-reply with no goodbye. It returns once serve has exited.
func (s *Server) Kill() error {
	if err := killGroup(s.cmd); err != nil {
		return fmt.Errorf("kill ollama serve: %w", err)
	}
	<-s.exited
	return waitGroupGone(s.cmd, 5*time.Second)
}

// Stop shuts ollama serve down cleanly (SIGTERM, then SIGKILL after 10 s) and waits for it.
func (s *Server) Stop() error {
	if err := terminate(s.cmd); err != nil {
		return fmt.Errorf("stop ollama serve: %w", err)
	}
	select {
	case <-s.exited:
		// A runner that outlived serve would keep its port and memory.
		if err := killGroup(s.cmd); err != nil {
			return fmt.Errorf("kill what ollama serve left behind: %w", err)
		}
		return waitGroupGone(s.cmd, 5*time.Second)
	case <-time.After(10 * time.Second):
		return s.Kill()
	}
}

// Close stops the server and removes its directory if Launch made it. It is safe to call more
// than once and after Kill.
func (s *Server) Close() error {
	var err error
	s.closing.Do(func() {
		err = s.Stop()
		if s.ownDir {
			if rerr := os.RemoveAll(s.Dir); rerr != nil && err == nil {
				err = fmt.Errorf("remove ollama test directory: %w", rerr)
			}
		}
	})
	return err
}

// LogTail returns the last n lines of the server's log, for failure messages.
func (s *Server) LogTail(n int) string {
	b, err := os.ReadFile(s.LogPath)
	if err != nil {
		return fmt.Sprintf("(no ollama log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "ollama log (last lines of " + s.LogPath + "):\n" + strings.Join(lines, "\n")
}
