package e2e

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// The chat's hooks for pictures, servers and the context warning (frontend/README.md).
const (
	selAttachInput    = `[data-testid="attach-input"]`
	selAttachment     = `[data-testid="attachment"]`
	selVisionNote     = `[data-testid="vision-note"]`
	selMessageImage   = `[data-testid="message-image"]`
	selEndpointPicker = `[data-testid="endpoint-picker"]`
	selContextWarning = `[data-testid="context-warning"]` // carries data-level
	selRaiseContext   = `[data-testid="raise-context"]`
	selSummarize      = `[data-testid="summarize"]`
)

// onePixelPNG is a real 1×1 PNG.
var onePixelPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// TestPictureInAMessage attaches a picture through the file chooser, sees the page warn that the
// tiny model does not see pictures, sends it, and finds it with the message in the page, after a
// reload, and in the API, byte for byte.
func TestPictureInAMessage(t *testing.T) {
	appBinary(t)
	ol := ollamatest.Start(t)
	a := startServe(t, appOptions{ollamaURL: ol.URL})
	b := newBrowser(t)
	b.open(a.URL)
	chooseModel(b, ollamatest.TinyModel)

	png := filepath.Join(t.TempDir(), "dot.png")
	if err := os.WriteFile(png, onePixelPNG, 0o644); err != nil {
		t.Fatal(err)
	}
	b.do(15*time.Second, "attach a picture", chromedp.SetUploadFiles(chromedp.CSS(selAttachInput), []string{png}))
	b.waitFor(15*time.Second, "the picture shows in the composer", `document.querySelectorAll(`+jsString(selAttachment)+`).length === 1`)
	b.waitFor(15*time.Second, "the page says the tiny model does not see pictures",
		`(() => { const n = document.querySelector(`+jsString(selVisionNote)+`); return !!n && n.innerText.includes("does not see pictures"); })()`)
	sendMessage(b, "What is in this picture?")
	waitReplyStatus(b, replyDone, "done")
	b.waitFor(15*time.Second, "the sent message shows its picture", `document.querySelectorAll(`+jsString(selMessageImage)+`).length === 1`)

	b.reload()
	b.click(selConversation)
	b.waitFor(15*time.Second, "the picture is still with the message after a reload", `document.querySelectorAll(`+jsString(selMessageImage)+`).length === 1`)

	convs := a.conversations()
	if len(convs) != 1 {
		t.Fatalf("%d conversations, want 1", len(convs))
	}
	var c struct {
		Messages []struct {
			Role   string `json:"role"`
			Images []struct {
				MediaType string `json:"mediaType"`
				Data      string `json:"data"`
			} `json:"images"`
		} `json:"messages"`
	}
	a.mustCall("conversations.get", map[string]string{"id": convs[0].ID}, &c)
	if len(c.Messages) == 0 || len(c.Messages[0].Images) != 1 || c.Messages[0].Images[0].MediaType != "image/png" {
		t.Fatalf("the stored message has images %+v, want the PNG", c.Messages)
	}
	if got, _ := base64.StdEncoding.DecodeString(c.Messages[0].Images[0].Data); !bytes.Equal(got, onePixelPNG) {
		t.Errorf("the stored picture is %d bytes and differs from the %d attached", len(got), len(onePixelPNG))
	}
}

