//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// streamSample is one streamed reply as the client saw it.
type streamSample struct {
	ttft   time.Duration // request sent → first token decoded
	resp   time.Duration // through the app: request sent → chat.send's response read
	rate   float64       // tokens/s from the first token to the last
	tokens int
}

// benchStream compares a reply streamed straight from the origin with the same reply streamed
// through the app (POST chat.send, tokens as message.delta Server-Sent Events), twice: from a
// FastOrigin, which streams as fast as a server can, so that what differs between the two paths
// is the app alone; then, unless -pace is 0, from an origin with a fast model's rhythm.
func benchStream(c config, r *report) error {
	fast := ollamatest.NewFastOrigin(c.tokens)
	defer fast.Close()
	if err := compareStreams(c, r, "FastOrigin", fast.URL, c.runs); err != nil {
		return err
	}
	if c.pace <= 0 {
		return nil
	}
	paced := newPacedOrigin(c.tokens, c.pace)
	defer paced.Close()
	return compareStreams(c, r, fmt.Sprintf("paced origin, %.0f tokens/s", time.Second.Seconds()/c.pace.Seconds()), paced.URL, c.pacedRuns)
}

// compareStreams measures runs replies on each path against one origin, with an app of its own.
// Runs alternate between the paths, so that load from other processes on the machine falls on
// both alike.
func compareStreams(c config, r *report, label, originURL string, runs int) error {
	logf("streaming from a %s: %d replies of %d tokens per path", label, runs, c.tokens)
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	app, err := startApp(c.bin, []string{"--serve", addr}, originURL, c.env)
	if err != nil {
		return err
	}
	defer app.stop()
	base := "http://" + addr
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}
	if err := waitHealthy(app, client, base, 30*time.Second); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := openEvents(ctx, client, base)
	<-events.ready
	if events.err != nil {
		return events.err
	}

	var direct, through []streamSample
	cpuBefore := cpuTime(app.pid())
	for i := 0; i < c.warmup+runs; i++ {
		// Alternate which path goes first, so neither always follows the other's garbage.
		for _, viaApp := range []bool{i%2 == 0, i%2 != 0} {
			var s streamSample
			var err error
			if viaApp {
				s, err = streamThroughApp(ctx, client, base, events, c.tokens)
			} else {
				s, err = streamDirect(ctx, client, originURL, c.tokens)
			}
			if err != nil {
				return fmt.Errorf("run %d (through app: %v): %w", i+1, viaApp, err)
			}
			if i < c.warmup {
				continue
			}
			if viaApp {
				through = append(through, s)
			} else {
				direct = append(direct, s)
			}
		}
	}
	cpu := cpuTime(app.pid()) - cpuBefore
	if err := app.running(); err != nil {
		return err
	}
	if events.reconnects > 0 {
		logf("the event stream was ended and resumed %d times (the client fell behind)", events.reconnects)
	}
	transport, write, err := probeCalls(ctx, client, base, runs)
	if err != nil {
		return err
	}
	var resp []float64
	before := 0
	for _, s := range through {
		resp = append(resp, ms(s.resp))
		if s.ttft < s.resp {
			before++
		}
	}

	dT, aT := summarize(ttfts(direct)), summarize(ttfts(through))
	dR, aR := summarize(rates(direct)), summarize(rates(through))
	added := aT.median - dT.median
	addedP95 := aT.p95 - dT.p95
	ratio := aR.median / dR.median
	logf("%s: TTFT direct %s, through app %s; tokens/s direct %.0f, through app %.0f", label, fmtMs(dT.median), fmtMs(aT.median), dR.median, aR.median)
	r.add(fmt.Sprintf("Streaming (%s): time to first token added by the app, median; p95", label), "≤ 1 ms",
		fmt.Sprintf("+%s; p95 +%s (direct %s, through app %s)", fmtMs(added), fmtMs(addedP95), fmtMs(dT.median), fmtMs(aT.median)),
		ptr(added <= 1))
	r.add(fmt.Sprintf("Streaming (%s): tokens/s through the app vs direct, median", label), "≥ 95 %",
		fmt.Sprintf("%.1f %% (%.0f vs %.0f tokens/s)", 100*ratio, aR.median, dR.median), ptr(ratio >= 0.95))
	r.detail("Streaming from a %s, %d replies of %d tokens per path after %d warm-up replies, the origin "+
		"in the bench process, the app as `cloudtolocalllm --serve` (HTTP + SSE):\n\n"+
		"| path | TTFT median | TTFT p95 | tokens/s median | tokens/s p5 (slow tail) |\n|---|---|---|---|---|\n"+
		"| direct (POST /api/chat to the origin) | %s | %s | %.0f | %.0f |\n"+
		"| through the app (chat.send → message.delta) | %s | %s | %.0f | %.0f |\n\n"+
		"The app used %s of CPU for the %d replies it relayed (%.1f µs per token; utime+stime, 10 ms ticks). %s",
		label, runs, c.tokens, c.warmup,
		fmtMs(dT.median), fmtMs(dT.p95), dR.median, dR.p5,
		fmtMs(aT.median), fmtMs(aT.p95), aR.median, aR.p5,
		cpu, c.warmup+runs, float64(cpu.Microseconds())/float64((c.warmup+runs)*c.tokens),
		describeProbe(transport, write, summarize(resp), before, len(through)))
	return nil
}

