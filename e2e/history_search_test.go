package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// The UI's search hooks (frontend/README.md).
const (
	selSearchInput  = `[data-testid="search-input"]`
	selSearchResult = `[data-testid="search-result"]` // carries data-conversation-id, data-message-id
	selSearchError  = `[data-testid="search-error"]`
)

// TestSearchInTheBrowser searches the real app's history from the web build: a long imported
// conversation (the match is far from its end, outside the window a conversation opens with)
// and a conversation chatted with a real Ollama. Results show snippets with the matches marked;
// clicking one opens its conversation scrolled to that message, marked; phrases and prefixes
// work; a query that cannot be searched says why, in place, without an error banner.
func TestSearchInTheBrowser(t *testing.T) {
	appBinary(t)
	ol := ollamatest.Start(t)
	a := startServe(t, appOptions{ollamaURL: ol.URL})

	// A conversation of 400 messages, imported through the real upload endpoint.
	longID, targetID := "e2e-long-conversation", "e2e-message-40"
	importHistory(t, a, longExport(longID, targetID, 400, 40))

	// A conversation with a real model.
	var sent struct{ Conversation Conversation }
	a.mustCall("chat.send", map[string]string{"model": ollamatest.TinyModel, "content": "Where do hedgehogs hibernate in winter?"}, &sent)
	chatID := sent.Conversation.ID
	poll(t, 60*time.Second, "the reply is done", func() (bool, string) {
		c := a.conversation(chatID)
		last := c.Messages[len(c.Messages)-1]
		return last.Status == "done", last.Status
	})

	b := newBrowser(t)
	b.open(a.URL)

	// A prefix finds the word deep in the long conversation.
	searchFor(b, "zanzib*")
	target := selSearchResult + `[data-message-id="` + targetID + `"]`
	b.waitFor(15*time.Second, "the result for the imported message", `!!document.querySelector(`+jsString(target)+`)`)
	marks := evalJS[[]string](b, `Array.from(document.querySelector(`+jsString(target)+`).querySelectorAll('mark')).map(m => m.textContent)`)
	if len(marks) == 0 || !strings.EqualFold(marks[0], "zanzibar") {
		t.Fatalf("the snippet marks %q, want zanzibar", marks)
	}
	b.click(target)
	at := `[data-testid="message"][data-message-id="` + targetID + `"]`
	b.waitFor(15*time.Second, "the conversation opens at the message, marked", `(() => {
		const el = document.querySelector(`+jsString(at)+`);
		return !!el && el.dataset.highlighted === "true"; })()`)
	// In view: the message's box lies within the visible part of its scrolling list.
	b.waitFor(10*time.Second, "the message is scrolled into view", `(() => {
		const el = document.querySelector(`+jsString(at)+`);
		const box = el.getBoundingClientRect(), view = el.closest('.scroller').getBoundingClientRect();
		return box.bottom > view.top && box.top < view.bottom; })()`)
	shown := evalJS[int](b, `document.querySelectorAll(`+jsString(selMessage)+`).length`)
	if shown >= 400 {
		t.Errorf("the page shows all %d messages; it should show a window around the result", shown)
	}

	// Scrolling back loads the earlier messages.
	b.waitFor(15*time.Second, "earlier messages can be loaded", `!!document.querySelector('[data-testid="load-earlier"]')`)
	before := evalJS[int](b, `document.querySelectorAll(`+jsString(selMessage)+`).length`)
	b.click(`[data-testid="load-earlier"]`)
	b.waitFor(15*time.Second, "earlier messages appear", `document.querySelectorAll(`+jsString(selMessage)+`).length > `+itoa(before))

	// A phrase finds the chat with the real model.
	searchFor(b, `"hedgehogs hibernate"`)
	chatResult := selSearchResult + `[data-conversation-id="` + chatID + `"]`
	b.waitFor(15*time.Second, "the phrase finds the question", `!!document.querySelector(`+jsString(chatResult)+`)`)
	if n := evalJS[int](b, `document.querySelectorAll(`+jsString(selSearchResult)+`).length`); n != 1 {
		t.Errorf("the phrase found %d messages, want 1", n)
	}
	// The same words in another order are not the phrase.
	searchFor(b, `"hibernate hedgehogs"`)
	b.waitFor(15*time.Second, "nothing matches the words in another order", `!!document.querySelector('[data-testid="search-empty"]')`)

	// What cannot be searched is explained where the results would be.
	searchFor(b, "*")
	b.waitFor(15*time.Second, "the search explains itself", `!!document.querySelector(`+jsString(selSearchError)+`)`)
	if n := evalJS[int](b, `document.querySelectorAll(`+jsString(selErrorBanner)+`).length`); n != 0 {
		t.Errorf("a query that cannot be searched raised %d error banners", n)
	}
	// Search syntax of FTS5 itself is only text.
	searchFor(b, `hedgehogs OR NEAR(`)
	b.waitFor(15*time.Second, "FTS5 operators are searched as words", `!!document.querySelector('[data-testid="search-empty"]')`)
}

// searchFor replaces the search box's text, as a person would, and waits for the search to run.
func searchFor(b *browser, q string) {
	b.t.Helper()
	ok := evalJS[bool](b, `(() => { const i = document.querySelector(`+jsString(selSearchInput)+`);
		i.value = `+jsString(q)+`; i.dispatchEvent(new Event('input', {bubbles: true}));
		i.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true})); return true; })()`)
	if !ok {
		b.t.Fatal("no search box")
	}
	b.waitFor(15*time.Second, "the search for "+q+" is answered", `(() => {
		const r = document.querySelector('[data-testid="search-results"]');
		return !!r && r.getAttribute('aria-busy') === 'false'; })()`)
}

// longExport is one conversation of n messages in our export format; message at holds the
// word zanzibar and has the ID target.
func longExport(id, target string, n, at int) []byte {
	type msg struct {
		ID        string `json:"id"`
		Role      string `json:"role"`
		Content   string `json:"content"`
		Status    string `json:"status"`
		CreatedAt string `json:"createdAt"`
		UpdatedAt string `json:"updatedAt"`
	}
	msgs := make([]msg, n)
	for i := range msgs {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		content := fmt.Sprintf("Message %d talks about rivers and mountains.", i)
		mid := fmt.Sprintf("e2e-message-%d", i)
		if i == at {
			content, mid = "The secret word is Zanzibar, said the parrot.", target
		}
		ts := time.Date(2025, 3, 1, 0, 0, i, 0, time.UTC).Format(time.RFC3339)
		msgs[i] = msg{ID: mid, Role: role, Content: content, Status: "done", CreatedAt: ts, UpdatedAt: ts}
	}
	file := map[string]any{
		"format": "cloudtolocalllm.history", "version": 1,
		"conversations": []map[string]any{{
			"id": id, "title": "A long imported conversation", "model": "tiny", "systemPrompt": "", "pinned": false,
			"tags": []string{}, "createdAt": "2025-03-01T00:00:00Z", "updatedAt": "2025-03-01T01:00:00Z", "messages": msgs,
		}},
	}
	b, _ := json.Marshal(file)
	return b
}

// importHistory uploads a file to the app as the web build does.
func importHistory(t *testing.T, a *app, body []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, a.URL+"/api/history/import?name=long.json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(got), `"conversations":1`) {
		t.Fatalf("import = HTTP %d %s", resp.StatusCode, got)
	}
}
