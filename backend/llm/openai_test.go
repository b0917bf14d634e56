package llm_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

func newOpenAI(t *testing.T, url, key string) *llm.OpenAI {
	t.Helper()
	p, err := llm.NewOpenAI(url, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOpenAICompatible runs the OpenAI provider against a real server that speaks the API:
// Ollama under /v1, alone and behind a gate that wants an API key, as LM Studio or vLLM can.
func TestOpenAICompatible(t *testing.T) {
	srv := ollamatest.Start(t)
	ctx := context.Background()
	// A bare host:port gets /v1, where Ollama serves the API.
	p := newOpenAI(t, srv.URL, "")
	if p.BaseURL() != srv.URL+"/v1" {
		t.Fatalf("BaseURL = %s, want %s/v1", p.BaseURL(), srv.URL)
	}

	t.Run("models", func(t *testing.T) {
		ms, err := p.Models(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range ms {
			names = append(names, m.Name)
		}
		if !slices.Contains(names, "tiny:latest") || !slices.Contains(names, "tiny-long:latest") {
			t.Fatalf("Models = %v, want tiny:latest and tiny-long:latest", names)
		}
		if v, err := p.Version(ctx); err != nil || v == "" {
			t.Errorf("Version = %q, %v", v, err)
		}
	})

	t.Run("stream a reply", func(t *testing.T) {
		var deltas []string
		stats, err := p.Chat(ctx, userSays(ollamatest.TinyModel, "hello"), func(d string) error {
			deltas = append(deltas, d)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(deltas) < ollamatest.TinyNumPredict/2 || strings.TrimSpace(strings.Join(deltas, "")) == "" {
			t.Errorf("%d deltas %q, want about one per token (%d)", len(deltas), strings.Join(deltas, ""), ollamatest.TinyNumPredict)
		}
		// num_predict ends the tiny model's replies: OpenAI calls that "length".
		if stats.DoneReason != "length" {
			t.Errorf("stats %+v, want done reason length", stats)
		}
	})

	t.Run("a picture goes as an image_url part the server accepts", func(t *testing.T) {
		req := userSays(ollamatest.TinyModel, "what is this?")
		req.Messages[0].Images = []llm.Image{{MediaType: "image/png", Data: onePixelPNG}}
		var b strings.Builder
		if _, err := p.Chat(ctx, req, func(d string) error { b.WriteString(d); return nil }); err != nil || b.Len() == 0 {
			t.Fatalf("Chat with a picture = %q, %v", b.String(), err)
		}
	})

	t.Run("temperature 0 reaches the model", func(t *testing.T) {
		zero := 0.0
		reply := func() string {
			req := userSays(ollamatest.TinyModel, "say something")
			req.Options.Temperature = &zero
			var b strings.Builder
			if _, err := p.Chat(ctx, req, func(d string) error { b.WriteString(d); return nil }); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}
		if a, b := reply(), reply(); a != b {
			t.Errorf("temperature 0 replied differently:\n%q\n%q", a, b)
		}
	})

	t.Run("stop mid-reply", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		n := 0
		_, err := p.Chat(cctx, userSays(ollamatest.TinyLongModel, "talk"), func(string) error {
			if n++; n == 50 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || n < 50 {
			t.Fatalf("Chat after cancel = %v after %d deltas, want context.Canceled after 50", err, n)
		}
	})

	t.Run("unknown model", func(t *testing.T) {
		_, err := p.Chat(ctx, userSays("no-such-model", "hi"), nil)
		if !errors.Is(err, llm.ErrModelNotFound) || !strings.Contains(err.Error(), "no-such-model") {
			t.Fatalf("Chat(no-such-model) = %v, want ErrModelNotFound naming it", err)
		}
	})

	t.Run("API key", func(t *testing.T) {
		// An OPENAI_API_KEY meant for OpenAI must never reach another server.
		t.Setenv("OPENAI_API_KEY", "sk-meant-for-openai")
		gate := keyGate(t, srv.URL, "right-key")
		for _, tc := range []struct {
			name, key string
			ok        bool
		}{
			{"right key", "right-key", true},
			{"wrong key", "wrong-key", false},
			{"no key", "", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := newOpenAI(t, gate.url+"/v1", tc.key)
				_, mErr := p.Models(ctx)
				_, cErr := p.Chat(ctx, userSays(ollamatest.TinyModel, "hi"), nil)
				for what, err := range map[string]error{"Models": mErr, "Chat": cErr} {
					if tc.ok && err != nil {
						t.Errorf("%s with the right key: %v", what, err)
					}
					if !tc.ok && (!errors.Is(err, llm.ErrUnauthorized) || !strings.Contains(err.Error(), "API key")) {
						t.Errorf("%s = %v, want ErrUnauthorized saying to check the API key", what, err)
					}
				}
			})
		}
		if got := gate.seen(); slices.Contains(got, "Bearer sk-meant-for-openai") {
			t.Errorf("the environment's OpenAI key was sent to another server: %q", got)
		}
	})
}

// TestOpenAIBadServers: a server that is not there, or that answers with something other than
// the OpenAI API, gets a message saying so, naming the URL.
func TestOpenAIBadServers(t *testing.T) {
	ctx := context.Background()
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body>It works!</body></html>"))
	}))
	defer garbage.Close()
	notAPI := httptest.NewServer(http.NotFoundHandler())
	defer notAPI.Close()
	closed := closedURL(t)

	for _, tc := range []struct {
		name, url string
		want      error  // a sentinel, or nil for a ServerError
		says      string // part of the message
	}{
		{"nothing listens", closed, llm.ErrUnreachable, "no answer"},
		{"a web page instead of the API", garbage.URL, nil, "does not answer like an OpenAI-compatible server"},
		{"no API at that path", notAPI.URL, nil, "check the URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newOpenAI(t, tc.url, "")
			_, mErr := p.Models(ctx)
			_, cErr := p.Chat(ctx, userSays("any", "hi"), func(string) error {
				t.Error("a delta from a server that does not speak the API")
				return nil
			})
			for what, err := range map[string]error{"Models": mErr, "Chat": cErr} {
				var se *llm.ServerError
				switch {
				case err == nil:
					t.Errorf("%s succeeded", what)
				case tc.want != nil && !errors.Is(err, tc.want), tc.want == nil && !errors.As(err, &se):
					t.Errorf("%s = %v, want %v", what, err, tc.want)
				case !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), strings.TrimPrefix(tc.url, "http://")):
					t.Errorf("%s = %q, want it to say %q and name the server", what, err, tc.says)
				}
			}
		})
	}
}

