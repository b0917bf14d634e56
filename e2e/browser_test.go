package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browser is one headless Chromium with a fresh profile and one tab.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu      sync.Mutex
	console []string // console messages and uncaught exceptions, shown when the test fails
}

// newBrowser starts headless Chromium (the Debian package, with the flags that work as root
// here) and closes it when the test ends.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	requireChromium(t)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		// On the D-Bus session of make test-e2e Chromium would otherwise ask the Secret Service
		// for its password store; gnome-keyring then waits on an unlock prompt nobody answers and
		// the first navigation hangs.
		chromedp.Flag("password-store", "basic"),
		// A background tab must not be throttled: the tests watch a reply stream in real time.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.WindowSize(1280, 800),
		chromedp.UserDataDir(t.TempDir()),
	)
	b := &browser{t: t}
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(b.listen))
	b.ctx = ctx
	// The first Run starts the browser; its context must not carry a timeout (it would end
	// the browser with it).
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			b.saveScreenshot("failure")
			b.mu.Lock()
			if len(b.console) > 0 {
				t.Logf("browser console:\n  %s", strings.Join(b.console, "\n  "))
			}
			b.mu.Unlock()
		}
		cancel()
		cancelAlloc()
	})
	return b
}

// listen keeps what the page logs; it runs in chromedp's read loop, so it only appends.
func (b *browser) listen(ev any) {
	var line string
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		parts := make([]string, 0, len(e.Args))
		for _, a := range e.Args {
			if len(a.Value) > 0 {
				parts = append(parts, string(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		line = fmt.Sprintf("console.%s: %s", e.Type, strings.Join(parts, " "))
	case *runtime.EventExceptionThrown:
		line = "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			line += " " + e.ExceptionDetails.Exception.Description
		}
	default:
		return
	}
	b.mu.Lock()
	b.console = append(b.console, line)
	b.mu.Unlock()
}

// do runs actions with a deadline, failing the test on error.
func (b *browser) do(within time.Duration, what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, within)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open loads url and waits until the app has mounted.
func (b *browser) open(url string) {
	b.t.Helper()
	b.do(30*time.Second, "open "+url, chromedp.Navigate(url))
	b.waitFor(30*time.Second, "the app shows its composer", `!!document.querySelector(`+jsString(selComposer)+`)`)
}

// reload reloads the page and waits until the app has mounted again.
func (b *browser) reload() {
	b.t.Helper()
	b.do(30*time.Second, "reload", chromedp.Reload())
	b.waitFor(30*time.Second, "the app shows its composer after reload", `!!document.querySelector(`+jsString(selComposer)+`)`)
}

// evalJS evaluates a JavaScript expression in the page and decodes its value.
func evalJS[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", trunc(js, 200), err)
	}
	return v
}

// waitFor polls a JavaScript predicate in the page until it is truthy or within passes.
func (b *browser) waitFor(within time.Duration, what, js string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, within+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js,
		chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(within)))
	if err != nil {
		b.t.Fatalf("%s: not within %v (%v); page text: %s", what, within, err, trunc(b.text(), 1500))
	}
}

// text is what the page shows, for failure messages.
func (b *browser) text() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return "(unavailable: " + err.Error() + ")"
	}
	return s
}

// click clicks the first element matching a CSS selector once it is visible.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.do(15*time.Second, "click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// typeInto types text into the element with real key events, as a person would.
func (b *browser) typeInto(sel, text string) {
	b.t.Helper()
	b.do(15*time.Second, "type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

// saveScreenshot writes what the tab shows to a PNG in the test's artifacts and logs the path.
func (b *browser) saveScreenshot(name string) {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(artifactDir(b.t), name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	b.t.Logf("screenshot: %s", p)
}

// artifactDir is where a test leaves files worth looking at. It outlives the test (t.TempDir
// would be removed) so that a failure can be inspected: under $E2E_ARTIFACTS if set, else /tmp.
// A test's directory is emptied the first time the run uses it, so nothing stale from an earlier
// run is mistaken for this one's.
func artifactDir(t *testing.T) string {
	root := os.Getenv("E2E_ARTIFACTS")
	if root == "" {
		root = filepath.Join(os.TempDir(), "cloudtolocalllm-e2e")
	}
	d := filepath.Join(root, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	if _, seen := artifactDirs.LoadOrStore(d, true); !seen {
		if err := os.RemoveAll(d); err != nil {
			t.Fatalf("artifacts: %v", err)
		}
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatalf("artifacts: %v", err)
	}
	return d
}

var artifactDirs sync.Map // directories this run has emptied

// jsString quotes s as a JavaScript string literal (JSON is a subset of JavaScript).
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
