package chat

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// These tests run the service against a real Ollama (ollamatest) on a real SQLite file.

type realHarness struct {
	svc    *Service
	st     *store.Store
	dir    string
	ollama *llm.Ollama
	sub    *events.Subscription
	h      *harness // for its event helpers
}

func newRealHarness(t *testing.T, url string) *realHarness {
	t.Helper()
	provider, err := llm.NewOllama(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	bus := events.NewBus(100000)
	sub, _ := bus.Subscribe(0, 100000)
	ctx, cancel := context.WithCancel(context.Background())
	svc := New(ctx, st, provider, bus, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	r := &realHarness{svc: svc, st: st, dir: dir, ollama: provider, sub: sub}
	r.h = &harness{svc: svc, st: st, bus: bus, sub: sub, dir: dir, stop: cancel}
	t.Cleanup(func() {
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		svc.Shutdown(sctx)
		cancel()
		sub.Close()
		st.Close()
	})
	return r
}

// deltasUntilFinished collects the deltas of messageID until its message.finished.
func (r *realHarness) deltasUntilFinished(t *testing.T, messageID string, have int) (Message, []string) {
	t.Helper()
	final, seen := r.h.finishedWithin(t, messageID, 60*time.Second)
	var deltas []string
	for _, e := range seen {
		if e.Name == EventMessageDelta && e.Data["messageId"] == messageID {
			if int(e.Data["index"].(float64)) != have+len(deltas) {
				t.Fatalf("delta index %v, want %d", e.Data["index"], have+len(deltas))
			}
			deltas = append(deltas, e.Data["delta"].(string))
		}
	}
	return final, deltas
}

// waitDeltas waits until n deltas of messageID were published and returns them.
func (r *realHarness) waitDeltas(t *testing.T, messageID string, n int) []string {
	t.Helper()
	var deltas []string
	for len(deltas) < n {
		ev, _ := r.h.waitForWithin(t, EventMessageDelta, func(e event) bool { return e.Data["messageId"] == messageID }, 60*time.Second)
		deltas = append(deltas, ev.Data["delta"].(string))
	}
	return deltas
}

// reopened reads a message back from a fresh connection to the database file: what a restart
// would find.
func (r *realHarness) reopened(t *testing.T, id string) store.Message {
	t.Helper()
	st, err := store.Open(context.Background(), r.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := st.GetMessage(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOllamaReplies(t *testing.T) {
	srv := ollamatest.Start(t)

	t.Run("send streams and the whole reply is saved", func(t *testing.T) {
		r := newRealHarness(t, srv.URL)
		c, err := r.svc.Send(context.Background(), SendParams{Model: ollamatest.TinyModel, Content: "Tell me a story"})
		if err != nil {
			t.Fatal(err)
		}
		reply := c.Messages[1]
		final, deltas := r.deltasUntilFinished(t, reply.ID, 0)
		if final.Status != store.StatusDone || final.Error != "" {
			t.Fatalf("reply ended %s: %s", final.Status, final.Error)
		}
		if len(deltas) == 0 || final.Content != strings.Join(deltas, "") {
			t.Fatalf("content %q is not the %d deltas %q", final.Content, len(deltas), strings.Join(deltas, ""))
		}
		if final.EvalTokens != ollamatest.TinyNumPredict {
			t.Errorf("evalTokens = %d, want %d", final.EvalTokens, ollamatest.TinyNumPredict)
		}
		if final.EvalDurationMs <= 0 && final.EvalTokens > 0 {
			t.Logf("evalDurationMs = %d (a tiny model can be that fast)", final.EvalDurationMs)
		}
		saved := r.reopened(t, reply.ID)
		if saved.Status != store.StatusDone || saved.Content != final.Content || saved.EvalTokens != final.EvalTokens || saved.Model != ollamatest.TinyModel {
			t.Errorf("saved reply = %+v", saved)
		}
	})

	t.Run("stop keeps the partial reply", func(t *testing.T) {
		r := newRealHarness(t, srv.URL)
		c, err := r.svc.Send(context.Background(), SendParams{Model: ollamatest.TinyLongModel, Content: "Go on and on"})
		if err != nil {
			t.Fatal(err)
		}
		reply := c.Messages[1]
		r.waitDeltas(t, reply.ID, 5)
		if err := r.svc.Stop(context.Background(), c.ID); err != nil {
			t.Fatal(err)
		}
		saved := r.reopened(t, reply.ID)
		final, _ := r.h.finishedWithin(t, reply.ID, 10*time.Second)
		if saved.Status != store.StatusStopped || final.Status != store.StatusStopped {
			t.Fatalf("saved %s, announced %s; want stopped", saved.Status, final.Status)
		}
		if saved.Content == "" || saved.Content != final.Content {
			t.Fatalf("saved %q, announced %q; want the same partial reply", saved.Content, final.Content)
		}
		if final.EvalTokens >= ollamatest.TinyLongNumPredict {
			t.Errorf("a stopped reply ran to the end (%d tokens)", final.EvalTokens)
		}
	})

	t.Run("unknown model gives a reply in error that says what to do", func(t *testing.T) {
		r := newRealHarness(t, srv.URL)
		c, err := r.svc.Send(context.Background(), SendParams{Model: "no-such-model", Content: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		final, _ := r.h.finishedWithin(t, c.Messages[1].ID, 30*time.Second)
		if final.Status != store.StatusError || !strings.Contains(final.Error, "ollama pull no-such-model") {
			t.Fatalf("reply = %s %q", final.Status, final.Error)
		}
		if saved := r.reopened(t, final.ID); saved.Status != store.StatusError || saved.Error != final.Error {
			t.Fatalf("saved reply = %s %q", saved.Status, saved.Error)
		}
		// The conversation is free again: a good model works in it.
		if _, err := r.svc.Send(context.Background(), SendParams{ConversationID: c.ID, Model: ollamatest.TinyModel, Content: "again"}); err != nil {
			t.Fatal(err)
		}
		got, _ := r.svc.Get(context.Background(), c.ID)
		if final, _ := r.h.finishedWithin(t, got.Messages[3].ID, 60*time.Second); final.Status != store.StatusDone {
			t.Fatalf("reply with a real model = %s %q", final.Status, final.Error)
		}
	})
}

func TestOllamaKilledMidReplyThenRetry(t *testing.T) {
	srv := ollamatest.Start(t)
	r := newRealHarness(t, srv.URL)
	ctx := context.Background()
	c, err := r.svc.Send(ctx, SendParams{Model: ollamatest.TinyLongModel, Content: "A long one, please"})
	if err != nil {
		t.Fatal(err)
	}
	reply := c.Messages[1]
	deltas := r.waitDeltas(t, reply.ID, 5)
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	final, rest := r.deltasUntilFinished(t, reply.ID, len(deltas))
	deltas = append(deltas, rest...)
	if final.Status != store.StatusError {
		t.Fatalf("reply after Ollama died = %s, want error", final.Status)
	}
	if len(deltas) < 5 || final.Content != strings.Join(deltas, "") {
		t.Fatalf("partial content %q is not the deltas received (%d)", final.Content, len(deltas))
	}
	t.Logf("reply error after Ollama died: %s", final.Error)
	if !strings.Contains(final.Error, "ollama serve") || !strings.Contains(final.Error, "Retry") {
		t.Errorf("error text %q does not say what to do", final.Error)
	}
	if saved := r.reopened(t, reply.ID); saved.Status != store.StatusError || saved.Content != final.Content {
		t.Fatalf("saved = %s %q", saved.Status, saved.Content)
	}

	// Retrying while Ollama is down fails the same way, with nothing generated.
	if _, err := r.svc.Retry(ctx, reply.ID); err != nil {
		t.Fatal(err)
	}
	down, _ := r.h.finishedWithin(t, reply.ID, 30*time.Second)
	t.Logf("reply error while Ollama is down: %s", down.Error)
	if down.Status != store.StatusError || down.Content != "" || !strings.Contains(down.Error, "not reachable") {
		t.Fatalf("retry with Ollama down = %s %q %q", down.Status, down.Content, down.Error)
	}

	// Ollama is back (on another port, as after a restart with a new address in Settings).
	srv2 := ollamatest.Start(t)
	if err := r.ollama.SetBaseURL(srv2.URL); err != nil {
		t.Fatal(err)
	}
	m, err := r.svc.Retry(ctx, reply.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != reply.ID {
		t.Fatalf("retry made a new message %s", m.ID)
	}
	// A few tokens prove it works again; tiny-long would go on for seconds.
	r.waitDeltas(t, reply.ID, 3)
	if err := r.svc.Stop(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	after, _ := r.h.finishedWithin(t, reply.ID, 30*time.Second)
	if (after.Status != store.StatusStopped && after.Status != store.StatusDone) || after.Content == "" || after.Error != "" {
		t.Fatalf("retry after Ollama came back = %s %q %q", after.Status, after.Content, after.Error)
	}
	got, err := r.svc.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 2 {
		t.Fatalf("%d messages after retries, want 2", len(got.Messages))
	}
}
