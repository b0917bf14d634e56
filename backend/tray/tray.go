// Package tray puts the app in the system tray: an icon drawn at run time for the connection
// state (backend/status), a tooltip with the details, and a menu to show or hide the window, open
// the connection-status screen or settings, reconnect, sign in or out, and quit. It adapts
// github.com/energye/systray and knows nothing of the window toolkit: what the menu does is
// given as Actions by the app. The menu is built once and changed in place, never rebuilt.
package tray

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
)

// Actions are what the menu items do. Each runs on its own goroutine, so it may block. A nil
// SignIn or SignOut greys that item out (signing in is not available); the others are required.
type Actions struct {
	ShowWindow   func()
	HideWindow   func()
	OpenStatus   func() // show the window on the connection-status screen
	OpenSettings func() // show the window on the settings screen
	Reconnect    func() // check the connections now
	SignIn       func()
	SignOut      func()
	Quit         func()
}

// Menu item titles. The e2e tray host finds items by these labels.
const (
	TitleShow      = "Show window"
	TitleHide      = "Hide window"
	TitleSettings  = "Settings…"
	TitleReconnect = "Reconnect"
	TitleSignIn    = "Sign in…"
	TitleSignOut   = "Sign out"
	TitleQuit      = "Quit CloudToLocalLLM"
)

// item is a menu item as the tray needs it; the systray adapter and the tests implement it.
type item interface {
	SetTitle(string)
	Show()
	Hide()
	Enable()
	Disable()
}

// shell is the tray itself: energye/systray in the app, a recorder in the tests.
type shell interface {
	SetIcon([]byte)
	SetTooltip(string)
	AddItem(title string, onClick func()) item
	AddSeparator()
}

// Tray shows a Status in the system tray.
type Tray struct {
	log     *slog.Logger
	actions Actions

	mu                                                                  sync.Mutex // systray's items are not safe for concurrent changes
	sh                                                                  shell
	last                                                                *view
	visible                                                             bool
	icons                                                               map[iconKey][]byte // drawn on first use; a handful over the app's life
	show, hide, ollama, account, relay, settings, reconnect, sign, quit item
}

// New returns a tray that will run actions; it shows nothing until Start.
func New(log *slog.Logger, actions Actions) *Tray {
	return &Tray{log: log, actions: actions, icons: map[iconKey][]byte{}}
}

// build creates the menu once on sh and shows s. Items for every state exist from the start and
// change in place, so the tray host never sees the menu rebuilt.
func (t *Tray) build(sh shell, s status.Status, windowVisible bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sh, t.visible = sh, windowVisible
	run := func(f func()) func() {
		return func() {
			if f != nil {
				go f()
			}
		}
	}
	t.show = sh.AddItem(TitleShow, run(t.actions.ShowWindow))
	t.hide = sh.AddItem(TitleHide, run(t.actions.HideWindow))
	sh.AddSeparator()
	// The status lines: a click on any of them opens the connection-status screen.
	t.ollama = sh.AddItem("Ollama", run(t.actions.OpenStatus))
	t.account = sh.AddItem("Account", run(t.actions.OpenStatus))
	t.relay = sh.AddItem("Remote access", run(t.actions.OpenStatus))
	sh.AddSeparator()
	t.settings = sh.AddItem(TitleSettings, run(t.actions.OpenSettings))
	t.reconnect = sh.AddItem(TitleReconnect, run(t.actions.Reconnect))
	t.sign = sh.AddItem(TitleSignIn, func() {
		t.mu.Lock()
		in := t.last != nil && t.last.signedIn
		t.mu.Unlock()
		if in {
			run(t.actions.SignOut)()
		} else {
			run(t.actions.SignIn)()
		}
	})
	sh.AddSeparator()
	t.quit = sh.AddItem(TitleQuit, run(t.actions.Quit))
	t.applyWindow()
	t.applyLocked(viewOf(s))
}

// Show makes the tray show s. Only what differs from what it shows already is sent.
func (t *Tray) Show(s status.Status) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sh == nil {
		return
	}
	t.applyLocked(viewOf(s))
}

// SetWindowVisible tells the tray whether the window is on screen, so the menu offers the other.
func (t *Tray) SetWindowVisible(v bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sh == nil || t.visible == v {
		t.visible = v
		return
	}
	t.visible = v
	t.applyWindow()
}

// Follow shows every status from changes until ctx ends or changes is closed.
func (t *Tray) Follow(ctx context.Context, changes <-chan status.Status) {
	for {
		select {
		case <-ctx.Done():
			return
		case s, ok := <-changes:
			if !ok {
				return
			}
			t.Show(s)
		}
	}
}

func (t *Tray) applyWindow() {
	if t.visible {
		t.show.Hide()
		t.hide.Show()
	} else {
		t.hide.Hide()
		t.show.Show()
	}
}

func (t *Tray) applyLocked(v view) {
	prev := view{}
	first := t.last == nil
	if !first {
		prev = *t.last
	}
	if first || v.icon != prev.icon {
		if b, err := t.iconLocked(v.icon); err != nil {
			t.log.Error("tray icon", "error", err)
		} else {
			t.sh.SetIcon(b)
		}
	}
	if first || v.tooltip != prev.tooltip {
		t.sh.SetTooltip(v.tooltip)
	}
	set := func(it item, now, was string) {
		if first || now != was {
			it.SetTitle(now)
		}
	}
	set(t.ollama, v.ollamaLine, prev.ollamaLine)
	set(t.account, v.accountLine, prev.accountLine)
	set(t.relay, v.relayLine, prev.relayLine)
	if first || v.signedIn != prev.signedIn {
		title, action := TitleSignIn, t.actions.SignIn
		if v.signedIn {
			title, action = TitleSignOut, t.actions.SignOut
		}
		t.sign.SetTitle(title)
		if action == nil {
			t.sign.Disable()
		} else {
			t.sign.Enable()
		}
	}
	t.last = &v
}

func (t *Tray) iconLocked(k iconKey) ([]byte, error) {
	if b, ok := t.icons[k]; ok {
		return b, nil
	}
	b, err := iconBytes(drawIcon(k))
	if err != nil {
		return nil, fmt.Errorf("draw the %+v icon: %w", k, err)
	}
	t.icons[k] = b
	return b, nil
}
