// Package settings owns the person's preferences: which Ollama to talk to, the default model and
// the theme. They persist in the history database and every change is published as an event so
// the window, the web build and the services that depend on them follow at once.
package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
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
}

// Patch changes some settings; nil fields stay as they are.
type Patch struct {
	OllamaURL      *string `json:"ollamaUrl"`
	DefaultModel   *string `json:"defaultModel"`
	Theme          *string `json:"theme"`
	StartMinimized *bool   `json:"startMinimized"`
	Notifications  *bool   `json:"notifications"`
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

// NormalizeURL accepts what people type for a server address ("localhost:11434",
// "http://host:port/") and returns a clean http(s) URL, or "" for empty input.
func NormalizeURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%w: %q is not a server address; use the form http://host:port", ErrInvalid, raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%w: %q must start with http:// or https://", ErrInvalid, raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%w: %q must not contain credentials, a query or a fragment", ErrInvalid, raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u.String(), nil
}
