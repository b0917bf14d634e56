package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// TestDesktopWindow starts the real desktop binary (WebKitGTK under Xvfb, on the private D-Bus
// session make test-e2e provides), checks the window is mapped and shows a rendered UI, types a
// message into it with real X key events, and waits until the reply is in the SQLite history:
// page → Wails binding → Go → Ollama → events → DB. Then SIGTERM must quit cleanly with code 0.
func TestDesktopWindow(t *testing.T) {
	appBinary(t) // first: without CLOUDTOLOCALLLM_BIN the test skips, whatever else is missing
	requireDisplay(t)
	xdotool := requireTool(t, "xdotool", "xdotool")
	importCmd := requireTool(t, "import", "imagemagick")
	ol := ollamatest.Start(t)
	dataDir := t.TempDir()
	preferModel(t, dataDir, ol.URL, ollamatest.TinyModel)

	a := startApp(t, appOptions{dataDir: dataDir, ollamaURL: ol.URL})
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		p := filepath.Join(artifactDir(t), "desktop-failure.png")
		if err := exec.Command(importCmd, "-window", "root", p).Run(); err == nil {
			t.Logf("screen at the failure: %s", p)
		}
	})

	// The window is mapped once xdotool can see it as visible.
	var win string
	poll(t, 60*time.Second, "the CloudToLocalLLM window is mapped", func() (bool, string) {
		select {
		case <-a.exited:
			t.Fatalf("the app exited (%v) before its window appeared; log:\n%s", a.waitErr, a.log())
		default:
		}
		out, err := exec.Command(xdotool, "search", "--onlyvisible", "--name", "^CloudToLocalLLM$").Output()
		ids := strings.Fields(string(out))
		if err != nil || len(ids) == 0 {
			return false, fmt.Sprintf("xdotool search: %v %q", err, out)
		}
		win = ids[0]
		return true, ""
	})

	// Mapped is not rendered: wait until the screen shows a UI (text, borders, controls), not
	// a blank rectangle of one background colour.
	shot := filepath.Join(artifactDir(t), "desktop.png")
	var colours int
	poll(t, 60*time.Second, "the window shows a rendered UI", func() (bool, string) {
		out, err := exec.Command(importCmd, "-window", "root", shot).CombinedOutput()
		if err != nil {
			return false, fmt.Sprintf("import: %v %s", err, out)
		}
		colours, err = distinctColours(shot)
		if err != nil {
			return false, err.Error()
		}
		return colours >= minColours, fmt.Sprintf("%d distinct colours in %s", colours, shot)
	})
	t.Logf("screenshot of the desktop window: %s (%d distinct colours)", shot, colours)

	// Give the window the keyboard, click into the composer and type as a person would.
	geo := windowGeometry(t, xdotool, win)
	xdo(t, xdotool, "windowfocus", win)
	cx, cy := composerPoint(geo)
	t.Logf("clicking the composer at (%d,%d) in the %dx%d window", cx, cy, geo.Dx(), geo.Dy())
	xdo(t, xdotool, "mousemove", "--window", win, strconv.Itoa(cx), strconv.Itoa(cy), "click", "1")
	const typed = "hello from the desktop"
	xdo(t, xdotool, "type", "--delay", "30", typed)
	xdo(t, xdotool, "key", "Return")

	// The round trip is complete when the history holds the typed message and a finished reply.
	poll(t, 90*time.Second, "the reply to the typed message is done in the history", func() (bool, string) {
		ms, err := dbMessages(a.dbPath())
		if err != nil {
			return false, err.Error()
		}
		var user, reply *Message
		for i := range ms {
			switch {
			case ms[i].Role == "user" && ms[i].Content == typed:
				user = &ms[i]
			case ms[i].Role == "assistant" && user != nil && ms[i].ConversationID == user.ConversationID:
				reply = &ms[i]
			}
		}
		if user == nil {
			return false, fmt.Sprintf("no user message %q in the history (did the click miss the composer?): %+v", typed, ms)
		}
		if reply == nil {
			return false, "the user message has no reply yet"
		}
		if reply.Status == "error" {
			t.Fatalf("the reply failed: %s", reply.Error)
		}
		return reply.Status == "done" && strings.TrimSpace(reply.Content) != "",
			fmt.Sprintf("reply status %s, %d bytes", reply.Status, len(reply.Content))
	})

	// The answered chat, for a person to look at.
	after := filepath.Join(artifactDir(t), "desktop-reply.png")
	if out, err := exec.Command(importCmd, "-window", "root", after).CombinedOutput(); err != nil {
		t.Errorf("import: %v %s", err, out)
	} else {
		t.Logf("screenshot after the reply: %s", after)
	}

	if code := a.terminate(10 * time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0; log:\n%s", code, a.log())
	}
}

// minColours tells a rendered UI from a blank window: a solid background is 1–2 colours, text
// alone brings dozens through anti-aliasing.
const minColours = 16

// distinctColours decodes a PNG and counts its distinct colours.
func distinctColours(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return 0, fmt.Errorf("decode %s: %w", path, err)
	}
	seen := map[[4]uint32]struct{}{}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, ca := img.At(x, y).RGBA()
			seen[[4]uint32{cr, cg, cb, ca}] = struct{}{}
		}
	}
	return len(seen), nil
}

// windowGeometry returns the window's size as xdotool reports it.
func windowGeometry(t *testing.T, xdotool, win string) image.Rectangle {
	t.Helper()
	out, err := exec.Command(xdotool, "getwindowgeometry", "--shell", win).Output()
	if err != nil {
		t.Fatalf("xdotool getwindowgeometry: %v", err)
	}
	v := map[string]int{}
	for _, line := range strings.Fields(string(out)) {
		k, val, ok := strings.Cut(line, "=")
		if n, err := strconv.Atoi(val); ok && err == nil {
			v[k] = n
		}
	}
	if v["WIDTH"] == 0 || v["HEIGHT"] == 0 {
		t.Fatalf("xdotool getwindowgeometry: no size in %q", out)
	}
	return image.Rect(v["X"], v["Y"], v["X"]+v["WIDTH"], v["Y"]+v["HEIGHT"])
}

// composerPoint is where the composer's text field is, relative to the window: it spans the
// bottom of the chat pane, right of the sidebar.
func composerPoint(geo image.Rectangle) (int, int) {
	return geo.Dx() * 3 / 5, geo.Dy() - 60
}

func xdo(t *testing.T, xdotool string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, xdotool, args...).CombinedOutput(); err != nil {
		t.Fatalf("xdotool %s: %v %s", strings.Join(args, " "), err, out)
	}
}

// preferModel makes model the default for new chats in dataDir's history, the way a person would
// in Settings — through the real binary (--serve, then SIGTERM), picking the name as Ollama lists
// it ("tiny:latest") — so the desktop test does not depend on which model is listed first.
func preferModel(t *testing.T, dataDir, ollamaURL, model string) {
	t.Helper()
	s := startServe(t, appOptions{dataDir: dataDir, ollamaURL: ollamaURL})
	var list struct {
		Models []struct {
			Name string `json:"name"`
		} `json:"models"`
	}
	s.mustCall("models.list", struct{}{}, &list)
	name := ""
	for _, m := range list.Models {
		if sameModel(m.Name, model) {
			name = m.Name
		}
	}
	if name == "" {
		t.Fatalf("models.list has no %s: %+v", model, list.Models)
	}
	s.mustCall("settings.update", map[string]string{"defaultModel": name}, nil)
	if code := s.terminate(10 * time.Second); code != 0 {
		t.Fatalf("--serve exited with code %d after SIGTERM; log:\n%s", code, s.log())
	}
}
