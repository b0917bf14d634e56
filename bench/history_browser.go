//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium, which make deps installs.
const chromiumPath = "/usr/bin/chromium"

// historyInBrowser loads the web build from the running app in headless Chromium and times,
// inside the page (performance.now(), so neither CDP nor the bench's process is in the number):
// the page's load to the conversation list painted, and a click on the 10,000-message
// conversation to its messages painted. "Painted" is two animation frames after the element
// is in the DOM: the frame that lays it out and the one after it has been drawn.
func historyInBrowser(ctx context.Context, c config, base string, r *report) error {
	if _, err := os.Stat(chromiumPath); err != nil {
		return fmt.Errorf("the browser measurements need Chromium at %s (make deps installs it): %w", chromiumPath, err)
	}
	bigID, lastID, err := bigConversation(ctx, base)
	if err != nil {
		return err
	}
	userDir, err := os.MkdirTemp("", "c2l-bench-chromium-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(userDir)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true), chromedp.Flag("password-store", "basic"),
		chromedp.Flag("disable-background-timer-throttling", true), chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.WindowSize(1280, 800), chromedp.UserDataDir(userDir),
	)
	defer cancelAlloc()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(bctx); err != nil {
		return fmt.Errorf("start Chromium: %w", err)
	}
	run := func(within time.Duration, actions ...chromedp.Action[chromedp.Void]) error {
		c, done := context.WithTimeout(bctx, within)
		defer done()
		return chromedp.Do(c, actions...)
	}
	eval := func(js string) (float64, error) {
		c, done := context.WithTimeout(bctx, 60*time.Second)
		defer done()
		return chromedp.Run(c, chromedp.Evaluate[float64](js, chromedp.EvalAwaitPromise))
	}

	// Load → list painted, a few times (each a full reload of the page).
	var listed []float64
	const loads = 10
	for i := 0; i < loads; i++ {
		if err := run(30*time.Second, chromedp.Navigate(base)); err != nil {
			return fmt.Errorf("open %s: %w", base, err)
		}
		ms, err := eval(`new Promise((resolve, reject) => {
			const give = setTimeout(() => reject(new Error('no conversation list within 30 s')), 30000);
			const check = () => {
				if (document.querySelector('[data-testid="conversation-item"]')) {
					requestAnimationFrame(() => requestAnimationFrame(() => { clearTimeout(give); resolve(performance.now()); }));
				} else requestAnimationFrame(check);
			};
			check();
		})`)
		if err != nil {
			return err
		}
		listed = append(listed, ms)
	}

	// Click the long conversation → its last message painted; in between, another one is opened
	// so that every click loads it afresh.
	// open clicks a conversation in the list and resolves with the time until shown (a JavaScript
	// expression) holds, plus two frames.
	open := func(id, shown string) string {
		return fmt.Sprintf(`new Promise((resolve, reject) => {
			const item = document.querySelector('[data-testid="conversation-item"][data-conversation-id=%q] button.open');
			if (!item) { reject(new Error('conversation %s is not in the list')); return; }
			const give = setTimeout(() => reject(new Error('conversation %s did not open within 30 s')), 30000);
			const t0 = performance.now();
			item.click();
			const check = () => {
				if (%s) {
					requestAnimationFrame(() => requestAnimationFrame(() => { clearTimeout(give); resolve(performance.now() - t0); }));
				} else requestAnimationFrame(check);
			};
			check();
		})`, id, id, id, shown)
	}
	last := `document.querySelector('[data-testid="message"][data-message-id=` + jsQuote(lastID) + `]')`
	second, err := secondConversation(bctx)
	if err != nil {
		return err
	}
	var opened []float64
	var shown float64
	for i := 0; i < c.historyRuns+1; i++ {
		if _, err := eval(open(second, `!`+last+` && document.querySelector('[data-testid="message"]')`)); err != nil {
			return fmt.Errorf("open another conversation: %w", err)
		}
		ms, err := eval(open(bigID, last))
		if err != nil {
			return fmt.Errorf("open the long conversation: %w", err)
		}
		if i > 0 { // the first click warms the page's code paths
			opened = append(opened, ms)
		}
		if shown, err = eval(`document.querySelectorAll('[data-testid="message"]').length`); err != nil {
			return err
		}
	}
	l, o := summarize(listed), summarize(opened)
	r.add("Open the 10,000-message conversation → its messages painted (median, web build in Chromium)", "≤ 100 ms",
		fmt.Sprintf("%s (p95 %s; %d runs; %.0f messages on the page)", fmtMs(o.median), fmtMs(o.p95), len(opened), shown), ptr(o.median <= 100))
	r.detail("Opening the 10,000-message conversation in headless Chromium, click → last message painted (two animation frames after it is in the DOM), %d runs: %s ms. The page shows the last %.0f messages and loads earlier ones as the person scrolls up.",
		len(opened), joinMs(opened), shown)
	r.add("Web page load → conversation list painted, with the 1M-message history (median)", "—",
		fmt.Sprintf("%s (p95 %s, %d loads)", fmtMs(l.median), fmtMs(l.p95), loads), nil)
	return nil
}

// bigConversation finds the long conversation (pinned, so first in the list) and its last message.
func bigConversation(ctx context.Context, base string) (id, lastMessage string, err error) {
	client := &http.Client{Timeout: 30 * time.Second}
	var page struct {
		Conversations []struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"conversations"`
	}
	if err := call(ctx, client, base, "conversations.list", map[string]int{"limit": 1}, &page); err != nil {
		return "", "", err
	}
	if len(page.Conversations) == 0 || page.Conversations[0].Title != bigTitle {
		return "", "", fmt.Errorf("the first conversation is %+v, want %q", page.Conversations, bigTitle)
	}
	id = page.Conversations[0].ID
	var conv struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if err := call(ctx, client, base, "conversations.get", map[string]any{"id": id, "limit": 1}, &conv); err != nil {
		return "", "", err
	}
	if len(conv.Messages) != 1 {
		return "", "", fmt.Errorf("the long conversation's last message: got %d messages", len(conv.Messages))
	}
	return id, conv.Messages[0].ID, nil
}

// secondConversation is the second in the list: one to open between two openings of the first.
func secondConversation(ctx context.Context) (string, error) {
	c, done := context.WithTimeout(ctx, 10*time.Second)
	defer done()
	id, err := chromedp.Run(c, chromedp.Evaluate[string](`(document.querySelectorAll('[data-testid="conversation-item"]')[1] || {dataset: {}}).dataset.conversationId || ''`))
	if err == nil && id == "" {
		err = fmt.Errorf("the list shows fewer than two conversations")
	}
	return id, err
}

func jsQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