// TestContextWarning fills most of tiny's default window (Ollama gives 2048 tokens to a model
// that sets none) and checks the page says so and raises num_ctx when asked.
func TestContextWarning(t *testing.T) {
	appBinary(t)
	ol := ollamatest.Start(t)
	a := startServe(t, appOptions{ollamaURL: ol.URL})
	b := newBrowser(t)
	b.open(a.URL)
	chooseModel(b, ollamatest.TinyModel)

	// About 1700 tokens at four characters a token: typed key by key it would take minutes, so
	// the text is put in the box as a paste would, then sent with Enter.
	long := strings.Repeat("local models keep the context ", 230)
	evalJS[bool](b, `(() => { const box = document.querySelector(`+jsString(selComposer)+`);
		box.value = `+jsString(long)+`; box.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
	b.typeInto(selComposer, "\r")
	waitReplyStatus(b, replyDone, "done")
	b.waitFor(30*time.Second, "the page warns that the conversation nears the context window",
		`(() => { const w = document.querySelector(`+jsString(selContextWarning)+`); return !!w && w.dataset.level === "near" && w.innerText.includes("2048-token context"); })()`)
	b.saveScreenshot("context-warning")
	b.click(selRaiseContext)
	b.waitFor(30*time.Second, "the warning goes once the window is raised", `!document.querySelector(`+jsString(selContextWarning)+`)`)
	var c struct {
		NumCtx int `json:"numCtx"`
	}
	a.mustCall("conversations.get", map[string]string{"id": a.conversations()[0].ID}, &c)
	if c.NumCtx != 4096 {
		t.Errorf("numCtx %d after raising, want 4096 (the model's trained context)", c.NumCtx)
	}
}

// TestContinueFromASummary: from the context warning, the person continues in a new chat that
// the model's summary of the long one starts; the long one stays as it was.
func TestContinueFromASummary(t *testing.T) {
	appBinary(t)
	ol := ollamatest.Start(t)
	a := startServe(t, appOptions{ollamaURL: ol.URL})
	b := newBrowser(t)
	b.open(a.URL)
	chooseModel(b, ollamatest.TinyModel)
	long := strings.Repeat("local models keep the context ", 230)
	evalJS[bool](b, `(() => { const box = document.querySelector(`+jsString(selComposer)+`);
		box.value = `+jsString(long)+`; box.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
	b.typeInto(selComposer, "\r")
	waitReplyStatus(b, replyDone, "done")
	b.waitFor(30*time.Second, "the context warning", `!!document.querySelector(`+jsString(selContextWarning)+`)`)
	first := a.conversations()[0].ID
	b.click(selSummarize)
	b.waitFor(2*time.Minute, "a second conversation opens, empty", `document.querySelectorAll(`+jsString(selConversation)+`).length === 2 &&
		document.querySelectorAll(`+jsString(selMessage)+`).length === 0`)
	var next struct {
		ID           string `json:"id"`
		Model        string `json:"model"`
		SystemPrompt string `json:"systemPrompt"`
	}
	for _, c := range a.conversations() {
		if c.ID != first {
			a.mustCall("conversations.get", map[string]string{"id": c.ID}, &next)
		}
	}
	if !strings.HasPrefix(next.SystemPrompt, "This conversation continues an earlier one") || !sameModel(next.Model, ollamatest.TinyModel) {
		t.Errorf("the new conversation: model %q, system prompt %q", next.Model, trunc(next.SystemPrompt, 300))
	}
	if old := a.conversation(first); len(old.Messages) != 2 {
		t.Errorf("the long conversation has %d messages after the summary, want its 2", len(old.Messages))
	}
	sendMessage(b, "Where were we?")
	waitReplyStatus(b, replyDone, "done")
}

// TestConversationUsesItsServer adds the same Ollama again as an OpenAI-compatible server,
// chooses it in the chat, and checks the reply came through /v1 and the conversation remembers it.
func TestConversationUsesItsServer(t *testing.T) {
	appBinary(t)
	ol := ollamatest.Start(t)
	a := startServe(t, appOptions{ollamaURL: ol.URL})
	var ep struct {
		ID string `json:"id"`
	}
	a.mustCall("endpoints.add", map[string]string{"name": "Via v1", "kind": "openai", "url": ol.URL}, &ep)
	b := newBrowser(t)
	b.open(a.URL)
	b.waitFor(30*time.Second, "the chat offers the server", `!!document.querySelector(`+jsString(selEndpointPicker+` option[value="`+ep.ID+`"]`)+`)`)
	evalJS[bool](b, `(() => { const s = document.querySelector(`+jsString(selEndpointPicker)+`); s.value = `+jsString(ep.ID)+`;
		s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	chooseModel(b, ollamatest.TinyModel)
	sendMessage(b, "Hello over the OpenAI API")
	waitReplyStatus(b, replyDone, "done")
	if r := lastReply(b); strings.TrimSpace(r.Text) == "" {
		t.Fatal("an empty reply")
	}
	var c struct {
		EndpointID string `json:"endpointId"`
	}
	a.mustCall("conversations.get", map[string]string{"id": a.conversations()[0].ID}, &c)
	if c.EndpointID != ep.ID {
		t.Errorf("the conversation uses endpoint %q, want %q", c.EndpointID, ep.ID)
	}
	logText, err := os.ReadFile(ol.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(logText), `POST     "/v1/chat/completions"`) {
		t.Errorf("Ollama's log shows no request to /v1/chat/completions:\n%s", ol.LogTail(30))
	}
}
