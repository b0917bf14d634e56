package notify

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
)

type recorder struct {
	mu   sync.Mutex
	sent []Notification
	repl []uint32
	fail bool
	c    chan struct{}
}

func (r *recorder) Send(_ context.Context, n Notification, replaces uint32) (uint32, error) {
	r.mu.Lock()
	defer func() { r.mu.Unlock(); r.c <- struct{}{} }()
	if r.fail {
		return 0, errors.New("no notification server")
	}
	r.sent = append(r.sent, n)
	r.repl = append(r.repl, replaces)
	return uint32(len(r.sent)), nil
}

// TestRunSendsHeldBackChanges runs the notifier with a short gap: a change held back by the rate
// limit is sent when the gap ends, and replaces the earlier notification of its kind.
func TestRunSendsHeldBackChanges(t *testing.T) {
	rec := &recorder{c: make(chan struct{}, 16)}
	n := New(rec, func() bool { return true }, 200*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ch := make(chan status.Status, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go n.Run(ctx, st(status.Reachable, status.SignedOut, status.RelayOff), ch)
	wait := func(what string) {
		t.Helper()
		select {
		case <-rec.c:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: nothing sent", what)
		}
	}
	ch <- st(status.Unreachable, status.SignedOut, status.RelayOff)
	wait("down")
	ch <- st(status.Reachable, status.SignedOut, status.RelayOff) // within the gap: held back
	wait("back, after the gap")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.sent) != 2 || rec.sent[0].Summary != "Ollama is not reachable" || rec.sent[1].Summary != "Ollama is back" {
		t.Fatalf("sent %+v", rec.sent)
	}
	if rec.repl[0] != 0 || rec.repl[1] != 1 {
		t.Fatalf("replaces ids %v, want [0 1]: the second replaces the first", rec.repl)
	}
}

func TestRunSurvivesASendFailure(t *testing.T) {
	rec := &recorder{c: make(chan struct{}, 16), fail: true}
	n := New(rec, func() bool { return true }, time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ch := make(chan status.Status)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx, st(status.Reachable, status.SignedOut, status.RelayOff), ch); close(done) }()
	ch <- st(status.Unreachable, status.SignedOut, status.RelayOff)
	<-rec.c
	rec.mu.Lock()
	rec.fail = false
	rec.mu.Unlock()
	ch <- st(status.Reachable, status.SignedOut, status.RelayOff)
	<-rec.c
	cancel()
	<-done
	if len(rec.sent) != 1 || rec.sent[0].Summary != "Ollama is back" {
		t.Fatalf("sent %+v", rec.sent)
	}
}
