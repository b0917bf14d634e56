package e2e

import (
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// TestChatStreamsReply sends a message in the web build and watches the reply arrive: the page
// shows it growing (recorded on every DOM change) for seconds, it finishes with status done, and
// what the page renders — Markdown turned into paragraphs — is exactly what the history holds.
//
// It uses tiny-long: the tiny model's 48 tokens arrive within ~15 ms, so no page could show them
// growing; a person only sees streaming when a reply takes a while.
func TestChatStreamsReply(t *testing.T) {
	appBinary(t)
	ol := ollamatest.Start(t)
	a := startServe(t, appOptions{ollamaURL: ol.URL})
	b := newBrowser(t)

	b.open(a.URL)
	chooseModel(b, ollamatest.TinyLongModel)
	// Every change to the last reply's text or status, as the page went through it.
	evalJS[bool](b, `(() => {
		window.__replyStates = [];
		new MutationObserver(() => {
			const r = `+jsLastReply+`;
			if (!r) return;
			const body = r.querySelector(`+jsString(selMessageBody)+`);
			const s = { len: body ? body.innerText.trim().length : 0, status: r.dataset.status, at: performance.now() };
			const prev = window.__replyStates[window.__replyStates.length - 1];
			if (!prev || prev.len !== s.len || prev.status !== s.status) window.__replyStates.push(s);
		}).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
		return true;
	})()`)
	sendMessage(b, "Tell me about local models")
	waitReplyStatus(b, replyDone, "done")

	type state struct {
		Len    int     `json:"len"`
		Status string  `json:"status"`
		At     float64 `json:"at"` // ms since the page loaded
	}
	states := evalJS[[]state](b, `window.__replyStates`)
	var streamingLens []int
	var first, last float64
	for i, s := range states {
		if i > 0 && s.Len < states[i-1].Len {
			t.Errorf("the reply shrank from %d to %d characters while streaming: %+v", states[i-1].Len, s.Len, states)
		}
		if s.Status == "streaming" && s.Len > 0 {
			if len(streamingLens) == 0 {
				first = s.At
			}
			last = s.At
			streamingLens = append(streamingLens, s.Len)
		}
	}
	span := time.Duration((last - first) * float64(time.Millisecond))
	t.Logf("the page showed the streaming reply at %d lengths over %v", len(streamingLens), span.Round(time.Millisecond))
	// Growing means many distinct non-empty lengths shown over time while still streaming, not
	// one jump from nothing to the whole reply.
	if len(streamingLens) < 3 || span < time.Second {
		t.Errorf("the page showed the streaming reply at %d non-empty lengths over %v; want it to grow over at least 3 and a second: %v",
			len(streamingLens), span, streamingLens[:min(len(streamingLens), 20)])
	}

	reply := lastReply(b)
	if reply.Text == "" {
		t.Fatal("the finished reply is empty on the page")
	}
	if reply.Paragraphs == 0 {
		t.Errorf("the reply is not rendered as Markdown (no <p> in its content): %q", reply.Text)
	}
	ms := pageMessages(b)
	if n := countRole(ms, "user"); n != 1 {
		t.Errorf("the page shows %d user messages, want 1: %+v", n, ms)
	}

	// What the page shows is what was stored.
	convs := a.conversations()
	if len(convs) != 1 {
		t.Fatalf("%d conversations in the history, want 1", len(convs))
	}
	c := a.conversation(convs[0].ID)
	if len(c.Messages) != 2 {
		t.Fatalf("the conversation has %d messages, want 2: %+v", len(c.Messages), c.Messages)
	}
	stored := c.Messages[1]
	if stored.Status != "done" || !sameModel(stored.Model, ollamatest.TinyLongModel) {
		t.Errorf("stored reply: status %q model %q, want done and %s", stored.Status, stored.Model, ollamatest.TinyLongModel)
	}
	if !sameText(stored.Content, reply.Text) {
		t.Errorf("the page shows %q but the history holds %q", reply.Text, stored.Content)
	}
}
