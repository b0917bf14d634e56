package e2e

import (
	"strings"
	"testing"
	"time"
)

// The UI's test hooks (data-testid attributes, documented in frontend/README.md). Only this file
// knows them, so a renamed hook is a one-line change.
const (
	selComposer     = `[data-testid="composer-input"]`
	selSend         = `[data-testid="send-button"]`
	selStop         = `[data-testid="stop-button"]`
	selMessage      = `[data-testid="message"]` // carries data-role, data-status, data-message-id
	selMessageBody  = `[data-testid="message-content"]`
	selMessageError = `[data-testid="message-error"]`
	selRetry        = `[data-testid="retry-button"]`
	selModelPicker  = `[data-testid="model-picker"]`
	selConversation = `[data-testid="conversation-item"]` // carries data-conversation-id
	selOllamaStatus = `[data-testid="ollama-status"]`     // carries data-state
	selErrorBanner  = `[data-testid="error-banner"]`
	selOpenSettings = `[data-testid="open-settings"]`
	selSettingsURL  = `[data-testid="settings-ollama-url"]`
	selSettingsSave = `[data-testid="settings-save"]`
)

// replyDone bounds how long a tiny-long reply (4000 tokens) may take. It streams for 8–16 s on an
// idle 2-core box, but the box is shared: under a load of 10+ it has taken over 90 s. Waits end
// as soon as the reply is done, so a generous bound costs nothing when the box is quiet.
const replyDone = 4 * time.Minute

// uiMessage is one message as the page shows it.
type uiMessage struct {
	ID         string `json:"id"`
	Role       string `json:"role"`
	Status     string `json:"status"`
	Text       string `json:"text"`       // the rendered content's text
	Paragraphs int    `json:"paragraphs"` // <p> elements Markdown rendering produced
	Error      string `json:"error"`      // the error text shown with the message, if any
}

// jsMessages is a JavaScript expression listing the messages on the page as uiMessage objects.
var jsMessages = `Array.from(document.querySelectorAll(` + jsString(selMessage) + `)).map(el => {
	const body = el.querySelector(` + jsString(selMessageBody) + `);
	const err = el.querySelector(` + jsString(selMessageError) + `);
	return {
		id: el.dataset.messageId || '',
		role: el.dataset.role || '',
		status: el.dataset.status || '',
		text: body ? body.innerText : '',
		paragraphs: body ? body.querySelectorAll('p').length : 0,
		error: err ? err.innerText : '',
	};
})`

func pageMessages(b *browser) []uiMessage {
	b.t.Helper()
	return evalJS[[]uiMessage](b, jsMessages)
}

// jsLastReply evaluates to the last assistant message element (or undefined).
var jsLastReply = `Array.from(document.querySelectorAll(` + jsString(selMessage+`[data-role="assistant"]`) + `)).pop()`

// lastReply is the last assistant message on the page; the test fails if there is none.
func lastReply(b *browser) uiMessage {
	b.t.Helper()
	var last *uiMessage
	for _, m := range pageMessages(b) {
		if m.Role == "assistant" {
			last = &m
		}
	}
	if last == nil {
		b.t.Fatalf("the page shows no reply; page text: %s", trunc(b.text(), 1500))
	}
	return *last
}

// waitReplyStatus waits until the last reply on the page has the given status.
func waitReplyStatus(b *browser, within time.Duration, status string) {
	b.t.Helper()
	b.waitFor(within, "the reply's status is "+status,
		`(() => { const r = `+jsLastReply+`; return !!r && r.dataset.status === `+jsString(status)+`; })()`)
}

// waitReplyLonger waits until the last reply shows more than n characters while it streams.
func waitReplyLonger(b *browser, within time.Duration, n int) {
	b.t.Helper()
	b.waitFor(within, "the streaming reply grows past "+itoa(n)+" characters",
		`(() => { const r = `+jsLastReply+`; if (!r) return false;
			const body = r.querySelector(`+jsString(selMessageBody)+`);
			return r.dataset.status === "streaming" && !!body && body.innerText.trim().length > `+itoa(n)+`; })()`)
}

