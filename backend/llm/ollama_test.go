package llm_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

func newOllama(t *testing.T, url string) *llm.Ollama {
	t.Helper()
	o, err := llm.NewOllama(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func userSays(model, text string) llm.ChatRequest {
	return llm.ChatRequest{Model: model, Messages: []llm.Message{{Role: "user", Content: text}}}
}

// TestOllama runs the provider against one real Ollama. It serves one request at a time
// (NumParallel 1), so a generation that did not stop would hold up the next request.
func TestOllama(t *testing.T) {
	srv := ollamatest.StartWith(t, ollamatest.Options{NumParallel: 1})
	o := newOllama(t, srv.URL)
	ctx := context.Background()

	t.Run("version", func(t *testing.T) {
		v, err := o.Version(ctx)
		if err != nil || v == "" {
			t.Fatalf("Version = %q, %v", v, err)
		}
	})

	t.Run("models", func(t *testing.T) {
		models, err := o.Models(ctx)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]llm.Model{}
		for _, m := range models {
			byName[m.Name] = m
		}
		for _, name := range []string{ollamatest.TinyModel + ":latest", ollamatest.TinyLongModel + ":latest"} {
			m, ok := byName[name]
			if !ok {
				t.Fatalf("no %s in %+v", name, models)
			}
			if m.Family != "llama" || m.ParameterSize == "" || m.Quantization == "" || m.Size < 100_000 ||
				time.Since(m.ModifiedAt) > time.Hour {
				t.Errorf("%s = %+v, want family llama, parameter size, quantization, size and a recent time", name, m)
			}
		}
	})

	t.Run("stream a reply", func(t *testing.T) {
		var deltas []string
		stats, err := o.Chat(ctx, userSays(ollamatest.TinyModel, "hello"), func(d string) error {
			deltas = append(deltas, d)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(deltas) < ollamatest.TinyNumPredict/2 {
			t.Errorf("%d deltas, want about one per token (%d)", len(deltas), ollamatest.TinyNumPredict)
		}
		if strings.TrimSpace(strings.Join(deltas, "")) == "" {
			t.Error("empty reply")
		}
		if stats.DoneReason != "length" || stats.EvalTokens != ollamatest.TinyNumPredict || stats.PromptTokens == 0 ||
			stats.EvalDuration <= 0 || stats.TotalDuration < stats.EvalDuration {
			t.Errorf("stats %+v, want done reason length after %d tokens and durations", stats, ollamatest.TinyNumPredict)
		}
	})

	t.Run("options reach the model", func(t *testing.T) {
		reply := func(temp float64) string {
			req := userSays(ollamatest.TinyModel, "say something")
			req.Options.Temperature = &temp
			var b strings.Builder
			if _, err := o.Chat(ctx, req, func(d string) error { b.WriteString(d); return nil }); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}
		// Temperature 0 is greedy decoding: the same prompt gives the same words. At the
		// default temperature, 48 random words twice in the same order would be a miracle.
		if a, b := reply(0), reply(0); a != b {
			t.Errorf("temperature 0 replied differently:\n%q\n%q", a, b)
		}
		if a, b := reply(1), reply(1); a == b {
			t.Errorf("temperature 1 replied the same twice: %q", a)
		}
	})

	t.Run("stop mid-reply", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		r := reader{stopAt: 200, stop: func() error { cancel(); return nil }}
		_, err := o.Chat(cctx, userSays(ollamatest.TinyLongModel, "talk"), r.onDelta)
		returned := time.Since(r.stoppedAt)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Chat after cancel = %v, want context.Canceled", err)
		}
		if r.deltas < r.stopAt || returned > time.Second {
			t.Fatalf("%d deltas, returned %v after cancel; want ≥ %d and promptly", r.deltas, returned, r.stopAt)
		}
		checkOllamaStopped(t, o, r.rest())
	})

	t.Run("callback error stops the reply", func(t *testing.T) {
		enough := errors.New("enough")
		r := reader{stopAt: 200, stop: func() error { return enough }}
		_, err := o.Chat(ctx, userSays(ollamatest.TinyLongModel, "talk"), r.onDelta)
		if !errors.Is(err, enough) || r.deltas != r.stopAt {
			t.Fatalf("Chat = %v after %d deltas, want the callback's error after %d", err, r.deltas, r.stopAt)
		}
		checkOllamaStopped(t, o, r.rest())
	})

	t.Run("unknown model", func(t *testing.T) {
		_, err := o.Chat(ctx, userSays("no-such-model", "hi"), func(string) error {
			t.Error("a delta from a model that does not exist")
			return nil
		})
		if !errors.Is(err, llm.ErrModelNotFound) || !strings.Contains(err.Error(), "ollama pull no-such-model") {
			t.Fatalf("Chat with an unknown model = %v, want ErrModelNotFound suggesting ollama pull", err)
		}
	})

	t.Run("switch URL while in use", func(t *testing.T) {
		p := newOllama(t, closedURL(t))
		if _, err := p.Version(ctx); !errors.Is(err, llm.ErrUnreachable) {
			t.Fatalf("Version at a closed port = %v, want ErrUnreachable", err)
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 20 {
					// Each call sees the old URL or the new one, never a torn state.
					v, err := p.Version(ctx)
					if err != nil && !errors.Is(err, llm.ErrUnreachable) || err == nil && v == "" {
						t.Errorf("Version while the URL changes = %q, %v", v, err)
					}
				}
			})
		}
		if err := p.SetBaseURL(srv.URL); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if p.BaseURL() != srv.URL {
			t.Errorf("BaseURL %s, want %s", p.BaseURL(), srv.URL)
		}
		if _, err := p.Version(ctx); err != nil {
			t.Fatalf("Version after SetBaseURL: %v", err)
		}
	})
}

