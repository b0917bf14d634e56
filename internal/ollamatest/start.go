package ollamatest

import (
	"context"
	"os"
	"testing"
	"time"
)

// Start starts a real Ollama with the tiny models for one test and stops it when the test ends.
// If the test fails, the end of Ollama's log is added to the test output.
//
// Without an ollama binary the test fails, saying how to build one; with
// CLOUDTOLOCALLLM_SKIP_OLLAMA=1 it is skipped instead (quick unit runs only).
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith is Start with options. Dir defaults to a t.TempDir().
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	if os.Getenv(SkipEnv) == "1" {
		t.Skipf("%s=1: skipping a test that needs a real Ollama", SkipEnv)
	}
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*startTimeout)
	defer cancel()
	began := time.Now()
	s, err := Launch(ctx, opts)
	if err != nil {
		t.Fatalf("start a real Ollama: %v", err)
	}
	t.Logf("ollama serve on %s with models %s and %s, ready in %v", s.URL, TinyModel, TinyLongModel,
		time.Since(began).Round(time.Millisecond))
	// Registered after TempDir's cleanup, so it runs first: the server is gone before its
	// directory is removed.
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("stop ollama: %v", err)
		}
		if t.Failed() {
			t.Log(s.LogTail(40))
		}
	})
	return s
}
