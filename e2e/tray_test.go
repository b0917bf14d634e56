package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/tray"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/traytest"
)

// TestTrayTellsTheTruth runs the real desktop binary with a test tray host and a test
// notification server on the private session bus: the host reads the icon, tooltip and menu;
// Show, Hide and closing the window do what they say; stopping Ollama turns the icon red with a
// notification, starting it again (and clicking Reconnect) turns it green with another; Quit quits.
func TestTrayTellsTheTruth(t *testing.T) {
	appBinary(t)
	requireDisplay(t)
	xdotool := requireTool(t, "xdotool", "xdotool")
	host := newTrayHost(t)
	notes := newNotificationServer(t)
	ol := ollamatest.Start(t)
	fwd := newForwarder(t)
	fwd.start(hostPort(t, ol.URL))

	a := startApp(t, appOptions{ollamaURL: fwd.URL()})
	it := waitTrayItem(t, host, a)

	waitTray(t, it, 60*time.Second, "green icon, tooltip says ready at the forwarded address", "green", "ready", fwd.URL())
	menu := menuLabels(t, it)
	for _, want := range []string{tray.TitleHide, "Ollama: connected", "Account: signed out", "Remote access: off",
		tray.TitleSettings, tray.TitleReconnect, tray.TitleSignIn, tray.TitleQuit} {
		if !hasPrefix(menu, want) {
			t.Errorf("the menu %q has no visible %q", menu, want)
		}
	}
	if hasPrefix(menu, tray.TitleShow) {
		t.Errorf("the menu %q offers Show while the window is shown", menu)
	}

	win := waitWindow(t, xdotool, a, true)
	click(t, it, tray.TitleHide)
	waitWindow(t, xdotool, a, false)
	click(t, it, tray.TitleShow)
	win = waitWindow(t, xdotool, a, true)

	// Closing the window with a tray host hides it to the tray; the app keeps running.
	if err := closeWindow(win); err != nil {
		t.Fatal(err)
	}
	waitWindow(t, xdotool, a, false)
	if !hasPrefix(menuLabels(t, it), tray.TitleShow) {
		t.Errorf("after closing the window the menu %q does not offer Show", menuLabels(t, it))
	}
	click(t, it, tray.TitleShow)
	waitWindow(t, xdotool, a, true)

	// Ollama stops: the monitor notices by itself.
	if err := ol.Kill(); err != nil {
		t.Fatal(err)
	}
	fwd.stop()
	waitTray(t, it, 60*time.Second, "red icon, tooltip says Ollama is not reachable", "red", "not reachable", fwd.URL())
	if !hasPrefix(menuLabels(t, it), "Ollama: not reachable") {
		t.Errorf("the menu's status line did not follow: %q", menuLabels(t, it))
	}
	down := waitNotification(t, notes, 30*time.Second, "Ollama is not reachable")

	// Ollama starts again at the same address; Reconnect looks at once instead of after the backoff.
	ol2 := ollamatest.Start(t)
	fwd.start(hostPort(t, ol2.URL))
	click(t, it, tray.TitleReconnect)
	waitTray(t, it, 30*time.Second, "green icon again", "green", "ready", fwd.URL())
	// Notifications of a kind are at most one per 30 s: "back" may wait for the gap, but it comes,
	// and it replaces the "not reachable" one.
	back := waitNotification(t, notes, 60*time.Second, "Ollama is back")
	if back.Replaces != down.ID {
		t.Errorf("the back notification replaces %d, want the down one's %d", back.Replaces, down.ID)
	}

	click(t, it, tray.TitleQuit)
	if code := waitExit(t, a, 15*time.Second); code != 0 {
		t.Fatalf("exit code %d after Quit, want 0", code)
	}
}