func ttfts(s []streamSample) []float64 {
	out := make([]float64, len(s))
	for i, x := range s {
		out[i] = ms(x.ttft)
	}
	return out
}

func rates(s []streamSample) []float64 {
	out := make([]float64, len(s))
	for i, x := range s {
		out[i] = x.rate
	}
	return out
}

// tokenClock turns arrival times of text into TTFT and rate. Tokens are counted in the text
// (every FastOrigin token is the same word), not in chunks or events, so the rate is the same
// measure on both paths even if the app batched several tokens into one event.
type tokenClock struct {
	sent, first, last time.Time
	firstTokens       int
	tokens            int
}

func (k *tokenClock) add(at time.Time, text string) {
	n := strings.Count(text, ollamatest.FastDelta)
	if n == 0 {
		return
	}
	if k.tokens == 0 {
		k.first, k.firstTokens = at, n
	}
	k.tokens += n
	k.last = at
}

func (k *tokenClock) sample(want int) (streamSample, error) {
	if k.tokens != want {
		return streamSample{}, fmt.Errorf("got %d tokens, want %d", k.tokens, want)
	}
	span := k.last.Sub(k.first).Seconds()
	if span <= 0 {
		return streamSample{}, errors.New("all tokens arrived at once: no rate to measure")
	}
	return streamSample{ttft: k.first.Sub(k.sent), rate: float64(k.tokens-k.firstTokens) / span, tokens: k.tokens}, nil
}

