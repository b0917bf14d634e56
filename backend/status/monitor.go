package status

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

// EventChanged is the name of the event every change is published as.
const EventChanged = "status.changed"

// Server is the part of a model server the monitor needs: Version doubles as the reachability
// check, Models is for Diagnose.
type Server interface {
	Version(ctx context.Context) (string, error)
	Models(ctx context.Context) ([]llm.Model, error)
}

// Intervals tune how often the monitor checks.
type Intervals struct {
	Up      time.Duration // between checks while reachable
	DownMin time.Duration // first retry after a failure; doubles up to DownMax
	DownMax time.Duration
	Timeout time.Duration // for one check
	// Rate is how often the tokens/s figure is refreshed while replies stream: often enough to
	// read as live, rare enough not to flood every client with status events.
	Rate time.Duration
}

// DefaultIntervals keep idle cost near zero while noticing changes within seconds.
func DefaultIntervals() Intervals {
	return Intervals{Up: 5 * time.Second, DownMin: time.Second, DownMax: 30 * time.Second, Timeout: 3 * time.Second, Rate: time.Second}
}

// Monitor holds the Status, checks the model server, and publishes every change.
type Monitor struct {
	server Server
	url    func() string
	bus    *events.Bus
	log    *slog.Logger
	iv     Intervals
	wake   chan struct{}
	since  uint64 // the bus event replies are followed from: none is missed before Run

	mu       sync.Mutex
	current  Status
	watchers map[chan Status]struct{}
}

// NewMonitor returns a monitor; url reports the server's current address for display.
func NewMonitor(server Server, url func() string, bus *events.Bus, log *slog.Logger, iv Intervals) *Monitor {
	if iv.Rate <= 0 {
		iv.Rate = time.Second
	}
	m := &Monitor{
		server:   server,
		url:      url,
		bus:      bus,
		log:      log,
		iv:       iv,
		wake:     make(chan struct{}, 1),
		since:    bus.Seq(),
		watchers: map[chan Status]struct{}{},
		current: Status{
			Ollama:  Ollama{State: Checking, URL: url()},
			Account: Account{State: SignedOut},
			Relay:   Relay{State: RelayOff},
		},
	}
	m.current.Overall = overall(m.current)
	return m
}

// Get returns the current status.
func (m *Monitor) Get() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.current
}

// Watch returns a channel that holds the current status at once and the latest one after every
// change, and a function that stops watching. The channel keeps only the newest value: a slow
// reader skips intermediate states instead of holding up the monitor, and always ends on the
// current one. Starting with the current status leaves no gap between reading it and watching.
func (m *Monitor) Watch() (<-chan Status, func()) {
	c := make(chan Status, 1)
	m.mu.Lock()
	m.watchers[c] = struct{}{}
	c <- m.current
	m.mu.Unlock()
	return c, func() {
		m.mu.Lock()
		delete(m.watchers, c)
		m.mu.Unlock()
	}
}

// SetAccount records the sign-in state. The sign-in code calls it on every change; an empty
// State means signed out.
func (m *Monitor) SetAccount(a Account) {
	if a.State == "" {
		a.State = SignedOut
	}
	m.update(func(s *Status) { s.Account = a })
}

// SetRelay records the state of remote access. An empty State means off.
func (m *Monitor) SetRelay(r Relay) {
	if r.State == "" {
		r.State = RelayOff
	}
	m.update(func(s *Status) { s.Relay = r })
}

// SetRemoteSessions records how many browsers use this desktop through the relay now.
func (m *Monitor) SetRemoteSessions(n int) {
	m.update(func(s *Status) { s.RemoteSessions = max(n, 0) })
}

// update applies change and, if the status now shows something else, publishes it. The event
// is published under the lock so that the bus carries the states in the order they happened.
func (m *Monitor) update(change func(*Status)) Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	next := m.current
	change(&next)
	next.Overall = overall(next)
	prev := m.current
	m.current = next
	if next.sameAs(prev) {
		return next
	}
	// The tokens/s figure changes every second while a reply streams; only state changes are
	// worth a line in the log at the default level.
	level := slog.LevelDebug
	if next.Overall != prev.Overall || next.Ollama.State != prev.Ollama.State || next.Account.State != prev.Account.State || next.Relay.State != prev.Relay.State {
		level = slog.LevelInfo
	}
	m.log.Log(context.Background(), level, "status changed", "overall", next.Overall, "ollama", next.Ollama.State, "url", next.Ollama.URL,
		"version", next.Ollama.Version, "generating", next.Ollama.Generating, "account", next.Account.State,
		"relay", next.Relay.State, "remoteSessions", next.RemoteSessions, "error", next.Ollama.Error)
	m.bus.Publish(EventChanged, next)
	for c := range m.watchers {
		select { // drop the value the reader has not taken yet: only the newest matters
		case <-c:
		default:
		}
		c <- next
	}
	return next
}

// Check checks the model server now and returns the result.
func (m *Monitor) Check(ctx context.Context) Status {
	ctx, cancel := context.WithTimeout(ctx, m.iv.Timeout)
	defer cancel()
	url := m.url()
	v, err := m.server.Version(ctx)
	return m.update(func(s *Status) {
		o := &s.Ollama
		o.URL, o.CheckedAt = url, time.Now().UTC()
		if err != nil {
			o.State, o.Version, o.Error, o.Hint = Unreachable, "", err.Error(), hint(url, err)
			// Nothing streams from a server that is gone; the chat service closes those replies.
			o.Generating, o.TokensPerSecond = 0, 0
			return
		}
		o.State, o.Version, o.Error, o.Hint = Reachable, v, "", ""
	})
}

// Poke asks the running monitor to check soon, e.g. after the URL changed or a request failed.
func (m *Monitor) Poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Run checks until ctx ends, and follows the replies streaming on the bus.
func (m *Monitor) Run(ctx context.Context) {
	go m.followReplies(ctx)
	backoff := m.iv.DownMin
	for {
		wait := m.iv.Up
		if m.Check(ctx).Ollama.State != Reachable {
			wait = backoff
			backoff = min(backoff*2, m.iv.DownMax)
		} else {
			backoff = m.iv.DownMin
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-m.wake:
			t.Stop()
			backoff = m.iv.DownMin
		case <-t.C:
		}
	}
}
