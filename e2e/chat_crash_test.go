package e2e

import (
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// TestAppEndsMidReply ends the app while a reply streams — killed (SIGKILL: a crash or a power
// cut, no chance to clean up) or asked to quit (SIGTERM: it must exit 0). Started again on the
// same history, it shows the reply as interrupted with the text saved so far, and Retry completes
// it without repeating the question. Replies are written while they grow precisely so that a
// crash loses at most the last batch.
func TestAppEndsMidReply(t *testing.T) {
	appBinary(t)
	tests := []struct {
		name string
		end  func(t *testing.T, a *app)
	}{
		{"killed", func(t *testing.T, a *app) { a.kill() }},
		{"quit", func(t *testing.T, a *app) {
			if code := a.terminate(10 * time.Second); code != 0 {
				t.Fatalf("exit code %d after SIGTERM mid-reply, want 0; log:\n%s", code, a.log())
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { testAppEndsMidReply(t, tc.end) })
	}
}

func testAppEndsMidReply(t *testing.T, end func(*testing.T, *app)) {
	ol := ollamatest.Start(t)
	dataDir := t.TempDir()
	a := startServe(t, appOptions{dataDir: dataDir, ollamaURL: ol.URL})
	b := newBrowser(t)

	startChat(t, b, a.URL, ollamatest.TinyLongModel, "Keep going")
	waitReplyLonger(b, 60*time.Second, 300)
	convs := a.conversations()
	if len(convs) != 1 {
		t.Fatalf("%d conversations in the history, want 1", len(convs))
	}
	id := convs[0].ID
	// The partial reply must already be on disk while it streams, not only when it ends.
	poll(t, 15*time.Second, "the streaming reply's text is in the database", func() (bool, string) {
		ms, err := dbMessages(a.dbPath())
		if err != nil {
			return false, err.Error()
		}
		return len(ms) == 2 && ms[1].Status == "streaming" && ms[1].Content != "", trunc(ms2string(ms), 300)
	})
	end(t, a)

	a2 := startServe(t, appOptions{dataDir: dataDir, ollamaURL: ol.URL})
	b.open(a2.URL)
	openConversation(b, id)
	waitReplyStatus(b, 15*time.Second, "interrupted")
	shown := lastReply(b)
	if shown.Text == "" {
		t.Fatal("the interrupted reply shows no text; what was generated before the crash is lost")
	}
	stored := a2.conversation(id)
	if len(stored.Messages) != 2 || stored.Messages[1].Status != "interrupted" || !sameText(stored.Messages[1].Content, shown.Text) {
		t.Fatalf("after the restart the history holds %+v; want the reply interrupted with what the page shows", stored.Messages)
	}

	chooseModel(b, ollamatest.TinyModel) // a short reply for the retry; see TestChatRetryAfterOllamaDies
	b.click(selRetry)
	waitReplyStatus(b, replyDone, "done")
	ms := pageMessages(b)
	if countRole(ms, "user") != 1 || countRole(ms, "assistant") != 1 {
		t.Errorf("after Retry the page shows %+v, want one question and one reply", ms)
	}
}

func ms2string(ms []Message) string {
	s := ""
	for _, m := range ms {
		s += m.Role + "/" + m.Status + ":" + trunc(m.Content, 30) + " "
	}
	return s
}
