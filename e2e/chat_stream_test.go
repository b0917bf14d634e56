package e2e

import (
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// TestChatStreamsReply sends a message in the web build with the tiny model and watches the reply
// arrive: the page shows it growing (recorded on every DOM change, since the tiny model needs only
// a fraction of a second), it finishes with status done, and what the page renders — Markdown turned
// into paragraphs — is exactly what the history holds.
func TestChatStreamsReply(t *testing.T) {
	appBinary(t)
	ol := ollamatest.Start(t)
	a := startServe(t, appOptions{ollamaURL: ol.URL})
	b := newBrowser(t)

	b.open(a.URL)
	chooseModel(b, ollamatest.TinyModel)
	// Every change to the last reply's text or status, as the page went through it.
	evalJS[bool](b, `(() => {
		window.__replyStates = [];
		new MutationObserver(() => {
			const r = `+jsLastReply+`;
			if (!r) return;
			const body = r.querySelector(`+jsString(selMessageBody)+`);
			const s = { len: body ? body.innerText.trim().length : 0, status: r.dataset.status };
			const prev = window.__replyStates[window.__replyStates.length - 1];
			if (!prev || prev.len !== s.len || prev.status !== s.status) window.__replyStates.push(s);
		}).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
		return true;
	})()`)
	sendMessage(b, "Tell me about local models")
	waitReplyStatus(b, 60*time.Second, "done")

	type state struct {
		Len    int    `json:"len"`
		Status string `json:"status"`
	}
	states := evalJS[[]state](b, `window.__replyStates`)
	var streamingLens []int
	for i, s := range states {
		if i > 0 && s.Len < states[i-1].Len {
			t.Errorf("the reply shrank from %d to %d characters while streaming: %+v", states[i-1].Len, s.Len, states)
		}
		if s.Status == "streaming" && s.Len > 0 {
			streamingLens = append(streamingLens, s.Len)
		}
	}
	t.Logf("the page showed the streaming reply at %d lengths: %v", len(streamingLens), streamingLens)
	// Growing means several distinct non-empty lengths shown while still streaming, not one jump
	// from nothing to the whole reply.
	if len(streamingLens) < 3 {
		t.Errorf("the page showed the streaming reply at only %d non-empty lengths %v; want it to grow over at least 3: %+v",
			len(streamingLens), streamingLens, states)
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
	if stored.Status != "done" || !sameModel(stored.Model, ollamatest.TinyModel) {
		t.Errorf("stored reply: status %q model %q, want done and %s", stored.Status, stored.Model, ollamatest.TinyModel)
	}
	if !sameText(stored.Content, reply.Text) {
		t.Errorf("the page shows %q but the history holds %q", reply.Text, stored.Content)
	}
}
