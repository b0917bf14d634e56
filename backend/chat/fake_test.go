package chat

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// fakeProvider is a model the test drives by hand: each Chat call shows up on calls, and the test
// decides every delta and how the reply ends.
type fakeProvider struct {
	calls chan *fakeCall
}

type fakeCall struct {
	req   llm.ChatRequest
	ctx   context.Context
	steps chan fakeStep
}

type fakeStep struct {
	applied chan struct{} // closed once onDelta has returned
	delta   string
	end     bool
	stats   llm.Stats
	err     error
}

func newFakeProvider() *fakeProvider { return &fakeProvider{calls: make(chan *fakeCall, 16)} }

func (f *fakeProvider) Chat(ctx context.Context, req llm.ChatRequest, onDelta func(string) error) (llm.Stats, error) {
	c := &fakeCall{req: req, ctx: ctx, steps: make(chan fakeStep)}
	f.calls <- c
	for {
		select {
		case <-ctx.Done():
			return llm.Stats{}, ctx.Err()
		case st := <-c.steps:
			if st.end {
				return st.stats, st.err
			}
			err := onDelta(st.delta)
			close(st.applied)
			if err != nil {
				return llm.Stats{}, err
			}
		}
	}
}

func (f *fakeProvider) Models(context.Context) ([]llm.Model, error) { return nil, nil }
func (f *fakeProvider) Version(context.Context) (string, error)     { return "fake", nil }

// next waits for the service to ask the model for a reply.
func (f *fakeProvider) next(t *testing.T) *fakeCall {
	t.Helper()
	select {
	case c := <-f.calls:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("the service never called the model")
		return nil
	}
}

func (c *fakeCall) send(t *testing.T, deltas ...string) {
	t.Helper()
	for _, d := range deltas {
		st := fakeStep{delta: d, applied: make(chan struct{})}
		select {
		case c.steps <- st:
		case <-time.After(5 * time.Second):
			t.Fatalf("the generation stopped taking deltas (at %q)", d)
		}
		<-st.applied // so that a Stop right after sees it in the reply
	}
}

func (c *fakeCall) end(t *testing.T, stats llm.Stats, err error) {
	t.Helper()
	select {
	case c.steps <- fakeStep{end: true, stats: stats, err: err}:
	case <-time.After(5 * time.Second):
		t.Fatal("the generation stopped before it was ended")
	}
}

func (c *fakeCall) finish(t *testing.T, deltas ...string) {
	t.Helper()
	c.send(t, deltas...)
	c.end(t, llm.Stats{DoneReason: "stop", EvalTokens: len(deltas), EvalDuration: 1500 * time.Millisecond}, nil)
}

type harness struct {
	svc  *Service
	st   *store.Store
	llm  *fakeProvider
	bus  *events.Bus
	sub  *events.Subscription
	dir  string
	stop context.CancelFunc
}

func newHarness(t *testing.T, opts ...Option) *harness {
	t.Helper()
	h := &harness{llm: newFakeProvider(), bus: events.NewBus(10000), dir: t.TempDir()}
	var err error
	if h.st, err = store.Open(context.Background(), h.dir); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	h.sub, _ = h.bus.Subscribe(0, 10000)
	h.svc = New(ctx, h.st, h.llm, h.bus, slog.New(slog.NewTextHandler(testWriter{t}, nil)), opts...)
	t.Cleanup(func() {
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		h.svc.Shutdown(sctx)
		cancel()
		h.sub.Close()
		h.st.Close()
	})
	return h
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

type event struct {
	Name string
	Data map[string]any
	raw  json.RawMessage
}

// waitFor reads events until one named name for which match (if given) is true, and returns it
// with every event read before it.
func (h *harness) waitFor(t *testing.T, name string, match func(event) bool) (event, []event) {
	t.Helper()
	return h.waitForWithin(t, name, match, 5*time.Second)
}

func (h *harness) waitForWithin(t *testing.T, name string, match func(event) bool, limit time.Duration) (event, []event) {
	t.Helper()
	var seen []event
	deadline := time.After(limit)
	for {
		select {
		case ev, ok := <-h.sub.C:
			if !ok {
				t.Fatal("event subscription closed")
			}
			e := event{Name: ev.Name, raw: ev.Data}
			if err := json.Unmarshal(ev.Data, &e.Data); err != nil {
				t.Fatalf("event %s is not a JSON object: %s", ev.Name, ev.Data)
			}
			if e.Name == name && (match == nil || match(e)) {
				return e, seen
			}
			seen = append(seen, e)
		case <-deadline:
			t.Fatalf("no %s event within %v; saw %d others", name, limit, len(seen))
		}
	}
}

// finished waits for the message.finished of messageID and returns the message it carries.
func (h *harness) finished(t *testing.T, messageID string) (Message, []event) {
	t.Helper()
	return h.finishedWithin(t, messageID, 5*time.Second)
}

func (h *harness) finishedWithin(t *testing.T, messageID string, limit time.Duration) (Message, []event) {
	t.Helper()
	ev, seen := h.waitForWithin(t, EventMessageFinished, func(e event) bool {
		m, _ := e.Data["message"].(map[string]any)
		return m["id"] == messageID
	}, limit)
	var d messageEvent
	if err := json.Unmarshal(ev.raw, &d); err != nil {
		t.Fatal(err)
	}
	return d.Message, seen
}

func (h *harness) stored(t *testing.T, id string) store.Message {
	t.Helper()
	m, err := h.st.GetMessage(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// send starts a new conversation with one message and returns it with the model's call.
func (h *harness) send(t *testing.T, content string) (Conversation, *fakeCall) {
	t.Helper()
	c, err := h.svc.Send(context.Background(), SendParams{Model: "m", Content: content})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	return c, h.llm.next(t)
}

// exchange sends content in conv (new when empty), lets the model answer with deltas, and waits
// until the reply is saved.
func (h *harness) exchange(t *testing.T, convID, content string, deltas ...string) Conversation {
	t.Helper()
	c, err := h.svc.Send(context.Background(), SendParams{ConversationID: convID, Model: "m", Content: content})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	h.llm.next(t).finish(t, deltas...)
	h.finished(t, c.Messages[len(c.Messages)-1].ID)
	return c
}

// eventually polls cond until it holds or 5s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
