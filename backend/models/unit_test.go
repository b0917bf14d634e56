package models

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

func TestProgress(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	for _, tc := range []struct {
		name                 string
		reports              []llm.PullProgress
		times                []int // ms
		completed, total     int64
		rate, secondsLeftMin float64
	}{
		{
			name: "one layer at 1000 bytes/s",
			reports: []llm.PullProgress{
				{Status: "pulling manifest"},
				{Digest: "a", Total: 10000, Completed: 0},
				{Digest: "a", Total: 10000, Completed: 1000},
				{Digest: "a", Total: 10000, Completed: 2000},
			},
			times: []int{0, 0, 1000, 2000}, completed: 2000, total: 10000, rate: 1000, secondsLeftMin: 8,
		},
		{
			name: "a resumed layer does not count its old bytes as speed",
			reports: []llm.PullProgress{
				{Digest: "a", Total: 10000, Completed: 6000},
				{Digest: "a", Total: 10000, Completed: 7000},
			},
			times: []int{0, 1000}, completed: 7000, total: 10000, rate: 1000, secondsLeftMin: 3,
		},
		{
			name: "layers add up; one already on disk is no speed either",
			reports: []llm.PullProgress{
				{Digest: "a", Total: 500, Completed: 500},
				{Digest: "b", Total: 4000, Completed: 0},
				{Digest: "b", Total: 4000, Completed: 2000},
			},
			times: []int{0, 0, 1000}, completed: 2500, total: 4500, rate: 2000, secondsLeftMin: 1,
		},
		{
			name: "no speed before half a second of data",
			reports: []llm.PullProgress{
				{Digest: "a", Total: 100, Completed: 0},
				{Digest: "a", Total: 100, Completed: 50},
			},
			times: []int{0, 100}, completed: 50, total: 100, rate: 0, secondsLeftMin: -1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProgress()
			for i, r := range tc.reports {
				p.add(r, at(tc.times[i]))
			}
			if p.completed() != tc.completed || p.total() != tc.total {
				t.Errorf("%d of %d bytes, want %d of %d", p.completed(), p.total(), tc.completed, tc.total)
			}
			if p.rate != tc.rate {
				t.Errorf("rate %v, want %v", p.rate, tc.rate)
			}
			if left := p.secondsLeft(); left != tc.secondsLeftMin {
				t.Errorf("seconds left %v, want %v", left, tc.secondsLeftMin)
			}
		})
	}
}

func TestJudge(t *testing.T) {
	ptr := func(n int) *int { return &n }
	tinyish := &llm.ModelDetails{ContextLength: 4096}
	withParam := &llm.ModelDetails{ContextLength: 131072, NumCtx: 8192}
	for _, tc := range []struct {
		name      string
		tokens    int
		conv      *int
		d         *llm.ModelDetails
		level     string
		window    int
		from      string
		suggested int
		says      string
	}{
		{"small, default window", 500, nil, tinyish, LevelOK, 2048, "default", 0, ""},
		{"near the default window", 1700, nil, tinyish, LevelNear, 2048, "default", 4096, "83% of the 2048-token context"},
		{"over, capped at what the model was trained for", 5000, nil, tinyish, LevelOver, 2048, "default", 4096, "Raise the context to 4096"},
		{"over and nothing more to give", 5000, ptr(4096), tinyish, LevelOver, 4096, "conversation", 0, "start a new conversation from a summary"},
		{"the model's own num_ctx", 7000, nil, withParam, LevelNear, 8192, "model", 16384, "Raise the context to 16384"},
		{"the conversation's num_ctx wins", 7000, ptr(32768), withParam, LevelOK, 32768, "conversation", 0, ""},
		{"a server that does not say", 100000, nil, nil, LevelUnknown, 0, "unknown", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := judge(tc.tokens, tc.conv, tc.d)
			if e.Level != tc.level || e.Window != tc.window || e.WindowFrom != tc.from || e.SuggestedNumCtx != tc.suggested ||
				!strings.Contains(e.Message, tc.says) || (tc.says == "" && e.Message != "") {
				t.Errorf("judge = %+v, want level %s, window %d from %s, suggested %d, message saying %q",
					e, tc.level, tc.window, tc.from, tc.suggested, tc.says)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	for _, tc := range []struct {
		text string
		want int
	}{
		{"", 0},
		{"abcd", 1},
		{"hello world", 3},
		{"日本語", 3},
	} {
		if got := textTokens(tc.text); got != tc.want {
			t.Errorf("textTokens(%q) = %d, want %d", tc.text, got, tc.want)
		}
	}
	conv := store.Conversation{SystemPrompt: "be brief", Messages: []store.Message{
		{Role: store.RoleUser, Content: "abcdefgh", Images: store.Images{{MediaType: "image/png", Data: []byte{1}}}},
		{Role: store.RoleAssistant, Content: "counted by the server", EvalTokens: 40, Status: store.StatusDone},
		{Role: store.RoleAssistant, Content: "", Status: store.StatusError},
	}}
	// system 4+2, user 4+2+768, reply 4+40, the empty failed reply nothing.
	if got := conversationTokens(conv); got != 824 {
		t.Errorf("conversationTokens = %d, want 824", got)
	}
	for n, want := range map[int]int{1: 1, 3: 4, 4096: 4096, 4097: 8192} {
		if got := nextPow2(n); got != want {
			t.Errorf("nextPow2(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestFullName(t *testing.T) {
	for in, want := range map[string]string{
		"tiny": "tiny:latest", "tiny:latest": "tiny:latest", "llama3.2:1b": "llama3.2:1b",
		"127.0.0.1:5000/library/tiny": "127.0.0.1:5000/library/tiny:latest", " x ": "x:latest", "": "",
	} {
		if got := fullName(in); got != want {
			t.Errorf("fullName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFollowReplies reads the chat's own event shapes: started/finished, retries of a reply that
// started twice, a user message (not a reply) and a reply started already finished.
func TestFollowReplies(t *testing.T) {
	m := New(t.Context(), nil, nil, events.NewBus(10), nil)
	ev := func(name, id, role, status, model string) events.Event {
		data, _ := json.Marshal(map[string]any{"conversationId": "c", "message": map[string]string{
			"id": id, "role": role, "status": status, "model": model}})
		return events.Event{Name: name, Data: data}
	}
	m.apply(ev("message.started", "u1", "user", "done", ""))
	m.apply(ev("message.started", "r1", "assistant", "streaming", "tiny"))
	m.apply(ev("message.started", "r1", "assistant", "streaming", "tiny")) // the same reply announced again
	m.apply(ev("message.started", "r2", "assistant", "streaming", "tiny:latest"))
	if n := m.writingWith("tiny:latest"); n != 2 {
		t.Fatalf("%d replies writing with tiny, want 2", n)
	}
	m.apply(ev("message.finished", "r1", "assistant", "stopped", "tiny"))
	m.apply(ev("message.finished", "r2", "assistant", "done", "tiny"))
	m.apply(ev("message.finished", "r3", "assistant", "done", "tiny")) // never seen starting
	if n := m.writingWith("tiny"); n != 0 {
		t.Fatalf("%d replies writing with tiny after they finished, want 0", n)
	}
}