// chooseModel picks a model in the picker the way a person's click would: it changes the
// <select> and lets the page hear the change. Ollama lists "tiny" as "tiny:latest"; either matches.
func chooseModel(b *browser, model string) {
	b.t.Helper()
	find := `Array.from(document.querySelectorAll(` + jsString(selModelPicker+" option") + `)).find(o => o.value === ` +
		jsString(model) + ` || o.value === ` + jsString(model+":latest") + `)`
	b.waitFor(30*time.Second, "the model picker offers "+model, `!!`+find)
	ok := evalJS[bool](b, `(() => { const s = document.querySelector(`+jsString(selModelPicker)+`);
		s.value = `+find+`.value;
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return s.value === `+find+`.value; })()`)
	if !ok {
		b.t.Fatalf("the model picker did not take %q", model)
	}
	b.waitFor(10*time.Second, "the composer offers to message "+model,
		`(document.querySelector(`+jsString(selComposer)+`).placeholder || "").endsWith(`+find+`.value)`)
}

// sameModel tells whether two model names are the same model; Ollama adds ":latest".
func sameModel(a, b string) bool {
	return strings.TrimSuffix(a, ":latest") == strings.TrimSuffix(b, ":latest")
}

// sendMessage types text into the composer and presses Enter, as a person would.
func sendMessage(b *browser, text string) {
	b.t.Helper()
	b.typeInto(selComposer, text)
	b.typeInto(selComposer, "\n")
}

// composerValue is what the composer holds.
func composerValue(b *browser) string {
	b.t.Helper()
	return evalJS[string](b, `document.querySelector(`+jsString(selComposer)+`).value`)
}

// countRole counts the page's messages of a role.
func countRole(ms []uiMessage, role string) int {
	n := 0
	for _, m := range ms {
		if m.Role == role {
			n++
		}
	}
	return n
}

// sameText compares stored Markdown with the text the page renders from it: rendering collapses
// runs of white space, so both are compared word by word.
func sameText(stored, shown string) bool { return words(stored) == words(shown) }

// words normalises white space: what the page renders from a text, word by word.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

// startChat opens the app, picks model and sends text; it returns once the page shows the reply.
func startChat(t *testing.T, b *browser, url, model, text string) {
	t.Helper()
	b.open(url)
	chooseModel(b, model)
	sendMessage(b, text)
	b.waitFor(30*time.Second, "the page shows a reply", `!!(`+jsLastReply+`)`)
}

// openConversation opens a conversation from the sidebar, as a person would after a reload;
// clicking the one already open changes nothing.
func openConversation(b *browser, id string) {
	b.t.Helper()
	sel := selConversation + `[data-conversation-id="` + id + `"]`
	b.waitFor(15*time.Second, "the sidebar lists conversation "+id, `!!document.querySelector(`+jsString(sel)+`)`)
	b.click(sel)
	b.waitFor(15*time.Second, "the conversation shows its messages", `document.querySelectorAll(`+jsString(selMessage)+`).length > 0`)
}

// setOllamaURL enters a new Ollama address in the Settings screen and saves it, then waits until
// the backend has it.
func setOllamaURL(b *browser, a *app, url string) {
	b.t.Helper()
	b.click(selOpenSettings)
	// Save is enabled once the settings are loaded into the form (an empty address means
	// OLLAMA_HOST, which is how these tests start the app).
	b.waitFor(15*time.Second, "the settings form is ready",
		`(() => { const f = document.querySelector(`+jsString(selSettingsURL)+`), s = document.querySelector(`+jsString(selSettingsSave)+`);
			return !!f && !!s && !s.disabled; })()`)
	// Empty the field as select-all + delete would; the page hears it as input.
	evalJS[bool](b, `(() => { const f = document.querySelector(`+jsString(selSettingsURL)+`);
		f.value = ""; f.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`)
	b.typeInto(selSettingsURL, url)
	b.click(selSettingsSave)
	poll(b.t, 15*time.Second, "the backend uses the new Ollama address", func() (bool, string) {
		var s struct {
			OllamaURL string `json:"ollamaUrl"`
		}
		a.mustCall("settings.get", struct{}{}, &s)
		return s.OllamaURL == url, "settings.get says " + s.OllamaURL
	})
}
