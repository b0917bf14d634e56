// Package endpoints is the list of model servers the app can talk to: this machine's Ollama
// (always there, its address is the Ollama URL setting) and any others the person adds — another
// Ollama on the LAN, or an OpenAI-compatible server (LM Studio, llama.cpp's server, vLLM, Jan).
//
// Each endpoint has a name, a live status and a cached model list. A server that is down or hangs
// never makes the app wait: model lists come from the cache, marked stale, while the check loop
// keeps trying in the background. API keys live in the OS keyring (backend/secrets), never in the
// database; the list itself is one JSON setting.
//
// The Registry is also the llm.Provider the chat service uses: each request goes to the server
// its conversation names.
package endpoints

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/secrets"
)

// LocalID is this machine's Ollama. Conversations from before there were endpoints have no
// endpoint ID, which means the same.
const LocalID = "local"

// Kinds of server.
const (
	KindOllama = "ollama" // Ollama's native API: chat, and manage models
	KindOpenAI = "openai" // the OpenAI-compatible API: chat and list models only
)

// States of an endpoint, as status.Ollama has them.
const (
	Checking    = "checking"
	Reachable   = "reachable"
	Unreachable = "unreachable"
)

// EventChanged carries {endpoints: Status[]} whenever an endpoint is added, changed, removed, or
// its status or model list changes.
const EventChanged = "endpoints.changed"

// Errors callers tell apart.
var (
	// ErrUnknown: no endpoint has that ID (it may have been removed).
	ErrUnknown = errors.New("no such model server")
	// ErrInvalid: the endpoint as given cannot be saved.
	ErrInvalid = errors.New("invalid model server")
	// ErrNotManageable: the server's models cannot be pulled or deleted from here.
	ErrNotManageable = errors.New("this server's models cannot be managed from here")
)

// Endpoint is one server as saved.
type Endpoint struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
	URL  string `json:"url"`
	// HasKey says an API key for it is in the keyring; the key itself never leaves Go.
	HasKey bool `json:"hasKey"`
}

// Status is an endpoint with what is known about it now.
type Status struct {
	Endpoint
	// Local is this machine's Ollama: it cannot be removed, and its address is a setting.
	Local bool `json:"local"`
	// Manageable: its models can be pulled, deleted and unloaded from the app (Ollama).
	Manageable bool       `json:"manageable"`
	State      string     `json:"state"`
	Version    string     `json:"version,omitempty"`
	Error      string     `json:"error,omitempty"`
	CheckedAt  *time.Time `json:"checkedAt,omitempty"`
	// Models is the last model list fetched, from ModelsAt; Stale when the server could not be
	// asked since.
	Models   []llm.Model `json:"models"`
	ModelsAt *time.Time  `json:"modelsAt,omitempty"`
	Stale    bool        `json:"stale"`
}

// Storage keeps the list: the history database's key/value settings.
type Storage interface {
	GetSetting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
}

const storageKey = "endpoints"

// keyAccount is the keyring account an endpoint's API key is stored under.
func keyAccount(id string) string { return "endpoint:" + id }

// Options are what a Registry needs.
type Options struct {
	Storage Storage
	Keys    secrets.Store
	Bus     *events.Bus
	// Local is this machine's Ollama, shared with the rest of the app (its address follows the
	// Ollama URL setting).
	Local *llm.Ollama
	Log   *slog.Logger
	// Timeouts; zero means the defaults below.
	CheckTimeout time.Duration // one status check or model list, on the check loop
	ListTimeout  time.Duration // how long ModelList waits for a server when it has a cached list
	Interval     time.Duration // between checks
	FreshFor     time.Duration // a cached model list younger than this is served without asking
}

