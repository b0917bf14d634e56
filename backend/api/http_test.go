package api

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/archive"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/chat"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/endpoints"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/models"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/settings"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// stack is the real backend over a real SQLite file, served on loopback: chat through the
// server list, the model manager, the archive. Its Ollama address is a closed port and its
// keyring is locked, which is all the transport and permission tests need; the e2e tests cover a
// real Ollama behind this same server.
type stack struct {
	bus *events.Bus
	st  *store.Store
	ops *Ops
	url string
}

func newStack(t *testing.T, opts ServerOptions) *stack {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bus := events.NewBus(64)
	set, err := settings.New(ctx, st, bus, "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	ol, err := llm.NewOllama(set.OllamaURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	eps, err := endpoints.New(ctx, endpoints.Options{Storage: st, Keys: lockedKeys{}, Bus: bus, Local: ol, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	c := chat.New(ctx, st, eps, bus, log)
	t.Cleanup(func() { c.Shutdown(context.Background()) })
	ops := NewOps(Services{Chat: c, Settings: set, Status: status.NewMonitor(eps, eps.BaseURL, bus, log, status.DefaultIntervals()),
		Models: eps, Endpoints: eps, Manager: models.New(ctx, eps, st, bus, log),
		Archive: archive.NewService(st, func(n string, d any) { bus.Publish(n, d) })})

	srv := httptest.NewUnstartedServer(nil)
	if opts.Addr == "" {
		opts.Addr = srv.Listener.Addr().String()
	}
	opts.Log = log
	opts.Web = fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>t</title>")}}
	h, err := NewServer(ops, bus, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	return &stack{bus: bus, st: st, ops: ops, url: srv.URL}
}

func TestRequestChecks(t *testing.T) {
	s := newStack(t, ServerOptions{})
	host := strings.TrimPrefix(s.url, "http://")
	big := `{"content":"` + strings.Repeat("a", MaxRequestBytes) + `"}`
	tests := []struct {
		name     string
		method   string
		path     string
		host     string
		header   map[string]string
		body     string
		wantCode int
		wantErr  string
	}{
		{"call works", "POST", "/api/call/settings.get", "", nil, `{}`, 200, ""},
		{"localhost name works", "POST", "/api/call/settings.get", "localhost:" + strings.Split(host, ":")[1], nil, `{}`, 200, ""},
		{"empty body is no arguments", "POST", "/api/call/conversations.list", "", nil, ``, 200, ""},
		{"rebound DNS name", "POST", "/api/call/settings.get", "evil.example:" + strings.Split(host, ":")[1], nil, `{}`, 403, "forbidden"},
		{"other port", "POST", "/api/call/settings.get", "127.0.0.1:1", nil, `{}`, 403, "forbidden"},
		{"cross-site origin", "POST", "/api/call/settings.get", "", map[string]string{"Origin": "http://evil.example"}, `{}`, 403, "forbidden"},
		{"cross-site fetch metadata", "POST", "/api/call/settings.get", "", map[string]string{"Sec-Fetch-Site": "cross-site"}, `{}`, 403, "forbidden"},
		{"own origin", "POST", "/api/call/settings.get", "", map[string]string{"Origin": s.url}, `{}`, 200, ""},
		{"form post", "POST", "/api/call/settings.get", "", map[string]string{"Content-Type": "text/plain"}, `{}`, 415, "bad_request"},
		{"malformed JSON", "POST", "/api/call/chat.send", "", nil, `{"content":`, 400, "bad_request"},
		{"unknown field", "POST", "/api/call/chat.send", "", nil, `{"contnet":"hi"}`, 400, "bad_request"},
		{"wrong type", "POST", "/api/call/chat.send", "", nil, `{"content":42}`, 400, "bad_request"},
		{"too large", "POST", "/api/call/chat.send", "", nil, big, 413, "too_large"},
		{"unknown op", "POST", "/api/call/nope", "", nil, `{}`, 404, "not_found"},
		{"missing conversation", "POST", "/api/call/conversations.get", "", nil, `{"id":"nope"}`, 404, "not_found"},
		{"Ollama down", "POST", "/api/call/models.list", "", nil, `{}`, 503, "ollama_unreachable"},
		{"bad setting", "POST", "/api/call/settings.update", "", nil, `{"theme":"neon"}`, 400, "bad_request"},
		{"GET on a call", "GET", "/api/call/settings.get", "", nil, ``, 405, "bad_request"},
		{"unknown endpoint", "GET", "/api/nope", "", nil, ``, 404, "not_found"},
		{"web build", "GET", "/", "", nil, ``, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, s.url+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.method == "POST" {
				req.Header.Set("Content-Type", "application/json")
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantCode {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantCode, b)
			}
			if resp.Header.Get("Content-Security-Policy") == "" {
				t.Error("no Content-Security-Policy header")
			}
			if tt.wantErr == "" {
				return
			}
			var body struct{ Error Error }
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("error body is not JSON: %v", err)
			}
			if body.Error.Code != tt.wantErr || body.Error.Message == "" {
				t.Fatalf("error %+v, want code %q with a message", body.Error, tt.wantErr)
			}
		})
	}
}

