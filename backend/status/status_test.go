package status

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

// flaky is a server whose answer the test sets; the monitor's integration with a real Ollama is
// covered by the e2e tests.
type flaky struct {
	mu      sync.Mutex
	version string
	err     error
	calls   int
	models  []llm.Model
	listErr error
}

func (f *flaky) set(v string, err error) { f.mu.Lock(); f.version, f.err = v, err; f.mu.Unlock() }
func (f *flaky) Models(context.Context) ([]llm.Model, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.models, f.listErr
}
func (f *flaky) Version(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.version, f.err
}

func TestCheckPublishesOnlyChanges(t *testing.T) {
	srv := &flaky{version: "0.6.5"}
	bus := events.NewBus(16)
	m := NewMonitor(srv, func() string { return "http://127.0.0.1:11434" }, bus, slog.New(slog.NewTextHandler(io.Discard, nil)), DefaultIntervals())
	ctx := context.Background()
	steps := []struct {
		version   string
		err       error
		wantState string
		wantSeq   uint64
	}{
		{"0.6.5", nil, Reachable, 1},
		{"0.6.5", nil, Reachable, 1}, // no change, no event
		{"", fmt.Errorf("dial: %w", llm.ErrUnreachable), Unreachable, 2},
		{"", fmt.Errorf("dial: %w", llm.ErrUnreachable), Unreachable, 2},
		{"0.7.0", nil, Reachable, 3},
	}
	for i, s := range steps {
		srv.set(s.version, s.err)
		got := m.Check(ctx).Ollama
		if got.State != s.wantState || bus.Seq() != s.wantSeq {
			t.Fatalf("step %d: state %s seq %d, want %s seq %d", i, got.State, bus.Seq(), s.wantState, s.wantSeq)
		}
		if got.State == Unreachable && got.Hint == "" {
			t.Fatalf("step %d: unreachable without a hint", i)
		}
	}
}

func TestHints(t *testing.T) {
	for _, err := range []error{context.DeadlineExceeded, llm.ErrUnreachable, errors.New("garbage")} {
		if hint("http://x", err) == "" {
			t.Errorf("no hint for %v", err)
		}
	}
}

func TestRunBacksOffWhileDown(t *testing.T) {
	srv := &flaky{err: llm.ErrUnreachable}
	m := NewMonitor(srv, func() string { return "u" }, events.NewBus(4), slog.New(slog.NewTextHandler(io.Discard, nil)),
		Intervals{Up: time.Hour, DownMin: 10 * time.Millisecond, DownMax: 40 * time.Millisecond, Timeout: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	m.Run(ctx)
	srv.mu.Lock()
	calls := srv.calls
	srv.mu.Unlock()
	// 10+20+40+40+… ms: about 8 checks in 300 ms; without backoff at 10 ms it would be ~30.
	if calls < 3 || calls > 14 {
		t.Fatalf("%d checks in 300 ms, want between 3 and 14", calls)
	}
	// Poke wakes a sleeping monitor at once.
	srv.set("1", nil)
	m2 := NewMonitor(srv, func() string { return "u" }, events.NewBus(4), slog.New(slog.NewTextHandler(io.Discard, nil)),
		Intervals{Up: time.Hour, DownMin: time.Hour, DownMax: time.Hour, Timeout: time.Second})
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go m2.Run(ctx2)
	deadline := time.Now().Add(2 * time.Second)
	for m2.Get().Ollama.State != Reachable && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	srv.set("", llm.ErrUnreachable)
	m2.Poke()
	for m2.Get().Ollama.State != Unreachable && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if m2.Get().Ollama.State != Unreachable {
		t.Fatal("Poke did not trigger a check")
	}
}