// TestNoTrayHostClosingQuits runs the desktop binary with no tray host on the bus (as on plain
// GNOME) and asks it to start minimised: it must show its window anyway, and closing the window
// must quit, so the app never runs invisible.
func TestNoTrayHostClosingQuits(t *testing.T) {
	appBinary(t)
	requireDisplay(t)
	xdotool := requireTool(t, "xdotool", "xdotool")
	requireNoTrayHost(t)

	a := startApp(t, appOptions{args: []string{"--start-minimized"}})
	win := waitWindow(t, xdotool, a, true)
	poll(t, 30*time.Second, "the app says there is no tray host", func() (bool, string) {
		return strings.Contains(a.log(), "no tray host"), "not in the log yet"
	})
	if err := closeWindow(win); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, a, 15*time.Second); code != 0 {
		t.Fatalf("exit code %d after closing the window, want 0", code)
	}
}

// TestStartMinimizedToTray sets "start minimised" as a person would (settings.update, here
// through --serve on the same history) and starts the desktop with a tray host: the window stays
// hidden until Show is clicked in the tray.
func TestStartMinimizedToTray(t *testing.T) {
	appBinary(t)
	requireDisplay(t)
	xdotool := requireTool(t, "xdotool", "xdotool")
	dataDir := t.TempDir()
	s := startServe(t, appOptions{dataDir: dataDir})
	s.mustCall("settings.update", map[string]bool{"startMinimized": true}, nil)
	if code := s.terminate(10 * time.Second); code != 0 {
		t.Fatalf("--serve exited with %d", code)
	}

	host := newTrayHost(t)
	a := startApp(t, appOptions{dataDir: dataDir})
	it := waitTrayItem(t, host, a)
	poll(t, 30*time.Second, "the menu offers Show", func() (bool, string) {
		m := menuLabels(t, it)
		return hasPrefix(m, tray.TitleShow) && !hasPrefix(m, tray.TitleHide), fmt.Sprint(m)
	})
	// Wails v2.9.2 on Linux maps a StartHidden window for a moment while it starts; what counts
	// is that once the page is ready the window is hidden and stays so.
	poll(t, 60*time.Second, "the page is ready", func() (bool, string) {
		return strings.Contains(a.log(), `msg="window ready"`), "not in the log yet"
	})
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if ids := visibleWindows(xdotool); len(ids) != 0 {
			t.Fatalf("started minimised, yet windows %v are visible", ids)
		}
	}
	click(t, it, tray.TitleShow)
	waitWindow(t, xdotool, a, true)
	if code := a.terminate(10 * time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}
}

