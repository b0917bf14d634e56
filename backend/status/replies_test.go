package status

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
)

// The payloads below are the chat service's (docs/API.md), built as it builds them.
type msg struct {
	ID     string `json:"id"`
	Role   string `json:"role"`
	Status string `json:"status"`
	Model  string `json:"model,omitempty"`
}

func started(id, role, status, model string) (string, any) {
	return "message.started", map[string]any{"conversationId": "c", "message": msg{id, role, status, model}}
}
func delta(id string, i int) (string, any) {
	return "message.delta", map[string]any{"conversationId": "c", "messageId": id, "index": i, "delta": "tok "}
}
func finished(id, status string) (string, any) {
	return "message.finished", map[string]any{"conversationId": "c", "message": msg{id, "assistant", status, "tiny"}}
}

func event(t *testing.T, name string, data any) events.Event {
	t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return events.Event{Name: name, Data: raw}
}

func TestRepliesApply(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &replies{live: map[string]*reply{}}
	steps := []struct {
		name          string
		ev            func() (string, any)
		at            time.Duration
		changed, fail bool
		live          int
	}{
		{"the person's message is not a reply", func() (string, any) { return started("u1", "user", "done", "") }, 0, false, false, 0},
		{"a reply starts", func() (string, any) { return started("a1", "assistant", "streaming", "tiny") }, 0, true, false, 1},
		{"first token", func() (string, any) { return delta("a1", 0) }, time.Second, false, false, 1},
		{"tokens of an unknown reply are ignored", func() (string, any) { return delta("zz", 0) }, time.Second, false, false, 1},
		{"second reply", func() (string, any) { return started("a2", "assistant", "streaming", "tiny-long") }, time.Second, true, false, 2},
		{"an edited message is not streaming", func() (string, any) { return started("a3", "assistant", "done", "x") }, time.Second, false, false, 2},
		{"first reply done", func() (string, any) { return finished("a1", "done") }, 2 * time.Second, true, false, 1},
		{"finished twice", func() (string, any) { return finished("a1", "done") }, 2 * time.Second, false, false, 1},
		{"second reply fails", func() (string, any) { return finished("a2", "error") }, 3 * time.Second, true, true, 0},
		{"other events", func() (string, any) { return "conversation.updated", map[string]string{"id": "c"} }, 3 * time.Second, false, false, 0},
	}
	for _, s := range steps {
		name, data := s.ev()
		changed, failed := r.apply(event(t, name, data), t0.Add(s.at))
		if changed != s.changed || failed != s.fail || len(r.live) != s.live {
			t.Fatalf("%s: changed %v failed %v live %d, want %v %v %d", s.name, changed, failed, len(r.live), s.changed, s.fail, s.live)
		}
	}
	if r.model() != "tiny-long" {
		t.Fatalf("model %q, want the last reply's tiny-long", r.model())
	}
}

func TestRepliesRate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		live map[string]*reply
		at   time.Duration
		want float64
	}{
		{"idle", map[string]*reply{}, time.Second, 0},
		{"waiting for the first token", map[string]*reply{"a": {tokens: 0}}, time.Second, 0},
		{"one token is no speed yet", map[string]*reply{"a": {tokens: 1, firstAt: t0}}, time.Second, 0},
		{"21 tokens over 2 s", map[string]*reply{"a": {tokens: 21, firstAt: t0}}, 2 * time.Second, 10},
		{"two replies add up", map[string]*reply{"a": {tokens: 11, firstAt: t0}, "b": {tokens: 4, firstAt: t0.Add(500 * time.Millisecond)}}, time.Second, 16},
		{"rounded to a tenth", map[string]*reply{"a": {tokens: 11, firstAt: t0}}, 3 * time.Second, 3.3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &replies{live: tt.live}
			if got := r.rate(t0.Add(tt.at)); got != tt.want {
				t.Fatalf("rate %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRunFollowsReplies runs the monitor against a bus on which replies stream as the chat
// service publishes them, and checks that generating, the model and tokens/s follow.
func TestRunFollowsReplies(t *testing.T) {
	bus := events.NewBus(256)
	srv := &flaky{version: "0.6.5"}
	m := NewMonitor(srv, func() string { return "u" }, bus, quiet(),
		Intervals{Up: time.Hour, DownMin: time.Hour, DownMax: time.Hour, Timeout: time.Second, Rate: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, stop := m.Watch()
	defer stop()
	go m.Run(ctx)
	waitFor := func(what string, ok func(Status) bool) Status {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case s := <-c:
				if ok(s) {
					return s
				}
			case <-deadline:
				t.Fatalf("%s: not seen; status %+v", what, m.Get())
			}
		}
	}
	waitFor("reachable", func(s Status) bool { return s.Ollama.State == Reachable })

	bus.Publish(started("a1", "assistant", "streaming", "tiny"))
	waitFor("generating with tiny", func(s Status) bool {
		return s.Overall == OverallGenerating && s.Ollama.Generating == 1 && s.Ollama.Model == "tiny"
	})
	for i := range 5 {
		bus.Publish(delta("a1", i))
		time.Sleep(10 * time.Millisecond)
	}
	waitFor("a speed while tokens stream", func(s Status) bool { return s.Ollama.TokensPerSecond > 0 })

	srv.set("0.6.5", nil)
	calls := func() int { srv.mu.Lock(); defer srv.mu.Unlock(); return srv.calls }
	before := calls()
	bus.Publish(finished("a1", "error"))
	s := waitFor("idle again", func(s Status) bool { return s.Ollama.Generating == 0 })
	if s.Ollama.TokensPerSecond != 0 || s.Overall != OverallReady || s.Ollama.Model != "tiny" {
		t.Fatalf("after the reply: %+v, want ready, no speed, last model kept", s)
	}
	// A failed reply makes the monitor look at the server at once (its Up interval is an hour).
	deadline := time.Now().Add(5 * time.Second)
	for calls() == before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if calls() == before {
		t.Fatal("a failed reply did not trigger a check")
	}
}

func TestDeltaMessageID(t *testing.T) {
	tests := []struct {
		name string
		data any
		want string
	}{
		{"as the chat service sends it", map[string]any{"conversationId": "c1", "messageId": "m1", "index": 3, "delta": "hi"}, "m1"},
		{"a delta that quotes the key", map[string]any{"conversationId": "c1", "delta": `{"messageId":"evil"}`, "messageId": "m2"}, "m2"},
		{"no id", map[string]any{"delta": "x"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := json.Marshal(tt.data) // maps marshal with sorted keys: delta comes first
			if err != nil {
				t.Fatal(err)
			}
			if got := string(deltaMessageID(raw)); got != tt.want {
				t.Fatalf("deltaMessageID(%s) = %q, want %q", raw, got, tt.want)
			}
		})
	}
}

// BenchmarkApplyDelta is the monitor's cost per streamed token.
func BenchmarkApplyDelta(b *testing.B) {
	r := &replies{live: map[string]*reply{"01JDXAMPLEMESSAGEID00000000": {}}}
	raw, _ := json.Marshal(map[string]any{"conversationId": "01JDXAMPLECONVERSATION00000", "messageId": "01JDXAMPLEMESSAGEID00000000", "index": 7, "delta": " word"})
	ev := events.Event{Name: "message.delta", Data: raw}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		r.apply(ev, now)
	}
}
