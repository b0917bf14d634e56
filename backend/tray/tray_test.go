package tray

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
)

// fakeShell records what the tray does to the system tray.
type fakeShell struct {
	mu       sync.Mutex
	icons    int
	icon     []byte
	tooltips []string
	items    []*fakeItem
	seps     int
}

type fakeItem struct {
	sh       *fakeShell
	title    string
	click    func()
	visible  bool
	enabled  bool
	setCalls int
}

func (s *fakeShell) SetIcon(b []byte) { s.mu.Lock(); s.icons++; s.icon = b; s.mu.Unlock() }
func (s *fakeShell) SetTooltip(t string) {
	s.mu.Lock()
	s.tooltips = append(s.tooltips, t)
	s.mu.Unlock()
}
func (s *fakeShell) AddSeparator() { s.seps++ }
func (s *fakeShell) AddItem(title string, onClick func()) item {
	it := &fakeItem{sh: s, title: title, click: onClick, visible: true, enabled: true}
	s.items = append(s.items, it)
	return it
}
func (i *fakeItem) SetTitle(t string) { i.sh.mu.Lock(); i.title = t; i.setCalls++; i.sh.mu.Unlock() }
func (i *fakeItem) Show()             { i.visible = true }
func (i *fakeItem) Hide()             { i.visible = false }
func (i *fakeItem) Enable()           { i.enabled = true }
func (i *fakeItem) Disable()          { i.enabled = false }

func (s *fakeShell) item(t *testing.T, title string) *fakeItem {
	t.Helper()
	for _, it := range s.items {
		if it.title == title {
			return it
		}
	}
	var titles []string
	for _, it := range s.items {
		titles = append(titles, it.title)
	}
	t.Fatalf("no menu item %q in %q", title, titles)
	return nil
}

func ready() status.Status {
	return status.Status{Overall: status.OverallReady,
		Ollama:  status.Ollama{State: status.Reachable, URL: "http://127.0.0.1:11434", Version: "0.6.5"},
		Account: status.Account{State: status.SignedOut}, Relay: status.Relay{State: status.RelayOff}}
}

func TestMenuChangesInPlace(t *testing.T) {
	sh := &fakeShell{}
	tr := New(slog.New(slog.NewTextHandler(io.Discard, nil)), Actions{})
	tr.build(sh, ready(), true)
	n := len(sh.items)
	if n != 9 || sh.seps != 3 {
		t.Fatalf("%d items and %d separators, want 9 and 3", n, sh.seps)
	}
	if sh.icons != 1 || len(sh.tooltips) != 1 {
		t.Fatalf("after build: %d icons, %d tooltips set, want 1 each", sh.icons, len(sh.tooltips))
	}
	readyIcon := sh.icon
	ollama := sh.item(t, "Ollama: connected (0.6.5)")
	relay := sh.item(t, "Remote access: off")
	relaySets := relay.setCalls

	// The same status again changes nothing.
	tr.Show(ready())
	if sh.icons != 1 || len(sh.tooltips) != 1 || relay.setCalls != relaySets {
		t.Fatalf("a repeated status was sent again: %d icons, %d tooltips, %d relay titles", sh.icons, len(sh.tooltips), relay.setCalls)
	}

	// Down: a new icon, tooltip and Ollama line; the relay line stays as it is.
	down := ready()
	down.Overall, down.Ollama.State, down.Ollama.Version = status.OverallDown, status.Unreachable, ""
	tr.Show(down)
	if sh.icons != 2 || len(sh.tooltips) != 2 || ollama.title != "Ollama: not reachable" || relay.setCalls != relaySets {
		t.Fatalf("after down: %d icons, %d tooltips, ollama %q, relay set %d times", sh.icons, len(sh.tooltips), ollama.title, relay.setCalls)
	}
	if len(sh.items) != n {
		t.Fatalf("the menu was rebuilt: %d items, was %d", len(sh.items), n)
	}

	// Back up: the icon drawn before is reused, not drawn again.
	tr.Show(ready())
	tr.Show(down)
	tr.Show(ready())
	if string(sh.icon) != string(readyIcon) || len(tr.icons) != 2 {
		t.Fatalf("icons drawn: %d, want 2 (ready, down)", len(tr.icons))
	}
}

