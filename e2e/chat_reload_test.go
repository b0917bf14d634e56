package e2e

import (
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// TestChatReloadMidReply reloads the page while a long reply streams. Generation runs in the
// backend, not the page: after the reload the same reply is shown and keeps growing until it is
// done, with not a word lost or doubled (the page's text equals the stored text). A second reload
// shows the whole history: the conversation in the sidebar, both messages, the reply done.
func TestChatReloadMidReply(t *testing.T) {
	appBinary(t)
	ol := ollamatest.Start(t)
	a := startServe(t, appOptions{ollamaURL: ol.URL})
	b := newBrowser(t)

	const question = "Explain the bridge"
	startChat(t, b, a.URL, ollamatest.TinyLongModel, question)
	waitReplyLonger(b, 30*time.Second, 20)
	before := lastReply(b)

	convs := a.conversations()
	if len(convs) != 1 {
		t.Fatalf("%d conversations in the history, want 1", len(convs))
	}
	id := convs[0].ID

	b.reload()
	openConversation(b, id)
	after := lastReply(b)
	if after.ID != before.ID {
		t.Fatalf("after reload the page shows reply %s, before it showed %s", after.ID, before.ID)
	}
	if after.Status != "streaming" {
		t.Fatalf("the reply is %q right after the reload; the test needs it still streaming (a slower model?)", after.Status)
	}
	// It keeps growing on the reloaded page, then finishes.
	waitReplyLonger(b, 30*time.Second, len(after.Text))
	waitReplyStatus(b, replyDone, "done")
	done := lastReply(b)
	if len(done.Text) <= len(before.Text) {
		t.Errorf("the finished reply (%d characters) is not longer than before the reload (%d)", len(done.Text), len(before.Text))
	}

	c := a.conversation(id)
	if len(c.Messages) != 2 || c.Messages[1].ID != before.ID || c.Messages[1].Status != "done" {
		t.Fatalf("the history holds %+v, want the question and the finished reply %s", c.Messages, before.ID)
	}
	if !sameText(c.Messages[1].Content, done.Text) {
		t.Errorf("the page shows a reply that differs from the stored one:\npage:   %s\nstored: %s", done.Text, c.Messages[1].Content)
	}

	// The file holds the same text the API serves.
	stored, err := dbMessages(a.dbPath())
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 || stored[1].Status != "done" || stored[1].Content != c.Messages[1].Content {
		t.Errorf("the database holds %+v, want the reply done with the content the API serves", stored)
	}

	b.reload()
	openConversation(b, id)
	waitReplyStatus(b, 15*time.Second, "done")
	ms := pageMessages(b)
	if len(ms) != 2 || ms[0].Role != "user" || !sameText(question, ms[0].Text) || ms[1].Role != "assistant" {
		t.Fatalf("after the second reload the page shows %+v, want the question and the reply", ms)
	}
	if ms[1].Text != done.Text {
		t.Errorf("after the second reload the reply shows %q, before %q", trunc(ms[1].Text, 200), trunc(done.Text, 200))
	}
}
