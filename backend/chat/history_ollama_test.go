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

// With a real Ollama: a stopped reply continued grows from its text, and a new conversation is
// titled by the model after its first exchange.
func TestOllamaContinueAndTitle(t *testing.T) {
	ol := ollamatest.Start(t)
	provider, err := llm.NewOllama(ol.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bus := events.NewBus(100000)
	sub, _ := bus.Subscribe(0, 100000)
	ctx, cancel := context.WithCancel(context.Background())
	svc := New(ctx, st, provider, bus, slog.New(slog.NewTextHandler(testWriter{t}, nil)), WithAutoTitles(30*time.Second))
	h := &harness{svc: svc, st: st, bus: bus, sub: sub, stop: cancel}
	t.Cleanup(func() {
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		svc.Shutdown(sctx)
		cancel()
		sub.Close()
		st.Close()
	})

	// Continue: stop a long reply part-way, then continue it.
	c, err := svc.Send(ctx, SendParams{Model: ollamatest.TinyLongModel, Content: "Tell me everything"})
	if err != nil {
		t.Fatal(err)
	}
	reply := c.Messages[1].ID
	h.waitForWithin(t, EventMessageDelta, func(e event) bool { return e.Data["messageId"] == reply && e.Data["index"].(float64) >= 20 }, 60*time.Second)
	if err := svc.Stop(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	stopped, _ := h.finishedWithin(t, reply, 30*time.Second)
	if stopped.Status != store.StatusStopped || stopped.Content == "" {
		t.Fatalf("stopped reply = %s %q", stopped.Status, stopped.Content)
	}
	if _, err := svc.Continue(ctx, reply); err != nil {
		t.Fatal(err)
	}
	h.waitForWithin(t, EventMessageDelta, func(e event) bool { return e.Data["messageId"] == reply && e.Data["index"].(float64) >= 10 }, 60*time.Second)
	if err := svc.Stop(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	more, _ := h.finishedWithin(t, reply, 30*time.Second)
	if !strings.HasPrefix(more.Content, stopped.Content) || len(more.Content) <= len(stopped.Content) {
		t.Fatalf("continued reply (%d bytes) does not grow from the stopped one (%d bytes)", len(more.Content), len(stopped.Content))
	}

	// Title: the tiny model answers with words; the title is made of them, not the first words.
	d, err := svc.Send(ctx, SendParams{Model: ollamatest.TinyModel, Content: "What is a good name for a hedgehog"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "What is a good name for a hedgehog" {
		t.Fatalf("the first title is %q, want the first words", d.Title)
	}
	h.finishedWithin(t, d.Messages[1].ID, 60*time.Second)
	ev, _ := h.waitForWithin(t, EventConversationUpdated, func(e event) bool {
		return e.Data["id"] == d.ID && e.Data["title"] != d.Title
	}, 60*time.Second)
	title, _ := ev.Data["title"].(string)
	if title == "" || len(strings.Fields(title)) > titleWords || strings.Contains(title, "\n") {
		t.Fatalf("the model's title is %q", title)
	}
	got, err := svc.Get(ctx, d.ID)
	if err != nil || got.Title != title {
		t.Fatalf("stored title = %q, %v; the event said %q", got.Title, err, title)
	}
}
