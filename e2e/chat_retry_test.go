package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// TestChatRetryAfterOllamaDies kills Ollama in the middle of a reply, as a crash would: the reply
// ends in error and the page says so. With Ollama back (a new one, set in the settings) Retry
// completes the same reply — and the person's message is not sent a second time.
func TestChatRetryAfterOllamaDies(t *testing.T) {
	appBinary(t)
	ol := ollamatest.Start(t)
	a := startServe(t, appOptions{ollamaURL: ol.URL})
	b := newBrowser(t)

	startChat(t, b, a.URL, ollamatest.TinyLongModel, "Tell me everything")
	waitReplyLonger(b, 30*time.Second, 20)
	if err := ol.Kill(); err != nil {
		t.Fatal(err)
	}
	waitReplyStatus(b, 30*time.Second, "error")
	failed := lastReply(b)
	if strings.TrimSpace(failed.Error) == "" {
		t.Fatalf("the failed reply shows no error text; page text: %s", trunc(b.text(), 1500))
	}
	t.Logf("the page shows the error %q", failed.Error)
	if failed.Text == "" {
		t.Error("the failed reply lost the text that had arrived before Ollama died")
	}

	// Ollama is back, at a new address the person enters in Settings. They also pick the short
	// model for the retry: tiny-long's 4000 tokens take minutes when the shared box is busy,
	// and Retry answers with the conversation's current model.
	ol2 := ollamatest.Start(t)
	setOllamaURL(b, a, ol2.URL)
	convs := a.conversations()
	if len(convs) != 1 {
		t.Fatalf("%d conversations in the history, want 1", len(convs))
	}
	openConversation(b, convs[0].ID)
	chooseModel(b, ollamatest.TinyModel)

	b.click(selRetry)
	b.waitFor(15*time.Second, "the retried reply starts", `(() => { const r = `+jsLastReply+`;
		return !!r && (r.dataset.status === "streaming" || r.dataset.status === "done"); })()`)
	waitReplyStatus(b, replyDone, "done")

	ms := pageMessages(b)
	if n := countRole(ms, "user"); n != 1 {
		t.Errorf("the page shows %d user messages after Retry, want 1: %+v", n, ms)
	}
	if n := countRole(ms, "assistant"); n != 1 {
		t.Errorf("the page shows %d replies after Retry, want 1: %+v", n, ms)
	}
	reply := lastReply(b)
	if reply.Text == "" || reply.Error != "" {
		t.Errorf("after Retry the reply shows text %q and error %q; want text and no error", trunc(reply.Text, 100), reply.Error)
	}

	stored, err := dbMessages(a.dbPath())
	if err != nil {
		t.Fatal(err)
	}
	var users, replies int
	for _, m := range stored {
		switch m.Role {
		case "user":
			users++
		case "assistant":
			replies++
			if m.Status != "done" || !sameModel(m.Model, ollamatest.TinyModel) || !sameText(m.Content, reply.Text) {
				t.Errorf("stored reply: status %q, model %q, content %q; want done by %s with what the page shows: %q",
					m.Status, m.Model, trunc(m.Content, 100), ollamatest.TinyModel, trunc(reply.Text, 100))
			}
		}
	}
	if users != 1 || replies != 1 {
		t.Errorf("the database holds %d user messages and %d replies, want 1 and 1: %+v", users, replies, stored)
	}
}