// streamDirect is what any Ollama client does: POST /api/chat and read NDJSON.
func streamDirect(ctx context.Context, client *http.Client, originURL string, tokens int) (streamSample, error) {
	body := `{"model":"` + ollamatest.FastModel + `","messages":[{"role":"user","content":"Say something long."}],"stream":true}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, originURL+"/api/chat", strings.NewReader(body))
	if err != nil {
		return streamSample{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	var k tokenClock
	k.sent = time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return streamSample{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return streamSample{}, fmt.Errorf("origin: HTTP %d: %s", resp.StatusCode, b)
	}
	br := bufio.NewReaderSize(resp.Body, 1<<16)
	for {
		line, err := br.ReadSlice('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var chunk struct {
				Message struct {
					Content string `json:"content"`
				} `json:"message"`
				Done bool `json:"done"`
			}
			if err := json.Unmarshal(line, &chunk); err != nil {
				return streamSample{}, fmt.Errorf("origin chunk %q: %w", line, err)
			}
			k.add(time.Now(), chunk.Message.Content)
			if chunk.Done {
				return k.sample(tokens)
			}
		}
		if err != nil {
			return streamSample{}, fmt.Errorf("origin stream ended before done: %w", err)
		}
	}
}

// streamThroughApp is what the web build does: chat.send, then the reply's message.delta events
// until its message.finished.
func streamThroughApp(ctx context.Context, client *http.Client, base string, events *eventStream, tokens int) (streamSample, error) {
	var k tokenClock
	k.sent = time.Now()
	var res struct {
		Conversation struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"conversation"`
	}
	if err := call(ctx, client, base, "chat.send", map[string]string{"model": ollamatest.FastModel, "content": "Say something long."}, &res); err != nil {
		return streamSample{}, err
	}
	respAt := time.Now()
	conv := res.Conversation.ID
	timeout := time.After(60 * time.Second)
	for {
		select {
		case ev, ok := <-events.C:
			if !ok {
				return streamSample{}, fmt.Errorf("event stream closed: %v", events.err)
			}
			switch ev.name {
			case "message.delta":
				var d struct {
					ConversationID string `json:"conversationId"`
					Delta          string `json:"delta"`
				}
				if err := json.Unmarshal(ev.data, &d); err != nil {
					return streamSample{}, err
				}
				if d.ConversationID == conv {
					k.add(ev.at, d.Delta)
				}
			case "message.finished":
				var f struct {
					ConversationID string `json:"conversationId"`
					Message        struct {
						Status  string `json:"status"`
						Error   string `json:"error"`
						Content string `json:"content"`
					} `json:"message"`
				}
				if err := json.Unmarshal(ev.data, &f); err != nil {
					return streamSample{}, err
				}
				if f.ConversationID != conv {
					continue
				}
				if f.Message.Status != "done" {
					return streamSample{}, fmt.Errorf("reply ended %s: %s", f.Message.Status, f.Message.Error)
				}
				if n := strings.Count(f.Message.Content, ollamatest.FastDelta); n != tokens {
					return streamSample{}, fmt.Errorf("the saved reply has %d tokens, want %d", n, tokens)
				}
				s, err := k.sample(tokens)
				s.resp = respAt.Sub(k.sent)
				if err == nil {
					titles.wait(events, conv, res.Conversation.Title)
				}
				return s, err
			case "resync":
				return streamSample{}, errors.New("the server said resync: events were lost")
			}
		case <-timeout:
			return streamSample{}, fmt.Errorf("no message.finished for conversation %s within 60 s (%d tokens seen)", conv, k.tokens)
		}
	}
}

// titleWatch waits, after a new conversation's first reply, for the app to finish naming it:
// the app then asks the model for a title (a second, short request) and saves it. Measuring the
// next reply while that runs would time the title request too. If no title comes the first
// time, the app does not make them (any more) and later replies do not wait.
type titleWatch struct {
	checked, seen bool
	waited        []time.Duration
}

var titles titleWatch

func (w *titleWatch) wait(events *eventStream, conv, firstTitle string) {
	if w.checked && !w.seen {
		return
	}
	start := time.Now()
	timeout := time.After(2 * time.Second)
	defer func() { w.checked = true }()
	for {
		select {
		case ev, ok := <-events.C:
			if !ok {
				return
			}
			if ev.name != "conversation.updated" {
				continue
			}
			var c struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			}
			if json.Unmarshal(ev.data, &c) == nil && c.ID == conv && c.Title != firstTitle {
				w.seen = true
				w.waited = append(w.waited, time.Since(start))
				return
			}
		case <-timeout:
			if !w.checked {
				logf("no automatic title within 2 s of the first reply: not waiting for titles")
			}
			return
		}
	}
}

// call runs an operation over the HTTP API as the web build does.
func call(ctx context.Context, client *http.Client, base, op string, args, out any) error {
	body, err := json.Marshal(args)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/call/"+op, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d: %s", op, resp.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}

func waitHealthy(app *appProc, client *http.Client, base string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		if err := app.running(); err != nil {
			return err
		}
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the app did not answer on %s within %v (%v); log:\n%s", base, within, err, app.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cpuTime is the user+system CPU time pid has used, from /proc/PID/stat (in clock ticks of
// 10 ms).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	// After the name: state(0) ppid(1) … utime(11) stime(12).
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}
