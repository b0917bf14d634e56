package e2e

import (
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// TestChatStopKeepsPartialReply stops a long reply mid-way: the reply ends as stopped with the
// text generated so far, the history holds exactly that text, and a reload shows it unchanged.
func TestChatStopKeepsPartialReply(t *testing.T) {
	appBinary(t)
	ol := ollamatest.Start(t)
	a := startServe(t, appOptions{ollamaURL: ol.URL})
	b := newBrowser(t)

	startChat(t, b, a.URL, ollamatest.TinyLongModel, "Write a long story")
	waitReplyLonger(b, 30*time.Second, 40)
	b.click(selStop)
	waitReplyStatus(b, 15*time.Second, "stopped")

	shown := lastReply(b)
	if shown.Text == "" {
		t.Fatal("the stopped reply is empty on the page; the partial text was lost")
	}
	convs := a.conversations()
	if len(convs) != 1 {
		t.Fatalf("%d conversations in the history, want 1", len(convs))
	}
	id := convs[0].ID
	c := a.conversation(id)
	if len(c.Messages) != 2 {
		t.Fatalf("the conversation has %d messages, want 2: %+v", len(c.Messages), c.Messages)
	}
	stored := c.Messages[1]
	if stored.Status != "stopped" {
		t.Errorf("stored reply status %q, want stopped", stored.Status)
	}
	if stored.Content == "" || !sameText(stored.Content, shown.Text) {
		t.Errorf("the page shows %q but the history holds %q", trunc(shown.Text, 200), trunc(stored.Content, 200))
	}
	// The file itself, not just the API's view of it.
	ms, err := dbMessages(a.dbPath())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[1].Status != "stopped" || ms[1].Content != stored.Content {
		t.Errorf("the database holds %+v, want the user message and the stopped reply %q", ms, trunc(stored.Content, 100))
	}

	b.reload()
	openConversation(b, id)
	waitReplyStatus(b, 15*time.Second, "stopped")
	after := lastReply(b)
	if after.Text != shown.Text {
		t.Errorf("after reload the stopped reply shows %q, before it showed %q", trunc(after.Text, 200), trunc(shown.Text, 200))
	}
}
