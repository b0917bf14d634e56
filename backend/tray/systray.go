package tray

import (
	"sync"

	"github.com/energye/systray"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
)

// Start puts the icon in the tray showing s and returns the function that takes it out again
// (call it once, when the app shuts down). On Linux the icon is a StatusNotifierItem on the
// session bus, so call Start only when WatchHost succeeded: energye/systray cannot run without a
// session bus. It runs without a tray host, though, and shows up when one appears (Host).
//
// The menu, icon and tooltip are set before the item is exported, so a tray host sees them
// complete from its first look.
func (t *Tray) Start(s status.Status, windowVisible bool) (stop func()) {
	start, end := systray.RunWithExternalLoop(nil, nil)
	systray.SetTitle("CloudToLocalLLM")
	// A left click on the icon shows or hides the window, as in most tray apps.
	systray.SetOnClick(func(systray.IMenu) {
		t.mu.Lock()
		visible := t.visible
		t.mu.Unlock()
		f := t.actions.ShowWindow
		if visible {
			f = t.actions.HideWindow
		}
		if f != nil {
			go f()
		}
	})
	t.build(systrayShell{}, s, windowVisible)
	start()
	return sync.OnceFunc(end)
}

// systrayShell is the real tray.
type systrayShell struct{}

func (systrayShell) SetIcon(b []byte)    { systray.SetIcon(b) }
func (systrayShell) SetTooltip(s string) { systray.SetTooltip(s) }
func (systrayShell) AddSeparator()       { systray.AddSeparator() }
func (systrayShell) AddItem(title string, onClick func()) item {
	it := systray.AddMenuItem(title, "")
	it.Click(onClick)
	return it
}
