package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// These tests map answers Ollama gives rarely or only when broken (a crashed runner, a cut
// connection, a wrong URL pointing at some other server) to errors. Everyday behaviour is
// tested against a real Ollama in ollama_test.go.

const chunk = `{"model":"m","message":{"role":"assistant","content":"hi "},"done":false}` + "\n"

func TestOllamaErrorMapping(t *testing.T) {
	cases := []struct {
		name       string
		handler    http.HandlerFunc
		models     bool // call Models instead of Chat
		want       error
		wantStatus int    // of a *ServerError; 0: none expected
		wantMsg    string // part of the error message
		wantDeltas int
	}{
		{
			name: "unknown model",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNotFound)
				io.WriteString(w, `{"error":"model \"m\" not found, try pulling it first"}`)
			},
			want: ErrModelNotFound, wantMsg: "ollama pull m",
		},
		{
			name: "bad request",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"error":"model is required"}`)
			},
			wantStatus: 400, wantMsg: "model is required",
		},
		{
			name:       "server error without a body",
			handler:    func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) },
			wantStatus: 500, wantMsg: "Internal Server Error",
		},
		{
			name: "error in the middle of a reply",
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, chunk+chunk+`{"error":"an error was encountered while running the model"}`+"\n")
			},
			wantStatus: 200, wantMsg: "while running the model", wantDeltas: 2,
		},
		{
			name: "connection cut mid-reply",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "100000") // promise more than is sent
				io.WriteString(w, chunk)
				w.(http.Flusher).Flush()
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
			},
			want: ErrUnreachable, wantMsg: "mid-reply (unexpected EOF)", wantDeltas: 1,
		},
		{
			name: "some other server's 404 page",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.NotFound(w, r)
			},
			wantStatus: 404, wantMsg: "does not answer like Ollama",
		},
		{
			name: "some other server's HTML",
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "<html><body>router login</body></html>\n")
			},
			wantStatus: 200, wantMsg: "does not answer like Ollama",
		},
		{
			name:   "models: server error",
			models: true,
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusInternalServerError)
				io.WriteString(w, `{"error":"disk on fire"}`)
			},
			wantStatus: 500, wantMsg: "disk on fire",
		},
		{
			name:       "models: a 404 is not a missing model",
			models:     true,
			handler:    func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			wantStatus: 404, wantMsg: "404 page not found",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			o, err := NewOllama(srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			var deltas int
			if tc.models {
				_, err = o.Models(context.Background())
			} else {
				_, err = o.Chat(context.Background(), ChatRequest{Model: "m", Messages: []Message{{Role: "user", Content: "hi"}}},
					func(string) error { deltas++; return nil })
			}
			if err == nil {
				t.Fatal("no error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %q is not %v", err, tc.want)
			}
			var se *ServerError
			switch {
			case tc.wantStatus == 0 && errors.As(err, &se):
				t.Errorf("error %q is a ServerError, want %v", err, tc.want)
			case tc.wantStatus != 0 && !errors.As(err, &se):
				t.Errorf("error %q is not a ServerError", err)
			case tc.wantStatus != 0 && se.Status != tc.wantStatus:
				t.Errorf("ServerError status %d, want %d", se.Status, tc.wantStatus)
			}
			if tc.wantStatus != 0 && (errors.Is(err, ErrModelNotFound) || errors.Is(err, ErrUnreachable)) {
				t.Errorf("error %q is also a sentinel", err)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) || !strings.Contains(err.Error(), srv.URL) {
				t.Errorf("error %q should mention %q and the URL %s", err, tc.wantMsg, srv.URL)
			}
			if deltas != tc.wantDeltas {
				t.Errorf("%d deltas before the error, want %d", deltas, tc.wantDeltas)
			}
		})
	}
}

// TestOllamaChatRequest checks what Chat sends: the conversation as given, streaming on, and
// only the options the person set.
func TestOllamaChatRequest(t *testing.T) {
	temp, numCtx := 0.25, 8192
	cases := []struct {
		name string
		opts Options
		want map[string]any
	}{
		{"model defaults", Options{}, nil},
		{"temperature and context", Options{Temperature: &temp, NumCtx: &numCtx},
			map[string]any{"temperature": 0.25, "num_ctx": 8192.0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got struct {
				Model    string
				Messages []Message
				Stream   *bool
				Options  map[string]any
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/chat" {
					http.NotFound(w, r)
					return
				}
				if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
					t.Errorf("decode request: %v", err)
				}
				io.WriteString(w, chunk+`{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":3,"eval_count":1,"eval_duration":1000,"total_duration":5000}`+"\n")
			}))
			defer srv.Close()
			o, err := NewOllama(srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			msgs := []Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: "hi"}}
			stats, err := o.Chat(context.Background(), ChatRequest{Model: "m", Messages: msgs, Options: tc.opts}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Model != "m" || fmt.Sprint(got.Messages) != fmt.Sprint(msgs) || got.Stream == nil || !*got.Stream {
				t.Errorf("request model %q messages %v stream %v", got.Model, got.Messages, got.Stream)
			}
			if fmt.Sprint(got.Options) != fmt.Sprint(tc.want) {
				t.Errorf("options %v, want %v", got.Options, tc.want)
			}
			want := Stats{DoneReason: "stop", PromptTokens: 3, EvalTokens: 1, EvalDuration: 1000, TotalDuration: 5000}
			if stats != want {
				t.Errorf("stats %+v, want %+v", stats, want)
			}
		})
	}
}

// TestOllamaReplyCutOff: Ollama 0.6.5 ends a reply that repeats one token 31 times with a clean
// end of stream and no final chunk. That is the whole reply, not a failure.
func TestOllamaReplyCutOff(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, chunk+chunk)
	}))
	defer srv.Close()
	o, err := NewOllama(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	var text string
	stats, err := o.Chat(context.Background(), ChatRequest{Model: "m"}, func(d string) error { text += d; return nil })
	if err != nil || stats.DoneReason != DoneReasonCutOff || text != "hi hi " {
		t.Fatalf("Chat = %+v, %v, text %q; want done reason %s and both deltas", stats, err, text, DoneReasonCutOff)
	}
}
