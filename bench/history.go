//go:build linux

package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// benchHistory measures a big history (history_gen.go): the database's size per message,
// search latency (in the store, and through the real app's HTTP API), the real app's start with
// that database, and in headless Chromium the time to open the 10,000-message conversation to
// its first paint. The generated history is cached; each run measures a copy of it, because the
// app writes to the history it opens.
func benchHistory(c config, r *report) error {
	ctx := context.Background()
	cache, err := historyCache(ctx, c.historyCache)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "c2l-history-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	dataDir := filepath.Join(work, "data")
	if err := copyFile(cache, filepath.Join(dataDir, store.FileName)); err != nil {
		return err
	}
	if err := historySize(cache, r); err != nil {
		return err
	}
	queries := historyQueries(historyWords())
	if err := searchInProcess(ctx, c, dataDir, queries, r); err != nil {
		return err
	}
	if c.bin == "" {
		return fmt.Errorf("no binary to measure the app's start, search over HTTP and first paint with (set CLOUDTOLOCALLLM_BIN or -bin)")
	}
	origin := ollamatest.NewFastOrigin(c.tokens)
	defer origin.Close()
	app, base, err := historyStarts(c, dataDir, origin.URL, r)
	if err != nil {
		return err
	}
	defer app.stop()
	if err := searchOverHTTP(ctx, c, base, queries, r); err != nil {
		return err
	}
	if err := historyInBrowser(ctx, c, base, r); err != nil {
		return err
	}
	return historyDesktopStarts(c, dataDir, origin.URL, r)
}

// historyQuery is one search the benchmark times, and what kind of search it stands for.
type historyQuery struct{ kind, query string }

// historyQueries covers what people type: the commonest word (matches nearly every message), a
// common one, a mid-frequency one, a rare one, one that matches nothing, two words, a phrase, a
// prefix and an exclusion.
func historyQueries(words []string) []historyQuery {
	return []historyQuery{
		{"commonest word", words[0]},
		{"common word", words[20]},
		{"mid-frequency word", words[800]},
		{"rare word", words[25000]},
		{"no match", "qqqzzzxx"},
		{"two words", words[150] + " " + words[900]},
		{"phrase", `"` + words[1] + " " + words[2] + `"`},
		{"prefix", words[300][:3] + "*"},
		{"exclusion", words[400] + " -" + words[0]},
	}
}

// historySize reports the file's size per message, and how much of it is text and index.
func historySize(path string, r *report) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var text, fts int64
	if err := db.QueryRow(`SELECT sum(length(CAST(content AS BLOB))) FROM messages`).Scan(&text); err != nil {
		return err
	}
	if err := db.QueryRow(`SELECT sum(length(block)) FROM messages_fts_data`).Scan(&fts); err != nil {
		return err
	}
	per := float64(st.Size()) / historyMessages
	r.add("History database size per message (1M messages)", "reported", fmt.Sprintf("%.0f bytes (%s in all)", per, fmtMB(float64(st.Size()))), nil)
	r.detail("History database: %s for %d messages in %d conversations = %.0f bytes per message, of which the text itself is %.0f bytes and the full-text index %.0f bytes (the rest: IDs, times, statuses and the indexes that keep lists and paging fast).",
		fmtMB(float64(st.Size())), historyMessages, historyConversations, per, float64(text)/historyMessages, float64(fts)/historyMessages)
	return nil
}

