//go:build linux

package tray

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/traytest"
)

// TestRealTrayOnPrivateBus runs the real energye/systray on a private session bus with a test
// tray host: the host sees the icon, tooltip and menu, sees them change in place, and its clicks
// run the actions. energye/systray is one per process, so this is the package's only such test.
func TestRealTrayOnPrivateBus(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+t.TempDir()+"/nobus")
	if _, err := WatchHost(ctx, log); err == nil {
		t.Fatal("WatchHost succeeded without a session bus")
	}

	traytest.PrivateBus(t)
	host, err := WatchHost(ctx, log)
	if err != nil {
		t.Fatal(err)
	}
	if host.Present(ctx) {
		t.Fatal("a tray host is present on an empty bus")
	}
	th, err := traytest.NewHost()
	if err != nil {
		t.Fatal(err)
	}
	if !host.Present(ctx) {
		t.Fatal("the test tray host is not seen")
	}

	clicked := make(chan string, 16)
	rec := func(name string) func() { return func() { clicked <- name } }
	tr := New(log, Actions{ShowWindow: rec("show"), HideWindow: rec("hide"), OpenStatus: rec("status"),
		OpenSettings: rec("settings"), Reconnect: rec("reconnect"), Quit: rec("quit")})
	stop := tr.Start(ready(), true)

	it, err := th.WaitItem(ctx, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// The icon and tooltip are there from the first look: they were set before the item was exported.
	wantIcon(ctx, t, it, colReady)
	tip, _, err := it.ToolTip(ctx)
	if err != nil || !strings.Contains(tip, "ready") || !strings.Contains(tip, "Ollama 0.6.5") {
		t.Fatalf("tooltip %q, %v", tip, err)
	}
	menu, err := it.Menu(ctx)
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]traytest.MenuItem{}
	for _, mi := range menu {
		labels[mi.Label] = mi
	}
	for label, visible := range map[string]bool{TitleShow: false, TitleHide: true, "Ollama: connected (0.6.5)": true,
		"Account: signed out": true, "Remote access: off": true, TitleSettings: true, TitleReconnect: true, TitleSignIn: true, TitleQuit: true} {
		mi, ok := labels[label]
		if !ok || mi.Visible != visible {
			t.Errorf("menu item %q: %+v (present %v), want visible=%v", label, mi, ok, visible)
		}
	}
	if labels[TitleSignIn].Enabled {
		t.Error("Sign in is enabled though no sign-in action was given")
	}
	ids := map[int32]string{}
	for _, mi := range menu {
		ids[mi.ID] = mi.Label
	}

	// A change: Ollama goes down. Icon, tooltip and status line follow; the items stay the same.
	down := ready()
	down.Overall, down.Ollama.State, down.Ollama.Version, down.Ollama.Hint = status.OverallDown, status.Unreachable, "", "start it"
	tr.Show(down)
	wantIcon(ctx, t, it, colDown)
	waitFor(ctx, t, "tooltip says down", func() (bool, string) {
		tip, _, err := it.ToolTip(ctx)
		return err == nil && strings.Contains(tip, "not reachable"), tip
	})
	after, err := it.Menu(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(menu) {
		t.Fatalf("the menu has %d entries after a change, had %d", len(after), len(menu))
	}
	for _, mi := range after {
		if want := ids[mi.ID]; mi.Label != want && !strings.HasPrefix(mi.Label, "Ollama:") {
			t.Errorf("item %d is now %q, was %q: the menu was rebuilt", mi.ID, mi.Label, want)
		}
		if strings.HasPrefix(mi.Label, "Ollama:") && mi.Label != "Ollama: not reachable" {
			t.Errorf("status line %q, want Ollama: not reachable", mi.Label)
		}
	}

	// Clicks.
	for _, c := range []struct{ label, want string }{
		{TitleHide, "hide"}, {"Ollama:", "status"}, {TitleSettings, "settings"}, {TitleReconnect, "reconnect"}, {TitleQuit, "quit"},
	} {
		if err := it.Click(ctx, c.label); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-clicked:
			if got != c.want {
				t.Errorf("clicking %q ran %s, want %s", c.label, got, c.want)
			}
		case <-ctx.Done():
			t.Fatalf("clicking %q ran nothing", c.label)
		}
	}
	tr.SetWindowVisible(false)
	waitFor(ctx, t, "Show replaces Hide in the menu", func() (bool, string) {
		ms, _ := it.Menu(ctx)
		var show, hide bool
		for _, mi := range ms {
			show = show || (mi.Label == TitleShow && mi.Visible)
			hide = hide || (mi.Label == TitleHide && mi.Visible)
		}
		return show && !hide, ""
	})
	if err := it.Activate(ctx); err != nil {
		t.Fatal(err)
	}
	if got := <-clicked; got != "show" {
		t.Errorf("a left click on the hidden window's icon ran %s, want show", got)
	}

	// A tray host that starts after the app still gets the icon.
	th.Close()
	waitFor(ctx, t, "the host is gone", func() (bool, string) { return !host.Present(ctx), "" })
	th2, err := traytest.NewHost()
	if err != nil {
		t.Fatal(err)
	}
	defer th2.Close()
	it2, err := th2.WaitItem(ctx, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	wantIcon(ctx, t, it2, colDown)
	stop()
}

func waitFor(ctx context.Context, t *testing.T, what string, f func() (bool, string)) {
	t.Helper()
	last := ""
	for ctx.Err() == nil {
		var ok bool
		if ok, last = f(); ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s: not seen; last %q", what, last)
}

// wantIcon waits until the item's icon has colour c at the top of its disc.
func wantIcon(ctx context.Context, t *testing.T, it *traytest.Item, c uint32) {
	t.Helper()
	waitFor(ctx, t, "icon colour", func() (bool, string) {
		px, err := it.Icon(ctx)
		if err != nil || len(px) == 0 || px[0].W != iconSize || px[0].H != iconSize {
			return false, "no icon yet"
		}
		i := (10*iconSize + 32) * 4 // ARGB at (32, 10)
		a := px[0].ARGB[i : i+4]
		want := rgb(c)
		return a[0] == 0xff && a[1] == want.R && a[2] == want.G && a[3] == want.B, ""
	})
}