// reader counts deltas and calls stop at the stopAt-th, timing the stream on the way.
type reader struct {
	stopAt           int
	stop             func() error
	deltas           int
	first, stoppedAt time.Time
}

func (r *reader) onDelta(string) error {
	r.deltas++
	switch r.deltas {
	case 1:
		r.first = time.Now()
	case r.stopAt:
		r.stoppedAt = time.Now()
		return r.stop()
	}
	return nil
}

// rest estimates how long the rest of the TinyLongModel reply would have taken, from the pace
// so far. Tokens come slower as the context grows, so this errs short.
func (r *reader) rest() time.Duration {
	perToken := r.stoppedAt.Sub(r.first) / time.Duration(r.stopAt-1)
	return perToken * time.Duration(ollamatest.TinyLongNumPredict-r.stopAt)
}

// checkOllamaStopped checks that Ollama stopped generating an abandoned reply whose rest would
// have taken about rest. The server serves one request at a time, so had it gone on, a short
// reply asked for now would wait for all of it.
func checkOllamaStopped(t *testing.T, o *llm.Ollama, rest time.Duration) {
	t.Helper()
	began := time.Now()
	if _, err := o.Chat(context.Background(), userSays(ollamatest.TinyModel, "next"), nil); err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	if took > rest/3 {
		t.Fatalf("the next reply took %v, and the abandoned one had about %v to go: Ollama kept generating it", took, rest)
	}
	t.Logf("the next %d-token reply took %v; the abandoned one had about %v to go", ollamatest.TinyNumPredict, took, rest)
}

// TestOllamaKilledMidReply: Ollama dies (SIGKILL, runner too) while it streams. Chat reports
// ErrUnreachable naming the URL, and the deltas before the crash were delivered.
func TestOllamaKilledMidReply(t *testing.T) {
	srv := ollamatest.Start(t)
	o := newOllama(t, srv.URL)
	var deltas int
	var once sync.Once
	killed := make(chan time.Time, 1)
	_, err := o.Chat(context.Background(), userSays(ollamatest.TinyLongModel, "talk"), func(string) error {
		deltas++
		if deltas == 10 {
			once.Do(func() {
				go func() {
					if err := srv.Kill(); err != nil {
						t.Error(err)
					}
					killed <- time.Now()
				}()
			})
		}
		return nil
	})
	at := <-killed
	if !errors.Is(err, llm.ErrUnreachable) || !strings.Contains(err.Error(), srv.URL) {
		t.Fatalf("Chat when Ollama is killed = %v, want ErrUnreachable naming %s", err, srv.URL)
	}
	if deltas < 10 {
		t.Errorf("%d deltas before the crash, want ≥ 10", deltas)
	}
	if late := time.Since(at); late > 2*time.Second {
		t.Errorf("Chat returned %v after the kill", late)
	}
	if _, err := o.Version(context.Background()); !errors.Is(err, llm.ErrUnreachable) {
		t.Errorf("Version after the kill = %v, want ErrUnreachable", err)
	}
}

// TestOllamaNotRunning: nothing listens at the URL. Every call fails fast with ErrUnreachable
// and says what to do.
func TestOllamaNotRunning(t *testing.T) {
	url := closedURL(t)
	o := newOllama(t, url)
	ctx := context.Background()
	calls := map[string]func() error{
		"version": func() error { _, err := o.Version(ctx); return err },
		"models":  func() error { _, err := o.Models(ctx); return err },
		"chat": func() error {
			_, err := o.Chat(ctx, userSays(ollamatest.TinyModel, "hi"), func(string) error {
				t.Error("a delta from nowhere")
				return nil
			})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			began := time.Now()
			err := call()
			if !errors.Is(err, llm.ErrUnreachable) {
				t.Fatalf("%s = %v, want ErrUnreachable", name, err)
			}
			if !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "ollama serve") {
				t.Errorf("%s error %q should name %s and say to start ollama serve", name, err, url)
			}
			if took := time.Since(began); took > time.Second {
				t.Errorf("%s took %v to fail", name, took)
			}
		})
	}
}

// closedURL is an address on 127.0.0.1 where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}