// searchInProcess times the store's Search directly: the floor under what the app adds.
func searchInProcess(ctx context.Context, c config, dataDir string, queries []historyQuery, r *report) error {
	st, err := store.Open(ctx, dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	lat, per, err := timeSearches(c.historyRuns, queries, func(q string) (int, error) {
		p, err := st.Search(ctx, store.SearchOptions{Query: q, Limit: 20})
		return len(p.Results), err
	})
	if err != nil {
		return err
	}
	s := summarize(lat)
	r.add("Search, in the store (p95, 1M messages)", "—", fmt.Sprintf("%s (median %s)", fmtMs(s.p95), fmtMs(s.median)), nil)
	r.detail("Search in the store, first page of 20, %d runs of each query (p50 / p95 / max, ms):\n\n%s", c.historyRuns, per)
	return nil
}

// timeSearches runs every query runs times, interleaved, after one warm-up round, and returns
// every latency and a table per query.
func timeSearches(runs int, queries []historyQuery, search func(q string) (int, error)) ([]float64, string, error) {
	hits := make([]int, len(queries))
	for i, q := range queries { // warm-up: the first query of a kind pays for page faults
		n, err := search(q.query)
		if err != nil {
			return nil, "", fmt.Errorf("search %q: %w", q.query, err)
		}
		hits[i] = n
	}
	byQuery := make([][]float64, len(queries))
	var all []float64
	for run := 0; run < runs; run++ {
		for i, q := range queries {
			began := time.Now()
			if _, err := search(q.query); err != nil {
				return nil, "", fmt.Errorf("search %q: %w", q.query, err)
			}
			d := ms(time.Since(began))
			byQuery[i] = append(byQuery[i], d)
			all = append(all, d)
		}
	}
	var b strings.Builder
	b.WriteString("| query | kind | results on page 1 | p50 | p95 | max |\n|---|---|---|---|---|---|\n")
	for i, q := range queries {
		s := summarize(byQuery[i])
		fmt.Fprintf(&b, "| `%s` | %s | %d | %s | %s | %s |\n", strings.ReplaceAll(q.query, "|", `\|`), q.kind, hits[i], fmtMs(s.median), fmtMs(s.p95), fmtMs(s.max))
	}
	return all, b.String(), nil
}

// historyStarts starts the real app (--serve) on the big history c.startRuns times and times
// exec → answering → the first page of the conversation list served (what a window shows
// first). The last start is left running, for the measurements that follow.
func historyStarts(c config, dataDir, originURL string, r *report) (*appProc, string, error) {
	client := &http.Client{Timeout: 30 * time.Second}
	var healthy, listed []float64
	for run := 0; run < c.startRuns; run++ {
		addr, err := freeAddr()
		if err != nil {
			return nil, "", err
		}
		base := "http://" + addr
		app, err := startApp(c.bin, []string{"--serve", addr}, originURL, []string{"CLOUDTOLOCALLLM_DATA_DIR=" + dataDir})
		if err != nil {
			return nil, "", err
		}
		h, l, err := timeStart(app, client, base)
		if err != nil {
			app.stop()
			return nil, "", fmt.Errorf("start %d: %w", run+1, err)
		}
		healthy, listed = append(healthy, ms(h)), append(listed, ms(l))
		logf("history start %d: answering after %s, first list page after %s", run+1, fmtMs(ms(h)), fmtMs(ms(l)))
		if run == c.startRuns-1 {
			s := summarize(listed)
			r.add("App start with the 1M-message history → first list page served (median)", "≤ 1 s",
				fmt.Sprintf("%s (p95 %s; answering after %s)", fmtMs(s.median), fmtMs(s.p95), fmtMs(summarize(healthy).median)), ptr(s.median <= 1000))
			r.detail("App start (--serve) on the 1M-message history, %d runs, exec → /healthz answers: %s ms; → conversations.list {limit: 50} answered: %s ms.",
				c.startRuns, joinMs(healthy), joinMs(listed))
			return app, base, nil
		}
		if err := app.stop(); err != nil {
			return nil, "", err
		}
	}
	return nil, "", fmt.Errorf("no start runs")
}

// timeStart polls closely (5 ms) so the time is the app's, not the poll interval's.
func timeStart(app *appProc, client *http.Client, base string) (healthy, listed time.Duration, err error) {
	deadline := app.start.Add(60 * time.Second)
	for {
		if err := app.running(); err != nil {
			return 0, 0, err
		}
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("no answer within 60 s; log:\n%s", app.log())
		}
		time.Sleep(5 * time.Millisecond)
	}
	healthy = time.Since(app.start)
	var page struct {
		Conversations []struct{ ID string } `json:"conversations"`
	}
	if err := call(context.Background(), client, base, "conversations.list", map[string]int{"limit": 50}, &page); err != nil {
		return 0, 0, err
	}
	if len(page.Conversations) != 50 {
		return 0, 0, fmt.Errorf("the first list page has %d conversations, want 50", len(page.Conversations))
	}
	return healthy, time.Since(app.start), nil
}

// searchOverHTTP times history.search through the running app, as the web build calls it.
func searchOverHTTP(ctx context.Context, c config, base string, queries []historyQuery, r *report) error {
	client := &http.Client{Timeout: 30 * time.Second}
	lat, per, err := timeSearches(c.historyRuns, queries, func(q string) (int, error) {
		var page struct {
			Results []json0 `json:"results"`
		}
		err := call(ctx, client, base, "history.search", map[string]any{"query": q, "limit": 20}, &page)
		return len(page.Results), err
	})
	if err != nil {
		return err
	}
	s := summarize(lat)
	r.add("Search through the app's API (p95, 1M messages, first page of 20)", "≤ 30 ms",
		fmt.Sprintf("%s (median %s, %d searches)", fmtMs(s.p95), fmtMs(s.median), len(lat)), ptr(s.p95 <= 30))
	r.detail("Search through the real app (POST /api/call/history.search over loopback HTTP, snippets included), %d runs of each query (p50 / p95 / max, ms):\n\n%s", c.historyRuns, per)
	return nil
}

type json0 = map[string]any

func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
