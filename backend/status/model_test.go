package status

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestMonitor(srv Server, bus *events.Bus) *Monitor {
	return NewMonitor(srv, func() string { return "http://127.0.0.1:11434" }, bus, quiet(), DefaultIntervals())
}

func TestOverall(t *testing.T) {
	up := Ollama{State: Reachable}
	tests := []struct {
		name string
		s    Status
		want string
	}{
		{"first check pending", Status{Ollama: Ollama{State: Checking}}, OverallChecking},
		{"server down outweighs everything", Status{Ollama: Ollama{State: Unreachable, Generating: 1}, Account: Account{State: AccountError}}, OverallDown},
		{"idle and nothing else on", Status{Ollama: up, Account: Account{State: SignedOut}, Relay: Relay{State: RelayOff}}, OverallReady},
		{"signed in, relay connected", Status{Ollama: up, Account: Account{State: SignedIn}, Relay: Relay{State: RelayConnected}}, OverallReady},
		{"generating", Status{Ollama: Ollama{State: Reachable, Generating: 2}}, OverallGenerating},
		{"sign-in expiring", Status{Ollama: up, Account: Account{State: Expiring}}, OverallAttention},
		{"sign-in failed", Status{Ollama: up, Account: Account{State: AccountError}}, OverallAttention},
		{"relay lost", Status{Ollama: up, Relay: Relay{State: RelayReconnecting}}, OverallAttention},
		{"relay error while generating", Status{Ollama: Ollama{State: Reachable, Generating: 1}, Relay: Relay{State: RelayError}}, OverallAttention},
		{"relay still connecting is not a problem", Status{Ollama: up, Relay: Relay{State: RelayConnecting}}, OverallReady},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := overall(tt.s); got != tt.want {
				t.Fatalf("overall = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestNewMonitorDefaults(t *testing.T) {
	s := newTestMonitor(&flaky{}, events.NewBus(4)).Get()
	if s.Ollama.State != Checking || s.Account.State != SignedOut || s.Relay.State != RelayOff || s.Overall != OverallChecking {
		t.Fatalf("initial status %+v: want checking, signed out, relay off", s)
	}
}

// statusEvents returns the status.changed events on bus so far.
func statusEvents(t *testing.T, bus *events.Bus) []Status {
	t.Helper()
	sub, _ := bus.Subscribe(0, 64)
	defer sub.Close()
	var out []Status
	for {
		select {
		case ev := <-sub.C:
			if ev.Name != EventChanged {
				continue
			}
			var s Status
			if err := json.Unmarshal(ev.Data, &s); err != nil {
				t.Fatalf("status.changed data %s: %v", ev.Data, err)
			}
			out = append(out, s)
		default:
			return out
		}
	}
}

func TestSettersPublishEachChangeOnce(t *testing.T) {
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	steps := []struct {
		name    string
		do      func(m *Monitor)
		publish bool
		check   func(s Status) bool
	}{
		{"sign in", func(m *Monitor) {
			m.SetAccount(Account{State: SignedIn, Name: "Ada", Email: "ada@example.org", ExpiresAt: expires})
		}, true,
			func(s Status) bool { return s.Account.State == SignedIn && s.Account.Email == "ada@example.org" }},
		{"same account again", func(m *Monitor) {
			m.SetAccount(Account{State: SignedIn, Name: "Ada", Email: "ada@example.org", ExpiresAt: expires})
		}, false, nil},
		{"expiring", func(m *Monitor) {
			m.SetAccount(Account{State: Expiring, Name: "Ada", Email: "ada@example.org", ExpiresAt: expires})
		}, true,
			func(s Status) bool { return s.Overall == OverallAttention }},
		{"relay connecting", func(m *Monitor) { m.SetRelay(Relay{State: RelayConnecting, URL: "wss://relay"}) }, true,
			func(s Status) bool { return s.Relay.State == RelayConnecting }},
		{"two sessions", func(m *Monitor) { m.SetRemoteSessions(2) }, true, func(s Status) bool { return s.RemoteSessions == 2 }},
		{"two sessions again", func(m *Monitor) { m.SetRemoteSessions(2) }, false, nil},
		{"negative count is none", func(m *Monitor) { m.SetRemoteSessions(-1) }, true, func(s Status) bool { return s.RemoteSessions == 0 }},
		{"empty relay state is off", func(m *Monitor) { m.SetRelay(Relay{}) }, true, func(s Status) bool { return s.Relay.State == RelayOff }},
		{"empty account state is signed out", func(m *Monitor) { m.SetAccount(Account{}) }, true, func(s Status) bool { return s.Account.State == SignedOut }},
	}
	bus := events.NewBus(64)
	m := newTestMonitor(&flaky{version: "0.6.5"}, bus)
	m.Check(context.Background())
	seen := len(statusEvents(t, bus))
	for _, st := range steps {
		st.do(m)
		evs := statusEvents(t, bus)
		if got := len(evs) - seen; (got == 1) != st.publish || got > 1 {
			t.Fatalf("%s: %d events, want publish=%v", st.name, got, st.publish)
		}
		seen = len(evs)
		if st.check != nil {
			if last := evs[len(evs)-1]; !st.check(last) || last != m.Get() {
				t.Fatalf("%s: published %+v, Get %+v", st.name, last, m.Get())
			}
		}
	}
}

func TestWatchHoldsTheNewest(t *testing.T) {
	m := newTestMonitor(&flaky{version: "1"}, events.NewBus(16))
	c, stop := m.Watch()
	if got := <-c; got != m.Get() {
		t.Fatalf("the watcher starts with %+v, not the current %+v", got, m.Get())
	}
	m.SetRemoteSessions(1)
	m.SetRemoteSessions(2)
	m.SetRemoteSessions(3) // the reader was not looking: it gets the latest, not a backlog
	if got := (<-c).RemoteSessions; got != 3 {
		t.Fatalf("watcher got %d sessions, want 3", got)
	}
	select {
	case s := <-c:
		t.Fatalf("a stale value is left over: %+v", s)
	default:
	}
	stop()
	m.SetRemoteSessions(4)
	select {
	case s := <-c:
		t.Fatalf("a stopped watcher received %+v", s)
	default:
	}
}

func TestCheckWhileGeneratingKeepsReachable(t *testing.T) {
	srv := &flaky{version: "0.6.5"}
	m := newTestMonitor(srv, events.NewBus(16))
	m.Check(context.Background())
	m.update(func(s *Status) { s.Ollama.Generating, s.Ollama.TokensPerSecond, s.Ollama.Model = 1, 12.5, "tiny" })
	if s := m.Check(context.Background()); s.Ollama.State != Reachable || s.Ollama.Generating != 1 || s.Overall != OverallGenerating {
		t.Fatalf("a check while generating gave %+v", s)
	}
	srv.set("", llm.ErrUnreachable)
	s := m.Check(context.Background())
	if s.Ollama.Generating != 0 || s.Ollama.TokensPerSecond != 0 || s.Overall != OverallDown || s.Ollama.Model != "tiny" {
		t.Fatalf("an unreachable server still generates: %+v", s)
	}
}