func newTrayHost(t *testing.T) *traytest.Host {
	t.Helper()
	requireDisplay(t) // and with it the private session bus
	h, err := traytest.NewHost()
	if err != nil {
		t.Fatalf("become the tray host on the private session bus: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func newNotificationServer(t *testing.T) *traytest.Notifications {
	t.Helper()
	n, err := traytest.NewNotifications()
	if err != nil {
		t.Fatalf("become the notification server on the private session bus: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// requireNoTrayHost fails when something on the bus is a tray host already.
func requireNoTrayHost(t *testing.T) {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var has bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has); err != nil {
		t.Fatal(err)
	}
	if has {
		t.Fatal("a tray host is on the session bus; this test needs none")
	}
}

func waitTrayItem(t *testing.T, host *traytest.Host, a *app) *traytest.Item {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	go func() {
		select {
		case <-a.exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	it, err := host.WaitItem(ctx, a.cmd.Process.Pid)
	if err != nil {
		t.Fatalf("the app's icon never reached the tray: %v", err)
	}
	return it
}

// waitTray waits until the icon has the colour hue and the tooltip holds every one of texts.
func waitTray(t *testing.T, it *traytest.Item, within time.Duration, what, hue string, texts ...string) {
	t.Helper()
	poll(t, within, what, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		got, err := iconHue(ctx, it)
		if err != nil {
			return false, err.Error()
		}
		tip, _, err := it.ToolTip(ctx)
		if err != nil {
			return false, err.Error()
		}
		for _, s := range texts {
			if !strings.Contains(tip, s) {
				return false, fmt.Sprintf("icon %s, tooltip %q lacks %q", got, tip, s)
			}
		}
		return got == hue, fmt.Sprintf("icon %s, tooltip %q", got, tip)
	})
}

// iconHue names the colour of the icon's disc (just below its top edge, away from the glyph).
func iconHue(ctx context.Context, it *traytest.Item) (string, error) {
	px, err := it.Icon(ctx)
	if err != nil {
		return "", err
	}
	if len(px) == 0 || px[0].W < 16 || len(px[0].ARGB) != int(px[0].W*px[0].H*4) {
		return "", errors.New("no icon")
	}
	p := px[0]
	x, y := int(p.W)/2, int(p.H)*10/64
	i := (y*int(p.W) + x) * 4
	a, r, g, b := int(p.ARGB[i]), int(p.ARGB[i+1]), int(p.ARGB[i+2]), int(p.ARGB[i+3])
	switch {
	case a < 200:
		return fmt.Sprintf("transparent(%d)", a), nil
	case r > g+60 && r > b+60:
		return "red", nil
	case g > r+60 && g > b+30:
		return "green", nil
	case b > r+60 && b > g+30:
		return "blue", nil
	}
	return fmt.Sprintf("rgb(%d,%d,%d)", r, g, b), nil
}

func menuLabels(t *testing.T, it *traytest.Item) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	items, err := it.Menu(ctx)
	if err != nil {
		t.Fatalf("read the tray menu: %v", err)
	}
	var out []string
	for _, mi := range items {
		if mi.Visible && !mi.Separator {
			out = append(out, mi.Label)
		}
	}
	return out
}

func hasPrefix(labels []string, prefix string) bool {
	for _, l := range labels {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func click(t *testing.T, it *traytest.Item, label string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := it.Click(ctx, label); err != nil {
		t.Fatalf("click %q in the tray menu: %v", label, err)
	}
}

func visibleWindows(xdotool string) []string {
	out, _ := exec.Command(xdotool, "search", "--onlyvisible", "--name", "^CloudToLocalLLM$").Output()
	return strings.Fields(string(out))
}

// waitWindow waits until the app's window is visible (returning its id) or not, and fails if the
// app exits meanwhile.
func waitWindow(t *testing.T, xdotool string, a *app, visible bool) string {
	t.Helper()
	var win string
	poll(t, 60*time.Second, fmt.Sprintf("the window is visible=%v", visible), func() (bool, string) {
		select {
		case <-a.exited:
			t.Fatalf("the app exited (%v) while its window should be visible=%v; log:\n%s", a.waitErr, visible, a.log())
		default:
		}
		ids := visibleWindows(xdotool)
		if len(ids) > 0 {
			win = ids[0]
		}
		return (len(ids) > 0) == visible, fmt.Sprintf("visible windows %v", ids)
	})
	return win
}

// waitExit waits for an exit the test asked for (Quit in the tray, closing the window).
func waitExit(t *testing.T, a *app, within time.Duration) int {
	t.Helper()
	a.terminated = true // asked for: not the app dying on its own
	select {
	case <-a.exited:
	case <-time.After(within):
		t.Fatalf("the app did not exit within %v; log:\n%s", within, a.log())
	}
	var ee *exec.ExitError
	if errors.As(a.waitErr, &ee) {
		return ee.ExitCode()
	}
	if a.waitErr != nil {
		t.Fatalf("wait: %v", a.waitErr)
	}
	return 0
}

func waitNotification(t *testing.T, n *traytest.Notifications, within time.Duration, summary string) traytest.Notification {
	t.Helper()
	deadline := time.After(within)
	for {
		changed := n.Changed()
		for _, got := range n.All() {
			if got.Summary == summary {
				if got.AppName != "CloudToLocalLLM" || got.Body == "" {
					t.Errorf("notification %+v: want app CloudToLocalLLM and a body", got)
				}
				return got
			}
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no notification %q within %v; got %+v", summary, within, n.All())
		}
	}
}

func hostPort(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Host
}
