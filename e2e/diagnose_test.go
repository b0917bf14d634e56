package e2e

import (
	"strings"
	"testing"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// TestDiagnoseWithRealOllama runs status.diagnose over HTTP against a real Ollama: every Ollama
// check passes and names what it found, remote access and sign-in say they are not set up, and
// status.get carries the whole model.
func TestDiagnoseWithRealOllama(t *testing.T) {
	ol := ollamatest.Start(t)
	a := startServe(t, appOptions{ollamaURL: ol.URL})
	var d struct {
		Checks []struct {
			ID, Title, Result, Detail, Hint string
		} `json:"checks"`
		Status struct {
			Overall string `json:"overall"`
		} `json:"status"`
	}
	a.mustCall("status.diagnose", struct{}{}, &d)
	got := map[string]string{}
	details := map[string]string{}
	for _, c := range d.Checks {
		got[c.ID], details[c.ID] = c.Result, c.Detail
	}
	for id, want := range map[string]string{"ollama.reachable": "ok", "ollama.version": "ok", "ollama.models": "ok", "account": "notSetUp", "relay": "notSetUp"} {
		if got[id] != want {
			t.Errorf("%s: %s (%s), want %s", id, got[id], details[id], want)
		}
	}
	if !strings.Contains(details["ollama.models"], ollamatest.TinyModel) {
		t.Errorf("the models check %q does not name %s", details["ollama.models"], ollamatest.TinyModel)
	}
	if d.Status.Overall != "ready" {
		t.Errorf("overall %q after a good diagnosis, want ready", d.Status.Overall)
	}

	var st struct {
		Overall string                      `json:"overall"`
		Ollama  struct{ State, URL string } `json:"ollama"`
		Account struct{ State string }      `json:"account"`
		Relay   struct{ State string }      `json:"relay"`
		Remote  *int                        `json:"remoteSessions"`
	}
	a.mustCall("status.get", struct{}{}, &st)
	if st.Ollama.State != "reachable" || st.Ollama.URL != ol.URL || st.Account.State != "signedOut" || st.Relay.State != "off" || st.Remote == nil || *st.Remote != 0 {
		t.Errorf("status.get %+v (remoteSessions %v)", st, st.Remote)
	}
}
