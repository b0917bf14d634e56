package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestOllamaUnreachable runs the app with no Ollama listening. The status line says Ollama cannot
// be reached and how to fix it. What sending does depends on whether a model is known:
//   - on first start no model can be listed or chosen, so the send is refused: the page shows
//     the error and the composer keeps what the person typed;
//   - with a model chosen before (Ollama has since stopped), the message is kept in a new
//     conversation and its reply fails with an error that names Ollama and offers Retry.
//
// Either way nothing typed is lost and the person is told what is wrong.
func TestOllamaUnreachable(t *testing.T) {
	appBinary(t)
	t.Run("first start, no model", func(t *testing.T) {
		a, b := openWithoutOllama(t, "")
		const typed = "Is anyone there?"
		sendMessage(b, typed)
		b.waitFor(30*time.Second, "an error is shown",
			`(() => { const e = document.querySelector(`+jsString(selErrorBanner)+`); return !!e && e.innerText.trim() !== ""; })()`)
		t.Logf("the page says: %q", evalJS[string](b, `document.querySelector(`+jsString(selErrorBanner)+`).innerText`))
		if got := composerValue(b); got != typed {
			t.Errorf("the composer holds %q after the refused send, want the typed %q", got, typed)
		}
		if n := len(a.conversations()); n != 0 {
			t.Errorf("a refused send left %d conversations in the history", n)
		}
	})

	t.Run("model chosen before", func(t *testing.T) {
		a, b := openWithoutOllama(t, "tiny")
		const typed = "Are you still there?"
		sendMessage(b, typed)
		waitReplyStatus(b, 30*time.Second, "error")
		reply := lastReply(b)
		t.Logf("the reply says: %q", reply.Error)
		if !strings.Contains(strings.ToLower(reply.Error), "ollama") {
			t.Errorf("the reply's error %q does not say that Ollama is the problem", reply.Error)
		}
		b.waitFor(5*time.Second, "the failed reply offers Retry", `!!document.querySelector(`+jsString(selRetry)+`)`)
		ms := pageMessages(b)
		if len(ms) != 2 || ms[0].Role != "user" || ms[0].Text != typed {
			t.Errorf("the page shows %+v, want the typed message and the failed reply", ms)
		}
		stored, err := dbMessages(a.dbPath())
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != 2 || stored[0].Content != typed || stored[1].Status != "error" {
			t.Errorf("the history holds %+v, want the typed message and a reply with status error", stored)
		}
	})
}

// openWithoutOllama starts the app with OLLAMA_HOST at a port nothing listens on (and
// defaultModel, if set, as if chosen in an earlier session), opens it in the browser and checks
// the status line: unreachable, with the hint the API gives.
func openWithoutOllama(t *testing.T, defaultModel string) (*app, *browser) {
	t.Helper()
	a := startServe(t, appOptions{})
	if defaultModel != "" {
		a.mustCall("settings.update", map[string]string{"defaultModel": defaultModel}, nil)
	}
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

	b := newBrowser(t)
	b.open(a.URL)
	b.waitFor(30*time.Second, "the status line says Ollama is unreachable",
		`(() => { const s = document.querySelector(`+jsString(selOllamaStatus)+`);
			return !!s && s.dataset.state === "unreachable"; })()`)
	status := evalJS[string](b, `document.querySelector(`+jsString(selOllamaStatus)+`).innerText`)
	if !strings.Contains(strings.ToLower(status), "unreachable") {
		t.Errorf("the status line %q does not say Ollama is unreachable", status)
	}
	if !strings.Contains(words(status), words(st.Ollama.Hint)) {
		t.Errorf("the status line does not show the hint %q; it says %q", st.Ollama.Hint, status)
	}
	return a, b
}
