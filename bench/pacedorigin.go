//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// pacedOrigin is a FastOrigin with a model's rhythm: it streams the same chunks, but one every
// interval, on a fixed schedule (token i leaves at i × interval, however late the previous
// sleep woke). A FastOrigin floods the app with a whole reply in a few milliseconds, so it
// measures the app's ceiling; this measures what a person sees with a fast real model: whether
// the app keeps up, and its time to first token when it is not also digesting 2,000 tokens.
type pacedOrigin struct {
	URL string
	srv *httptest.Server
}

func newPacedOrigin(tokens int, interval time.Duration) *pacedOrigin {
	line := func(v any) []byte {
		b, _ := json.Marshal(v)
		return append(b, '\n')
	}
	now := time.Now().UTC()
	chunk := line(api.ChatResponse{Model: ollamatest.FastModel, CreatedAt: now,
		Message: api.Message{Role: "assistant", Content: ollamatest.FastDelta}})
	final := line(api.ChatResponse{Model: ollamatest.FastModel, CreatedAt: now,
		Message: api.Message{Role: "assistant"}, Done: true, DoneReason: "stop",
		Metrics: api.Metrics{EvalCount: tokens, PromptEvalCount: 1}})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/version", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"version":"0.6.5"}`)
	})
	mux.HandleFunc("GET /api/tags", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"models":[{"name":"%[1]s:latest","model":"%[1]s:latest","size":1,"details":{"family":"fast"}}]}`, ollamatest.FastModel)
	})
	mux.HandleFunc("POST /api/chat", func(w http.ResponseWriter, r *http.Request) {
		var req api.ChatRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"error":"bad request body"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		rc := http.NewResponseController(w)
		start := time.Now()
		for i := range tokens {
			if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
				time.Sleep(d)
			}
			if _, err := w.Write(chunk); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
		w.Write(final)
	})
	o := &pacedOrigin{srv: httptest.NewServer(mux)}
	o.URL = o.srv.URL
	return o
}

func (o *pacedOrigin) Close() { o.srv.Close() }
