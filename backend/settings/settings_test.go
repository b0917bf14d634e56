package settings

import (
	"context"
	"errors"
	"testing"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
)

// mapStorage stands in for the database in these unit tests; the store's own tests cover SQLite.
type mapStorage map[string]string

func (m mapStorage) GetSetting(_ context.Context, k string) (string, bool, error) {
	v, ok := m[k]
	return v, ok, nil
}

func (m mapStorage) SetSetting(_ context.Context, k, v string) error { m[k] = v; return nil }

func TestNormalizeURL(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"", "", false},
		{"localhost:11434", "http://localhost:11434", false},
		{"localhost", "http://localhost:11434", false},
		{" http://127.0.0.1:11434/ ", "http://127.0.0.1:11434", false},
		{"https://gpu.lan/ollama/", "https://gpu.lan:443/ollama", false},
		{"ftp://x", "", true},
		{"http://user:pw@host", "", true},
		{"http://", "", true},
		{"http://host:99999", "", true},
		{"http://h/?q=1", "", true},
	}
	for _, tt := range tests {
		got, err := NormalizeURL(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q, err=%v", tt.in, got, err, tt.want, tt.err)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("NormalizeURL(%q) error %v is not ErrInvalid", tt.in, err)
		}
	}
}

func TestUpdatePersistsAndNotifies(t *testing.T) {
	ctx := context.Background()
	st := mapStorage{}
	bus := events.NewBus(8)
	s, err := New(ctx, st, bus, "http://127.0.0.1:11434")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Get().Theme; got != "system" {
		t.Fatalf("default theme %q, want system", got)
	}
	var heard Settings
	s.OnChange(func(v Settings) { heard = v })
	u, m, th := "127.0.0.1:9", "tiny", "dark"
	if _, err := s.Update(ctx, Patch{OllamaURL: &u, DefaultModel: &m, Theme: &th}); err != nil {
		t.Fatal(err)
	}
	want := Settings{OllamaURL: "http://127.0.0.1:9", DefaultModel: "tiny", Theme: "dark", Notifications: true}
	if heard != want {
		t.Fatalf("listener got %+v, want %+v", heard, want)
	}
	if s.OllamaURL() != "http://127.0.0.1:9" {
		t.Fatalf("OllamaURL %q", s.OllamaURL())
	}
	if bus.Seq() != 1 {
		t.Fatalf("published %d events, want 1", bus.Seq())
	}
	again, err := New(ctx, st, bus, "x")
	if err != nil {
		t.Fatal(err)
	}
	if again.Get() != want {
		t.Fatalf("reloaded %+v, want %+v", again.Get(), want)
	}
	bad := "neon"
	if _, err := s.Update(ctx, Patch{Theme: &bad}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad theme: %v", err)
	}
	if s.Get() != want {
		t.Fatalf("a rejected update changed settings: %+v", s.Get())
	}
	empty := ""
	if _, err := s.Update(ctx, Patch{OllamaURL: &empty}); err != nil {
		t.Fatal(err)
	}
	if s.OllamaURL() != "http://127.0.0.1:11434" {
		t.Fatalf("empty URL should fall back to the default, got %q", s.OllamaURL())
	}
}

func TestTraySettings(t *testing.T) {
	ctx := context.Background()
	yes, no := true, false
	tests := []struct {
		name       string
		saved      string // what an earlier version saved; "" for a new install
		patch      Patch
		wantMin    bool
		wantNotify bool
	}{
		{"new install: notifications on, window shown", "", Patch{}, false, true},
		{"saved before these settings existed", `{"ollamaUrl":"","defaultModel":"tiny","theme":"dark"}`, Patch{}, false, true},
		{"start minimised", "", Patch{StartMinimized: &yes}, true, true},
		{"notifications off", "", Patch{Notifications: &no}, false, false},
		{"saved off stays off", `{"theme":"dark","notifications":false,"startMinimized":true}`, Patch{}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := mapStorage{}
			if tt.saved != "" {
				st[storageKey] = tt.saved
			}
			s, err := New(ctx, st, events.NewBus(4), "http://127.0.0.1:11434")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Update(ctx, tt.patch); err != nil {
				t.Fatal(err)
			}
			again, err := New(ctx, st, events.NewBus(4), "x")
			if err != nil {
				t.Fatal(err)
			}
			for _, got := range []Settings{s.Get(), again.Get()} {
				if got.StartMinimized != tt.wantMin || got.Notifications != tt.wantNotify {
					t.Fatalf("startMinimized=%v notifications=%v, want %v %v", got.StartMinimized, got.Notifications, tt.wantMin, tt.wantNotify)
				}
			}
		})
	}
}

// TestRemoteModelChanges: off for a new install and for settings saved before it existed; a patch
// turns it on and it persists.
func TestRemoteModelChanges(t *testing.T) {
	ctx := context.Background()
	old := mapStorage{"settings": `{"ollamaUrl":"","defaultModel":"tiny","theme":"dark"}`}
	s, err := New(ctx, old, events.NewBus(10), "http://127.0.0.1:11434")
	if err != nil {
		t.Fatal(err)
	}
	if s.Get().RemoteModelChanges {
		t.Fatal("remote model changes are on for settings saved before the setting existed")
	}
	on := true
	if got, err := s.Update(ctx, Patch{RemoteModelChanges: &on}); err != nil || !got.RemoteModelChanges {
		t.Fatalf("Update = %+v, %v", got, err)
	}
	again, err := New(ctx, old, events.NewBus(10), "")
	if err != nil || !again.Get().RemoteModelChanges || again.Get().Theme != "dark" {
		t.Fatalf("after a restart: %+v, %v", again.Get(), err)
	}
}