func TestNonLoopbackNeedsToken(t *testing.T) {
	if _, err := NewServer(nil, events.NewBus(1), ServerOptions{Addr: "0.0.0.0:8089"}); err == nil {
		t.Fatal("serving on all interfaces without a token was allowed")
	}
}

func TestTokenAndRemoteCaller(t *testing.T) {
	const token = "0123456789abcdef0123"
	// Listening on a loopback address with a token still exercises the token path; marking the
	// caller remote is tested through a non-loopback address string below.
	s := newStack(t, ServerOptions{Token: token})
	call := func(auth string) int {
		req, _ := http.NewRequest("POST", s.url+"/api/call/settings.get", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := call(""); got != 401 {
		t.Errorf("no token: %d, want 401", got)
	}
	if got := call("Bearer wrong-token-wrong-token"); got != 401 {
		t.Errorf("wrong token: %d, want 401", got)
	}
	if got := call("Bearer " + token); got != 200 {
		t.Errorf("right token: %d, want 200", got)
	}

	_, apiErr := s.ops.Call(context.Background(), Remote, "settings.update", json.RawMessage(`{"ollamaUrl":"http://10.0.0.1:11434"}`))
	if apiErr == nil || apiErr.Code != "forbidden" {
		t.Fatalf("a remote caller changed the Ollama address: %v", apiErr)
	}
	if _, apiErr := s.ops.Call(context.Background(), Remote, "settings.update", json.RawMessage(`{"theme":"dark"}`)); apiErr != nil {
		t.Fatalf("a remote caller could not change the theme: %v", apiErr)
	}
}

// readEvents reads n SSE messages and returns their ids and data.
func readEvents(t *testing.T, r *bufio.Reader, n int) (ids []string, data []string) {
	t.Helper()
	for len(data) < n {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read event stream: %v (got %d of %d)", err, len(data), n)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "id: "):
			ids = append(ids, strings.TrimPrefix(line, "id: "))
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		}
	}
	return ids, data
}

func openEvents(t *testing.T, url, lastID string) (*bufio.Reader, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/api/events", nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	return bufio.NewReader(resp.Body), func() { cancel(); resp.Body.Close() }
}

func TestEventsResumeWithLastEventID(t *testing.T) {
	s := newStack(t, ServerOptions{})
	r, done := openEvents(t, s.url, "")
	s.bus.Publish("a", 1)
	s.bus.Publish("b", 2)
	ids, data := readEvents(t, r, 2)
	done()
	if !strings.Contains(data[0], `"name":"a"`) || !strings.Contains(data[1], `"data":2`) {
		t.Fatalf("events %v", data)
	}
	// Events published while the client is away are replayed after the last id it saw.
	s.bus.Publish("c", 3)
	s.bus.Publish("d", 4)
	r, done = openEvents(t, s.url, ids[0])
	defer done()
	_, data = readEvents(t, r, 3)
	for i, want := range []string{`"name":"b"`, `"name":"c"`, `"name":"d"`} {
		if !strings.Contains(data[i], want) {
			t.Fatalf("replayed %v, want b, c, d", data)
		}
	}
}

func TestEventsTellAClientThatMissedTooMuch(t *testing.T) {
	s := newStack(t, ServerOptions{})
	for i := 0; i < 200; i++ { // the stack's bus keeps 64
		s.bus.Publish("x", i)
	}
	r, done := openEvents(t, s.url, "1")
	defer done()
	_, data := readEvents(t, r, 1)
	if !strings.Contains(data[0], `"name":"resync"`) {
		t.Fatalf("first event %s, want resync", data[0])
	}
}
