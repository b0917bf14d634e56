package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// TestTrayShowsGenerating types a message into the real window, as a person would, with a model
// whose reply lasts seconds: while it streams the tray icon is blue and the tooltip names the
// model and its speed in tokens/s; when it is done the icon is green again.
func TestTrayShowsGenerating(t *testing.T) {
	appBinary(t)
	requireDisplay(t)
	xdotool := requireTool(t, "xdotool", "xdotool")
	host := newTrayHost(t)
	ol := ollamatest.Start(t)
	dataDir := t.TempDir()
	preferModel(t, dataDir, ol.URL, ollamatest.TinyLongModel)

	a := startApp(t, appOptions{dataDir: dataDir, ollamaURL: ol.URL})
	it := waitTrayItem(t, host, a)
	waitTray(t, it, 60*time.Second, "green icon", "green", "ready")
	win := waitWindow(t, xdotool, a, true)
	poll(t, 60*time.Second, "the page is ready", func() (bool, string) {
		return strings.Contains(a.log(), `msg="window ready"`), "not in the log yet"
	})

	geo := windowGeometry(t, xdotool, win)
	xdo(t, xdotool, "windowfocus", win)
	cx, cy := composerPoint(geo)
	xdo(t, xdotool, "mousemove", "--window", win, strconv.Itoa(cx), strconv.Itoa(cy), "click", "1")
	xdo(t, xdotool, "type", "--delay", "30", "tell me a long story")
	xdo(t, xdotool, "key", "Return")

	waitTray(t, it, 60*time.Second, "blue icon, the tooltip names the model and its speed", "blue",
		"writing a reply", "Model: "+ollamatest.TinyLongModel, "tokens/s")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tip, _, err := it.ToolTip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("tooltip while generating: %q", tip)
	if !hasPrefix(menuLabels(t, it), "Ollama: generating") {
		t.Errorf("the menu's status line does not say generating: %q", menuLabels(t, it))
	}
	waitTray(t, it, 90*time.Second, "green again once the reply is done", "green", "ready")
}
