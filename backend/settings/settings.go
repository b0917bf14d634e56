// Package settings owns the person's preferences: which Ollama to talk to, the default model and
// the theme. They persist in the history database and every change is published as an event so
// the window, the web build and the services that depend on them follow at once.
package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

// Settings are the persisted preferences. OllamaURL empty means "the default": OLLAMA_HOST or
// http://127.0.0.1:11434.
type Settings struct {
	OllamaURL    string `json:"ollamaUrl"`
	DefaultModel string `json:"defaultModel"`
	Theme        string `json:"theme"`
	// StartMinimized starts the desktop app in the tray, without its window, when a tray exists.
	StartMinimized bool `json:"startMinimized"`
	// Notifications turns desktop notifications about connection changes on or off.
	Notifications bool `json:"notifications"`
	// RemoteModelChanges lets a browser far away (the web build through the relay) pull and
	// delete models. Off by default: downloading gigabytes or removing a model is for the
	// person at the desktop unless they say otherwise, and only they can say it.
	RemoteModelChanges bool `json:"remoteModelChanges"`
}

// Patch changes some settings; nil fields stay as they are.
type Patch struct {
	OllamaURL      *string `json:"ollamaUrl"`
	DefaultModel   *string `json:"defaultModel"`
	Theme          *string `json:"theme"`
	StartMinimized *bool   `json:"startMinimized"`
	Notifications  *bool   `json:"notifications"`
	// RemoteModelChanges may only be changed on the desktop itself (the API refuses it remotely).
	RemoteModelChanges *bool `json:"remoteModelChanges"`
}

// defaults are the settings of a new install. Saved settings are read over them, so a setting
// added later starts at its default for people who saved settings before it existed.
func defaults() Settings {
	return Settings{Theme: "system", Notifications: true}
}

// ErrInvalid marks a value the person must correct.
var ErrInvalid = errors.New("invalid setting")

// Storage is where settings persist: a key/value table holding JSON.
type Storage interface {
	GetSetting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
}

const storageKey = "settings"

// Service reads and changes the settings.
type Service struct {
	st         Storage
	bus        *events.Bus
	defaultURL string

	mu       sync.Mutex
	current  Settings
	onChange []func(Settings)
}

// New loads the saved settings. defaultURL is the Ollama URL used while the person has not set one.
func New(ctx context.Context, st Storage, bus *events.Bus, defaultURL string) (*Service, error) {
	s := &Service{st: st, bus: bus, defaultURL: defaultURL, current: defaults()}
	raw, ok, err := st.GetSetting(ctx, storageKey)
	if err != nil {
		return nil, fmt.Errorf("load settings: %w", err)
	}
	if ok {
		if err := json.Unmarshal([]byte(raw), &s.current); err != nil {
			return nil, fmt.Errorf("load settings: stored value is not valid JSON: %w", err)
		}
	}
	return s, nil
}

// Get returns the current settings.
func (s *Service) Get() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// OllamaURL is the URL to use now: the person's choice or the default.
func (s *Service) OllamaURL() string {
	if u := s.Get().OllamaURL; u != "" {
		return u
	}
	return s.defaultURL
}

// OnChange registers f to run (synchronously, in order) after every successful update.
func (s *Service) OnChange(f func(Settings)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onChange = append(s.onChange, f)
}

// Update validates and saves p, then tells every listener.
func (s *Service) Update(ctx context.Context, p Patch) (Settings, error) {
	s.mu.Lock()
	next := s.current
	s.mu.Unlock()
	if p.OllamaURL != nil {
		u, err := NormalizeURL(*p.OllamaURL)
		if err != nil {
			return Settings{}, err
		}
		next.OllamaURL = u
	}
	if p.DefaultModel != nil {
		next.DefaultModel = strings.TrimSpace(*p.DefaultModel)
	}
	if p.Theme != nil {
		switch *p.Theme {
		case "light", "dark", "system":
			next.Theme = *p.Theme
		default:
			return Settings{}, fmt.Errorf("%w: theme must be light, dark or system, not %q", ErrInvalid, *p.Theme)
		}
	}
	if p.StartMinimized != nil {
		next.StartMinimized = *p.StartMinimized
	}
	if p.Notifications != nil {
		next.Notifications = *p.Notifications
	}
	if p.RemoteModelChanges != nil {
		next.RemoteModelChanges = *p.RemoteModelChanges
	}
	raw, err := json.Marshal(next)
	if err != nil {
		return Settings{}, fmt.Errorf("save settings: %w", err)
	}
	if err := s.st.SetSetting(ctx, storageKey, string(raw)); err != nil {
		return Settings{}, fmt.Errorf("save settings: %w", err)
	}
	s.mu.Lock()
	s.current = next
	listeners := append([]func(Settings){}, s.onChange...)
	s.mu.Unlock()
	for _, f := range listeners {
		f(next)
	}
	s.bus.Publish("settings.changed", next)
	return next, nil
}

// NormalizeURL accepts what people type for an Ollama address, with the meaning OLLAMA_HOST has
// ("localhost" is http://localhost:11434), and returns a clean URL, or "" for empty input.
func NormalizeURL(raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", nil
	}
	u, err := llm.ParseOllamaURL(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return u.String(), nil
}
