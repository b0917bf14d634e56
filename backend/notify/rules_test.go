package notify

import (
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
)

func st(ollama, account, relay string) status.Status {
	return status.Status{
		Ollama:  status.Ollama{State: ollama, URL: "http://127.0.0.1:11434", Version: "0.6.5", Hint: "Start Ollama."},
		Account: status.Account{State: account},
		Relay:   status.Relay{State: relay},
	}
}

func TestRules(t *testing.T) {
	const gap = 30 * time.Second
	up, down, checking := status.Reachable, status.Unreachable, status.Checking
	out, in, expiring, failed := status.SignedOut, status.SignedIn, status.Expiring, status.AccountError
	off, connecting, connected, reconnecting, relayErr := status.RelayOff, status.RelayConnecting, status.RelayConnected, status.RelayReconnecting, status.RelayError

	type step struct {
		at      time.Duration
		s       status.Status
		enabled bool
		want    []string      // summaries sent at this step
		again   time.Duration // when to look again; 0: not needed
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"starting with Ollama down is not news", []step{
			{0, st(checking, out, off), true, nil, 0},
			{time.Second, st(down, out, off), true, nil, 0},
		}},
		{"down and back", []step{
			{0, st(up, out, off), true, nil, 0},
			{time.Minute, st(down, out, off), true, []string{"Ollama is not reachable"}, 0},
			{2 * time.Minute, st(up, out, off), true, []string{"Ollama is back"}, 0},
		}},
		{"started down, then up, is news", []step{
			{0, st(down, out, off), true, nil, 0},
			{time.Second, st(up, out, off), true, []string{"Ollama is back"}, 0},
		}},
		{"checking in between changes nothing", []step{
			{0, st(up, out, off), true, nil, 0},
			{time.Second, st(checking, out, off), true, nil, 0},
			{2 * time.Second, st(up, out, off), true, nil, 0},
		}},
		{"flapping is rate-limited and ends on the truth", []step{
			{0, st(up, out, off), true, nil, 0},
			{time.Minute, st(down, out, off), true, []string{"Ollama is not reachable"}, 0},
			{time.Minute + time.Second, st(up, out, off), true, nil, time.Minute + gap},
			{time.Minute + 2*time.Second, st(down, out, off), true, nil, 0}, // undone: nothing to tell
			{time.Minute + 3*time.Second, st(up, out, off), true, nil, time.Minute + gap},
			{time.Minute + gap, st(up, out, off), true, []string{"Ollama is back"}, 0},
		}},
		{"kinds are limited separately", []step{
			{0, st(up, in, connected), true, nil, 0},
			{time.Minute, st(down, in, reconnecting), true, []string{"Ollama is not reachable", "Remote access lost"}, 0},
			{time.Minute + time.Second, st(down, failed, reconnecting), true, []string{"Your sign-in expired"}, 0},
		}},
		{"relay: off and connecting are not news", []step{
			{0, st(up, in, off), true, nil, 0},
			{time.Second, st(up, in, connecting), true, nil, 0},
			{2 * time.Second, st(up, in, connected), true, nil, 0},
			{time.Minute, st(up, in, relayErr), true, []string{"Remote access lost"}, 0},
			{2 * time.Minute, st(up, in, connecting), true, nil, 0},
			{3 * time.Minute, st(up, in, connected), true, []string{"Remote access is back"}, 0},
			{4 * time.Minute, st(up, in, off), true, nil, 0}, // the person turned it off
		}},
		{"account: expiring is still signed in, signing out is not news", []step{
			{0, st(up, in, off), true, nil, 0},
			{time.Second, st(up, expiring, off), true, nil, 0},
			{time.Minute, st(up, failed, off), true, []string{"Your sign-in expired"}, 0},
			{2 * time.Minute, st(up, in, off), true, nil, 0},
			{3 * time.Minute, st(up, out, off), true, nil, 0},
		}},
		{"switched off: nothing is sent, and nothing is replayed later", []step{
			{0, st(up, out, off), false, nil, 0},
			{time.Minute, st(down, out, off), false, nil, 0},
			{2 * time.Minute, st(down, out, off), true, nil, 0},
			{3 * time.Minute, st(up, out, off), true, []string{"Ollama is back"}, 0},
		}},
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRules(gap)
			for i, s := range tt.steps {
				send, again := r.observe(s.s, t0.Add(s.at), s.enabled)
				var got []string
				for _, n := range send {
					got = append(got, n.Summary)
					if n.Body == "" {
						t.Errorf("step %d: %q has no body", i, n.Summary)
					}
				}
				if len(got) != len(s.want) {
					t.Fatalf("step %d: sent %q, want %q", i, got, s.want)
				}
				for j := range got {
					if got[j] != s.want[j] {
						t.Fatalf("step %d: sent %q, want %q", i, got, s.want)
					}
				}
				wantAgain := time.Time{}
				if s.again != 0 {
					wantAgain = t0.Add(s.again)
				}
				if !again.Equal(wantAgain) {
					t.Fatalf("step %d: look again at %v, want %v", i, again, wantAgain)
				}
			}
		})
	}
}
