// Package status owns the connection-state model: whether the model server is reachable, its
// version, and what to do when it is not. A Monitor checks in the background, backs off while
// something is down, and publishes every change as a "status.changed" event.
package status

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

// Ollama states.
const (
	Checking    = "checking"
	Reachable   = "reachable"
	Unreachable = "unreachable"
)

// Ollama is what the app knows about its model server.
type Ollama struct {
	State     string    `json:"state"`
	URL       string    `json:"url"`
	Version   string    `json:"version,omitempty"`
	Error     string    `json:"error,omitempty"`
	Hint      string    `json:"hint,omitempty"`
	CheckedAt time.Time `json:"checkedAt,omitempty"`
}

// Status is the whole connection state.
type Status struct {
	Ollama Ollama `json:"ollama"`
}

// Versioner is the part of a model server the monitor needs.
type Versioner interface {
	Version(ctx context.Context) (string, error)
}

// Intervals tune how often the monitor checks.
type Intervals struct {
	Up      time.Duration // between checks while reachable
	DownMin time.Duration // first retry after a failure; doubles up to DownMax
	DownMax time.Duration
	Timeout time.Duration // for one check
}

// DefaultIntervals keep idle cost near zero while noticing changes within seconds.
func DefaultIntervals() Intervals {
	return Intervals{Up: 5 * time.Second, DownMin: time.Second, DownMax: 30 * time.Second, Timeout: 3 * time.Second}
}

// Monitor watches the model server.
type Monitor struct {
	server Versioner
	url    func() string
	bus    *events.Bus
	log    *slog.Logger
	iv     Intervals
	wake   chan struct{}

	mu      sync.Mutex
	current Status
}

// NewMonitor returns a monitor; url reports the server's current address for display.
func NewMonitor(server Versioner, url func() string, bus *events.Bus, log *slog.Logger, iv Intervals) *Monitor {
	return &Monitor{
		server:  server,
		url:     url,
		bus:     bus,
		log:     log,
		iv:      iv,
		wake:    make(chan struct{}, 1),
		current: Status{Ollama: Ollama{State: Checking, URL: url()}},
	}
}

// Get returns the last known status.
func (m *Monitor) Get() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.current
}

// Check checks now and returns the result.
func (m *Monitor) Check(ctx context.Context) Status {
	ctx, cancel := context.WithTimeout(ctx, m.iv.Timeout)
	defer cancel()
	url := m.url()
	next := Ollama{URL: url, CheckedAt: time.Now().UTC()}
	v, err := m.server.Version(ctx)
	if err != nil {
		next.State = Unreachable
		next.Error = err.Error()
		next.Hint = hint(url, err)
	} else {
		next.State = Reachable
		next.Version = v
	}
	m.mu.Lock()
	prev := m.current.Ollama
	m.current.Ollama = next
	st := m.current
	m.mu.Unlock()
	if prev.State != next.State || prev.Version != next.Version || prev.URL != next.URL || prev.Error != next.Error {
		m.log.Info("ollama status", "state", next.State, "url", next.URL, "version", next.Version, "error", next.Error)
		m.bus.Publish("status.changed", st)
	}
	return st
}

// Poke asks the running monitor to check soon, e.g. after the URL changed or a request failed.
func (m *Monitor) Poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Run checks until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
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

func hint(url string, err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("Ollama at %s did not answer in time. Check that the address is right and the machine is awake.", url)
	case errors.Is(err, llm.ErrUnreachable):
		return fmt.Sprintf("Start Ollama (run `ollama serve`) or set its address in Settings. Looking for it at %s.", url)
	default:
		return "Something answered at this address, but not like Ollama does. Check the address in Settings."
	}
}
