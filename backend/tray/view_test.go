package tray

import (
	"strings"
	"testing"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
)

func TestViewOf(t *testing.T) {
	up := status.Ollama{State: status.Reachable, URL: "http://127.0.0.1:11434", Version: "0.6.5"}
	tests := []struct {
		name                   string
		s                      status.Status
		icon                   iconKey
		tooltipHas             []string
		ollama, account, relay string
		signedIn               bool
	}{
		{
			name: "checking",
			s:    status.Status{Overall: status.OverallChecking, Ollama: status.Ollama{State: status.Checking, URL: "http://h:1"}},
			icon: iconKey{ollama: "checking"}, tooltipHas: []string{"checking", "http://h:1"},
			ollama: "Ollama: checking…", account: "Account: signed out", relay: "Remote access: off",
		},
		{
			name: "ready",
			s:    status.Status{Overall: status.OverallReady, Ollama: up, Account: status.Account{State: status.SignedOut}, Relay: status.Relay{State: status.RelayOff}},
			icon: iconKey{ollama: "ready"}, tooltipHas: []string{"ready", "Ollama 0.6.5 at http://127.0.0.1:11434", "Remote access: off"},
			ollama: "Ollama: connected (0.6.5)", account: "Account: signed out", relay: "Remote access: off",
		},
		{
			name: "down",
			s:    status.Status{Overall: status.OverallDown, Ollama: status.Ollama{State: status.Unreachable, URL: "http://127.0.0.1:9", Model: "tiny"}},
			icon: iconKey{ollama: "down"}, tooltipHas: []string{"not reachable", "http://127.0.0.1:9", "Model: tiny"},
			ollama: "Ollama: not reachable", account: "Account: signed out", relay: "Remote access: off",
		},
		{
			name: "generating, signed in, relay connected with sessions",
			s: status.Status{Overall: status.OverallGenerating,
				Ollama:         status.Ollama{State: status.Reachable, URL: "u", Version: "1", Generating: 1, Model: "tiny", TokensPerSecond: 12.34},
				Account:        status.Account{State: status.SignedIn, Name: "Ada", Email: "ada@example.org"},
				Relay:          status.Relay{State: status.RelayConnected, URL: "wss://relay"},
				RemoteSessions: 2},
			icon: iconKey{ollama: "generating", account: "in", relay: "up"}, tooltipHas: []string{"writing a reply", "Model: tiny · 12.3 tokens/s", "2 remote sessions", "Ada"},
			ollama: "Ollama: generating · 12.3 tokens/s", account: "Account: signed in as Ada", relay: "Remote access: connected, 2 remote sessions", signedIn: true,
		},
		{
			name: "two replies, expiring, reconnecting",
			s: status.Status{Overall: status.OverallAttention,
				Ollama:  status.Ollama{State: status.Reachable, URL: "u", Generating: 2},
				Account: status.Account{State: status.Expiring, Email: "a@b"},
				Relay:   status.Relay{State: status.RelayReconnecting}},
			icon: iconKey{ollama: "generating", account: "warn", relay: "pending"}, tooltipHas: []string{"needs attention"},
			ollama: "Ollama: generating 2 replies", account: "Account: sign-in ends soon", relay: "Remote access: reconnecting…", signedIn: true,
		},
		{
			name: "sign-in failed, relay error",
			s: status.Status{Overall: status.OverallAttention, Ollama: up,
				Account: status.Account{State: status.AccountError, Error: "token expired"},
				Relay:   status.Relay{State: status.RelayError, Error: "TLS handshake failed"}},
			icon: iconKey{ollama: "ready", account: "warn", relay: "down"}, tooltipHas: []string{"token expired", "TLS handshake failed"},
			ollama: "Ollama: connected (0.6.5)", account: "Account: sign-in failed (token expired)", relay: "Remote access: error (TLS handshake failed)",
		},
		{
			name:   "one session",
			s:      status.Status{Ollama: up, Relay: status.Relay{State: status.RelayConnected}, RemoteSessions: 1, Account: status.Account{State: status.SignedIn}},
			icon:   iconKey{ollama: "ready", account: "in", relay: "up"},
			ollama: "Ollama: connected (0.6.5)", account: "Account: signed in", relay: "Remote access: connected, 1 remote session", signedIn: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := viewOf(tt.s)
			if v.icon != tt.icon {
				t.Errorf("icon %+v, want %+v", v.icon, tt.icon)
			}
			for _, want := range tt.tooltipHas {
				if !strings.Contains(v.tooltip, want) {
					t.Errorf("tooltip %q lacks %q", v.tooltip, want)
				}
			}
			if v.ollamaLine != tt.ollama || v.accountLine != tt.account || v.relayLine != tt.relay || v.signedIn != tt.signedIn {
				t.Errorf("lines %q / %q / %q signedIn=%v, want %q / %q / %q %v",
					v.ollamaLine, v.accountLine, v.relayLine, v.signedIn, tt.ollama, tt.account, tt.relay, tt.signedIn)
			}
		})
	}
}
