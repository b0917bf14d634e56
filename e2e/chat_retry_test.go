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
	binary(t)
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

	// Ollama is back, at a new address the person enters in the settings.
	ol2 := ollamatest.Start(t)
	a.mustCall("settings.update", map[string]string{"ollamaUrl": ol2.URL}, nil)

	b.click(selRetry)
	waitReplyStatus(b, 15*time.Second, "streaming")
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
			if m.Status != "done" || !sameText(m.Content, reply.Text) {
				t.Errorf("stored reply: status %q, content %q; the page shows %q", m.Status, trunc(m.Content, 100), trunc(reply.Text, 100))
			}
		}
	}
	if users != 1 || replies != 1 {
		t.Errorf("the database holds %d user messages and %d replies, want 1 and 1: %+v", users, replies, stored)
	}
}