func TestParseOpenAIURL(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"http://127.0.0.1:1234", "http://127.0.0.1:1234/v1", ""},
		{"http://127.0.0.1:1234/v1/", "http://127.0.0.1:1234/v1", ""},
		{" https://llm.example.org/api/v1 ", "https://llm.example.org/api/v1", ""},
		{"", "", "empty"},
		{"127.0.0.1:1234", "", "not an http"},
		{"ftp://host/v1", "", "not an http"},
		{"http://user:pw@host/v1", "", "credentials"},
		{"http://host/v1?key=x", "", "queries"},
	} {
		u, err := llm.ParseOpenAIURL(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseOpenAIURL(%q) = %v, %v; want an error saying %q", tc.in, u, err, tc.err)
		case tc.err == "" && (err != nil || u.String() != tc.want):
			t.Errorf("ParseOpenAIURL(%q) = %v, %v; want %s", tc.in, u, err, tc.want)
		}
	}
}

// gate is a reverse proxy to a real server that, like a server set up with an API key, answers
// 401 unless the request carries "Authorization: Bearer <key>".
type gate struct {
	url  string
	mu   sync.Mutex
	auth []string
}

func (g *gate) seen() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.auth...)
}

func keyGate(t *testing.T, upstream, key string) *gate {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	g := &gate{}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.auth = append(g.auth, r.Header.Get("Authorization"))
		g.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+key {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	g.url = s.URL
	return g
}

// onePixelPNG is a real 1×1 PNG.
var onePixelPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
