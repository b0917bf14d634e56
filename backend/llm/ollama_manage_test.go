package llm_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/registrytest"
)

// TestOllamaManage inspects, unloads, pulls and deletes models on one real Ollama, pulling from
// a real registry on loopback.
func TestOllamaManage(t *testing.T) {
	srv := ollamatest.Start(t)
	reg := registrytest.Start(t)
	o := newOllama(t, srv.URL)
	ctx := context.Background()

	t.Run("show", func(t *testing.T) {
		d, err := o.Show(ctx, ollamatest.TinyModel)
		if err != nil {
			t.Fatal(err)
		}
		// The tiny GGUF says llama.context_length 4096; the model was created with num_predict.
		if d.Family != "llama" || d.ContextLength != 4096 || !strings.Contains(d.Parameters, "num_predict") ||
			d.ParameterSize == "" || d.Quantization == "" || !slices.Contains(d.Capabilities, "completion") {
			t.Errorf("Show(tiny) = %+v, want family llama, context 4096, num_predict among the parameters, sizes and completion", d)
		}
		if d.Vision() {
			t.Error("the tiny text model claims vision")
		}
	})

	t.Run("show a model that is not there", func(t *testing.T) {
		_, err := o.Show(ctx, "no-such-model")
		if !errors.Is(err, llm.ErrModelNotFound) || !strings.Contains(err.Error(), srv.URL) {
			t.Fatalf("Show(no-such-model) = %v, want ErrModelNotFound naming %s", err, srv.URL)
		}
	})

	t.Run("running and unload", func(t *testing.T) {
		// Start preloads tiny; tiny-long shares its runner, so ask for tiny explicitly.
		if _, err := o.Chat(ctx, userSays(ollamatest.TinyModel, "hi"), nil); err != nil {
			t.Fatal(err)
		}
		running, err := o.Running(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m, ok := findRunning(running, ollamatest.TinyModel+":latest")
		if !ok || m.Size <= 0 || !m.ExpiresAt.After(time.Now()) || m.Family != "llama" {
			t.Fatalf("Running = %+v, want tiny:latest with its memory and a future expiry", running)
		}
		if err := o.Unload(ctx, ollamatest.TinyModel); err != nil {
			t.Fatal(err)
		}
		// Ollama unloads in its scheduler, just after answering.
		waitUntil(t, 15*time.Second, "tiny leaves /api/ps", func() bool {
			running, err := o.Running(ctx)
			_, still := findRunning(running, ollamatest.TinyModel+":latest")
			return err == nil && !still
		})
		if err := o.Unload(ctx, "no-such-model"); !errors.Is(err, llm.ErrModelNotFound) {
			t.Errorf("Unload(no-such-model) = %v, want ErrModelNotFound", err)
		}
	})

	var pulled string
	t.Run("pull with progress", func(t *testing.T) {
		model := registrytest.TinyModel(t, 7, map[string]any{"num_predict": 8})
		pulled = reg.PublishModel(t, "pulled", model)
		var reports []llm.PullProgress
		if err := o.Pull(ctx, pulled, true, func(p llm.PullProgress) { reports = append(reports, p) }); err != nil {
			t.Fatal(err)
		}
		var statuses []string
		var modelTotal, modelDone int64
		for _, p := range reports {
			if len(statuses) == 0 || statuses[len(statuses)-1] != p.Status {
				statuses = append(statuses, p.Status)
			}
			if p.Total == int64(len(model.GGUF)) {
				modelTotal, modelDone = p.Total, max(modelDone, p.Completed)
			}
		}
		if statuses[0] != "pulling manifest" || statuses[len(statuses)-1] != "success" {
			t.Errorf("statuses %q, want pulling manifest … success", statuses)
		}
		if modelTotal == 0 || modelDone != modelTotal {
			t.Errorf("the model layer's reports reached %d of %d bytes, want all %d", modelDone, modelTotal, len(model.GGUF))
		}
		if !hasModel(t, o, pulled+":latest") {
			t.Fatalf("%s is not listed after the pull", pulled)
		}
		d, err := o.Show(ctx, pulled)
		if err != nil || d.Family != "llama" {
			t.Fatalf("Show(%s) = %+v, %v", pulled, d, err)
		}
	})

	t.Run("pull a name the registry does not have", func(t *testing.T) {
		before := modelNames(t, o)
		err := o.Pull(ctx, reg.Host+"/library/does-not-exist", true, nil)
		if !errors.Is(err, llm.ErrModelNotFound) || !strings.Contains(err.Error(), "does-not-exist") {
			t.Fatalf("Pull(does-not-exist) = %v, want ErrModelNotFound naming it", err)
		}
		t.Logf("the person reads: %v", err)
		if after := modelNames(t, o); !slices.Equal(before, after) {
			t.Errorf("a failed pull changed the models: %v → %v", before, after)
		}
	})

	t.Run("pull an invalid name", func(t *testing.T) {
		var se *llm.ServerError
		if err := o.Pull(ctx, "not a name!", false, nil); !errors.As(err, &se) {
			t.Fatalf("Pull(not a name!) = %v, want a ServerError", err)
		} else {
			t.Logf("the person reads: %v", err)
		}
	})

	t.Run("cancel and resume", func(t *testing.T) {
		model := registrytest.TinyModel(t, 8, nil)
		name := reg.PublishModel(t, "resumed", model)
		const held = 100_000
		reg.Hold(held)
		pctx, cancel := context.WithCancel(ctx)
		var mu sync.Mutex
		var firstRun []llm.PullProgress
		reachedHold := make(chan struct{})
		var once sync.Once
		err := o.Pull(pctx, name, true, func(p llm.PullProgress) {
			mu.Lock()
			firstRun = append(firstRun, p)
			mu.Unlock()
			if p.Total == int64(len(model.GGUF)) && p.Completed >= held {
				once.Do(func() { close(reachedHold); cancel() })
			}
		})
		cancel()
		select {
		case <-reachedHold:
		default:
			t.Fatalf("the pull ended (%v) before it reached the held %d bytes; reports %+v", err, held, firstRun)
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Pull after cancel = %v, want context.Canceled", err)
		}
		if hasModel(t, o, name+":latest") {
			t.Fatal("a cancelled pull left the model listed")
		}

		reg.Release()
		var resumedAt int64 = -1
		err = o.Pull(ctx, name, true, func(p llm.PullProgress) {
			if p.Total == int64(len(model.GGUF)) && resumedAt < 0 {
				resumedAt = p.Completed
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if resumedAt < held {
			t.Errorf("the second pull started its model layer at %d bytes, want ≥ %d (resumed)", resumedAt, held)
		}
		var ranges []string
		for _, r := range reg.BlobRequests() {
			if r.Digest == digestOf(model.GGUF) {
				ranges = append(ranges, r.Range)
			}
		}
		if len(ranges) < 2 || strings.HasPrefix(ranges[len(ranges)-1], "bytes=0-") {
			t.Errorf("the model layer's downloads asked for %q; the last should start past byte %d", ranges, held)
		}
		t.Logf("model layer downloads: %q; the second pull reported %d bytes done at once", ranges, resumedAt)
		if !hasModel(t, o, name+":latest") {
			t.Fatal("the resumed pull did not leave the model listed")
		}
	})

	t.Run("delete", func(t *testing.T) {
		if pulled == "" {
			t.Skip("the pull failed")
		}
		if err := o.Delete(ctx, pulled); err != nil {
			t.Fatal(err)
		}
		if hasModel(t, o, pulled+":latest") {
			t.Fatal("the model is still listed after Delete")
		}
		if err := o.Delete(ctx, pulled); !errors.Is(err, llm.ErrModelNotFound) {
			t.Errorf("deleting it again = %v, want ErrModelNotFound", err)
		}
		// The other models still work: their shared layers stayed.
		if _, err := o.Chat(ctx, userSays(ollamatest.TinyModel, "still there?"), nil); err != nil {
			t.Errorf("tiny after a delete of another model: %v", err)
		}
	})
}

func findRunning(ms []llm.RunningModel, name string) (llm.RunningModel, bool) {
	for _, m := range ms {
		if m.Name == name {
			return m, true
		}
	}
	return llm.RunningModel{}, false
}

func modelNames(t *testing.T, o *llm.Ollama) []string {
	t.Helper()
	ms, err := o.Models(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	slices.Sort(names)
	return names
}

func hasModel(t *testing.T, o *llm.Ollama, name string) bool {
	t.Helper()
	return slices.Contains(modelNames(t, o), name)
}

// waitUntil polls cond until it holds, failing the test after within.
func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func digestOf(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }
