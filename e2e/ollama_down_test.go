package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestOllamaUnreachable runs the app with no Ollama listening: the status line says Ollama cannot
// be reached and how to fix it, and sending a message shows an error while the composer keeps
// what the person typed, so nothing is lost.
func TestOllamaUnreachable(t *testing.T) {
	a := startServe(t, appOptions{}) // OLLAMA_HOST points at a port nothing listens on
	b := newBrowser(t)

	var st struct {
		Ollama struct {
			State string `json:"state"`
			Hint  string `json:"hint"`
		} `json:"ollama"`
	}
	a.mustCall("status.check", struct{}{}, &st)
	if st.Ollama.State != "unreachable" || st.Ollama.Hint == "" {
		t.Fatalf("status.check says %+v, want unreachable with a hint", st.Ollama)
	}

	b.open(a.URL)
	b.waitFor(30*time.Second, "the status line says Ollama is unreachable",
		`(() => { const s = document.querySelector(`+jsString(selOllamaStatus)+`);
			return !!s && s.dataset.state === "unreachable"; })()`)
	status := evalJS[string](b, `document.querySelector(`+jsString(selOllamaStatus)+`).innerText`)
	if !strings.Contains(strings.ToLower(status), "unreachable") && !strings.Contains(strings.ToLower(status), "reach") {
		t.Errorf("the status line %q does not say Ollama cannot be reached", status)
	}
	if !strings.Contains(b.text(), st.Ollama.Hint) {
		t.Errorf("the page does not show the hint %q; status line %q", st.Ollama.Hint, status)
	}

	const typed = "Is anyone there?"
	sendMessage(b, typed)
	b.waitFor(30*time.Second, "an error is shown",
		`(() => { const e = document.querySelector(`+jsString(selErrorBanner)+`); return !!e && e.innerText.trim() !== ""; })()`)
	shown := evalJS[string](b, `document.querySelector(`+jsString(selErrorBanner)+`).innerText`)
	if !strings.Contains(strings.ToLower(shown), "ollama") {
		t.Errorf("the error %q does not say that Ollama is the problem", shown)
	}
	if got := composerValue(b); got != typed {
		t.Errorf("the composer holds %q after the failed send, want the typed %q", got, typed)
	}
}