func TestWindowAndAccountItems(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	done := make(chan string, 16)
	rec := func(name string) func() {
		return func() { mu.Lock(); calls[name]++; mu.Unlock(); done <- name }
	}
	tests := []struct {
		name            string
		actions         Actions
		account         string
		wantTitle       string
		wantEnabled     bool
		wantClickAction string
	}{
		{"signed out, sign-in available", Actions{SignIn: rec("signIn"), SignOut: rec("signOut")}, status.SignedOut, TitleSignIn, true, "signIn"},
		{"signed in", Actions{SignIn: rec("signIn"), SignOut: rec("signOut")}, status.SignedIn, TitleSignOut, true, "signOut"},
		{"expiring is still signed in", Actions{SignIn: rec("signIn"), SignOut: rec("signOut")}, status.Expiring, TitleSignOut, true, "signOut"},
		{"after an error, sign in again", Actions{SignIn: rec("signIn"), SignOut: rec("signOut")}, status.AccountError, TitleSignIn, true, "signIn"},
		{"sign-in not available", Actions{}, status.SignedOut, TitleSignIn, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh := &fakeShell{}
			tr := New(slog.New(slog.NewTextHandler(io.Discard, nil)), tt.actions)
			s := ready()
			s.Account.State = tt.account
			tr.build(sh, s, false)
			it := sh.item(t, tt.wantTitle)
			if it.enabled != tt.wantEnabled {
				t.Fatalf("%q enabled=%v, want %v", it.title, it.enabled, tt.wantEnabled)
			}
			it.click()
			if tt.wantClickAction == "" {
				return
			}
			select {
			case got := <-done:
				if got != tt.wantClickAction {
					t.Fatalf("clicking %q ran %s, want %s", it.title, got, tt.wantClickAction)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("clicking %q ran nothing", it.title)
			}
		})
	}

	// Show and Hide: only the one that makes sense is in the menu.
	sh := &fakeShell{}
	tr := New(slog.New(slog.NewTextHandler(io.Discard, nil)), Actions{ShowWindow: rec("show"), HideWindow: rec("hide"),
		OpenStatus: rec("status"), OpenSettings: rec("settings"), Reconnect: rec("reconnect"), Quit: rec("quit")})
	tr.build(sh, ready(), false)
	show, hide := sh.item(t, TitleShow), sh.item(t, TitleHide)
	if !show.visible || hide.visible {
		t.Fatalf("window hidden: show visible=%v, hide visible=%v", show.visible, hide.visible)
	}
	tr.SetWindowVisible(true)
	if show.visible || !hide.visible {
		t.Fatalf("window shown: show visible=%v, hide visible=%v", show.visible, hide.visible)
	}
	for title, want := range map[string]string{TitleShow: "show", TitleHide: "hide", "Account: signed out": "status",
		"Remote access: off": "status", TitleSettings: "settings", TitleReconnect: "reconnect", TitleQuit: "quit"} {
		sh.item(t, title).click()
		select {
		case got := <-done:
			if got != want {
				t.Errorf("clicking %q ran %s, want %s", title, got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("clicking %q ran nothing", title)
		}
	}
}

func TestFollowShowsChanges(t *testing.T) {
	sh := &fakeShell{}
	tr := New(slog.New(slog.NewTextHandler(io.Discard, nil)), Actions{})
	tr.build(sh, ready(), true)
	ch := make(chan status.Status, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { tr.Follow(ctx, ch); close(done) }()
	s := ready()
	s.RemoteSessions, s.Relay.State = 3, status.RelayConnected
	ch <- s
	deadline := time.Now().Add(5 * time.Second)
	for {
		sh.mu.Lock()
		last := sh.tooltips[len(sh.tooltips)-1]
		sh.mu.Unlock()
		if last == viewOf(s).tooltip {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tooltip is still %q", last)
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
}
