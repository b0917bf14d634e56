package status

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

func TestDiagnose(t *testing.T) {
	three := []llm.Model{{Name: "tiny"}, {Name: "tiny-long"}, {Name: "llama3.2"}}
	tests := []struct {
		name    string
		srv     *flaky
		account Account
		relay   Relay
		want    map[string]string // check id → result
	}{
		{"all good, nothing remote set up", &flaky{version: "0.6.5", models: three}, Account{}, Relay{},
			map[string]string{"ollama.reachable": CheckOK, "ollama.version": CheckOK, "ollama.models": CheckOK, "account": CheckNotSetUp, "relay": CheckNotSetUp}},
		{"no models", &flaky{version: "0.6.5"}, Account{}, Relay{},
			map[string]string{"ollama.reachable": CheckOK, "ollama.models": CheckFail}},
		{"listing fails", &flaky{version: "0.6.5", listErr: errors.New("boom")}, Account{}, Relay{},
			map[string]string{"ollama.models": CheckFail}},
		{"no version", &flaky{models: three}, Account{}, Relay{},
			map[string]string{"ollama.reachable": CheckOK, "ollama.version": CheckWarn}},
		{"down", &flaky{err: fmt.Errorf("dial: %w", llm.ErrUnreachable)}, Account{}, Relay{},
			map[string]string{"ollama.reachable": CheckFail, "ollama.version": CheckSkipped, "ollama.models": CheckSkipped}},
		{"signed in and connected", &flaky{version: "1", models: three}, Account{State: SignedIn, Email: "a@b"}, Relay{State: RelayConnected, URL: "wss://r"},
			map[string]string{"account": CheckOK, "relay": CheckOK}},
		{"sign-in failed, relay error", &flaky{version: "1", models: three}, Account{State: AccountError, Error: "token expired"}, Relay{State: RelayError, Error: "tls"},
			map[string]string{"account": CheckFail, "relay": CheckFail}},
		{"expiring, reconnecting", &flaky{version: "1", models: three}, Account{State: Expiring}, Relay{State: RelayReconnecting},
			map[string]string{"account": CheckWarn, "relay": CheckWarn}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestMonitor(tt.srv, events.NewBus(16))
			m.SetAccount(tt.account)
			m.SetRelay(tt.relay)
			d := m.Diagnose(context.Background())
			got := map[string]CheckResult{}
			for _, c := range d.Checks {
				got[c.ID] = c
			}
			if len(d.Checks) != 5 {
				t.Fatalf("%d checks, want 5: %+v", len(d.Checks), d.Checks)
			}
			for id, want := range tt.want {
				c, ok := got[id]
				if !ok || c.Result != want {
					t.Errorf("%s: %+v, want %s", id, c, want)
				}
				if c.Result == CheckFail && c.Hint == "" {
					t.Errorf("%s failed without saying what to do: %+v", id, c)
				}
			}
			if d.Status != m.Get() {
				t.Errorf("the diagnosis carries %+v, the monitor holds %+v", d.Status, m.Get())
			}
		})
	}
}