func (o *Options) defaults() {
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = 3 * time.Second
	}
	if o.ListTimeout <= 0 {
		o.ListTimeout = 1500 * time.Millisecond
	}
	if o.Interval <= 0 {
		o.Interval = 10 * time.Second
	}
	if o.FreshFor <= 0 {
		o.FreshFor = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// Registry holds the endpoints. It is safe for concurrent use.
type Registry struct {
	opt  Options
	wake chan struct{}

	// cacheWrites tells writeCache (cache.go), which Run starts, that pendingCache is due.
	cacheWrites chan struct{}

	mu           sync.Mutex
	entries      []*entry // local first, then in the order added
	cacheSaved   time.Time
	pendingCache string
}

type entry struct {
	ep       Endpoint
	provider llm.Provider
	status   Status
	// keyErr is why the saved API key could not be read (a locked keyring); shown until it can.
	keyErr error
	// refreshing is set while a background model list refresh runs (closed when it is
	// recorded), so requests do not pile up on a slow server.
	refreshing chan struct{}
	// fresh is when the model list was last fetched, for FreshFor; zero after Invalidate.
	fresh time.Time
}

// New loads the saved endpoints. Their API keys are read by Run, in the background: reading the
// keyring may wait for the person to unlock it.
func New(ctx context.Context, opt Options) (*Registry, error) {
	opt.defaults()
	r := &Registry{opt: opt, wake: make(chan struct{}, 1), cacheWrites: make(chan struct{}, 1)}
	local := &entry{ep: Endpoint{ID: LocalID, Name: "This computer", Kind: KindOllama}, provider: opt.Local}
	local.status = Status{Local: true, Manageable: true, State: Checking}
	r.entries = []*entry{local}
	defer r.loadCache(ctx)
	raw, ok, err := opt.Storage.GetSetting(ctx, storageKey)
	if err != nil {
		return nil, fmt.Errorf("load the model servers: %w", err)
	}
	if !ok {
		return r, nil
	}
	var saved []Endpoint
	if err := json.Unmarshal([]byte(raw), &saved); err != nil {
		return nil, fmt.Errorf("load the model servers: the saved list is not valid JSON: %w", err)
	}
	for _, ep := range saved {
		p, err := newProvider(ep, "")
		if err != nil {
			// Saved by an older version with other rules: keep it visible so it can be fixed.
			opt.Log.Warn("a saved model server cannot be used", "endpoint", ep.ID, "err", err)
		}
		e := &entry{ep: ep, provider: p, status: Status{State: Checking, Manageable: ep.Kind == KindOllama}}
		if err != nil {
			e.status.State, e.status.Error = Unreachable, err.Error()
		}
		r.entries = append(r.entries, e)
	}
	return r, nil
}

func newProvider(ep Endpoint, key string) (llm.Provider, error) {
	// Each branch returns a nil interface on error, never a nil pointer inside one.
	switch ep.Kind {
	case KindOllama:
		o, err := llm.NewOllama(ep.URL, nil)
		if err != nil {
			return nil, err
		}
		return o, nil
	case KindOpenAI:
		o, err := llm.NewOpenAI(ep.URL, key, nil)
		if err != nil {
			return nil, err
		}
		return o, nil
	}
	return nil, fmt.Errorf("%w: kind %q is not ollama or openai", ErrInvalid, ep.Kind)
}

// List returns every endpoint with its status, this machine's first.
func (r *Registry) List() []Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Status, len(r.entries))
	for i, e := range r.entries {
		out[i] = r.viewLocked(e)
	}
	return out
}

// Get returns one endpoint with its status.
func (r *Registry) Get(id string) (Status, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, err := r.findLocked(id)
	if err != nil {
		return Status{}, err
	}
	return r.viewLocked(e), nil
}

func (r *Registry) viewLocked(e *entry) Status {
	s := e.status
	s.Endpoint = e.ep
	if s.Local {
		s.URL = r.opt.Local.BaseURL()
	}
	s.Models = slices.Clone(s.Models)
	if s.Models == nil {
		s.Models = []llm.Model{}
	}
	if e.keyErr != nil && s.State != Reachable {
		s.Error = "the API key could not be read from the keyring: " + e.keyErr.Error()
	}
	return s
}

// findLocked finds an endpoint; "" is this machine's.
func (r *Registry) findLocked(id string) (*entry, error) {
	if id == "" {
		id = LocalID
	}
	for _, e := range r.entries {
		if e.ep.ID == id {
			return e, nil
		}
	}
	return nil, fmt.Errorf("model server %q: %w; it may have been removed — choose another server", id, ErrUnknown)
}

func (r *Registry) publish() {
	if r.opt.Bus != nil {
		r.opt.Bus.Publish(EventChanged, map[string]any{"endpoints": r.List()})
	}
}

// Poke makes the check loop check every endpoint now.
func (r *Registry) Poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// save writes the list (without the local endpoint, which is not saved: it is the setting).
func (r *Registry) saveLocked(ctx context.Context, entries []*entry) error {
	saved := make([]Endpoint, 0, len(entries))
	for _, e := range entries {
		if e.ep.ID != LocalID {
			saved = append(saved, e.ep)
		}
	}
	raw, err := json.Marshal(saved)
	if err != nil {
		return fmt.Errorf("save the model servers: %w", err)
	}
	if err := r.opt.Storage.SetSetting(ctx, storageKey, string(raw)); err != nil {
		return fmt.Errorf("save the model servers: %w", err)
	}
	return nil
}
