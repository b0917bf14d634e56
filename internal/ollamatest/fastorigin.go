package ollamatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
)

// FastModel is the one model a FastOrigin offers.
const FastModel = "fast"

// FastDelta is the text of every chunk a FastOrigin streams.
const FastDelta = "word "

// FastOrigin is an Ollama-compatible server on 127.0.0.1 that streams replies as fast as it can:
// /api/chat answers with Chunks NDJSON chunks of FastDelta, each flushed on its own, then a final
// done chunk. It measures what a client adds on top of the wire, so it does as little as
// possible itself: the chunks are encoded once, up front (so their created_at is the same).
// /api/version and /api/tags answer like Ollama; anything else is 404.
type FastOrigin struct {
	URL    string
	Chunks int

	srv   *httptest.Server
	chunk []byte
	final []byte
}

// NewFastOrigin starts a FastOrigin that streams chunks chunks per reply. Close it when done.
func NewFastOrigin(chunks int) *FastOrigin {
	now := time.Now().UTC()
	mustJSON := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			panic(fmt.Sprintf("ollamatest: encode a fixed chunk: %v", err))
		}
		return append(b, '\n')
	}
	f := &FastOrigin{
		Chunks: chunks,
		chunk: mustJSON(api.ChatResponse{Model: FastModel, CreatedAt: now,
			Message: api.Message{Role: "assistant", Content: FastDelta}}),
		final: mustJSON(api.ChatResponse{Model: FastModel, CreatedAt: now,
			Message: api.Message{Role: "assistant"}, Done: true, DoneReason: "stop",
			Metrics: api.Metrics{EvalCount: chunks, PromptEvalCount: 1}}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/version", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"version":"0.6.5"}`)
	})
	mux.HandleFunc("GET /api/tags", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(api.ListResponse{Models: []api.ListModelResponse{{
			Name: FastModel + ":latest", Model: FastModel + ":latest", ModifiedAt: now, Size: 1,
			Details: api.ModelDetails{Format: "gguf", Family: "fast", ParameterSize: "0", QuantizationLevel: "F32"},
		}}})
	})
	mux.HandleFunc("POST /api/chat", f.chat)
	f.srv = httptest.NewServer(mux)
	f.URL = f.srv.URL
	return f
}

// StartFastOrigin starts a FastOrigin that the test's cleanup closes.
func StartFastOrigin(t testing.TB, chunks int) *FastOrigin {
	t.Helper()
	f := NewFastOrigin(chunks)
	t.Cleanup(f.Close)
	return f
}

// Close stops the server.
func (f *FastOrigin) Close() { f.srv.Close() }

func (f *FastOrigin) chat(w http.ResponseWriter, r *http.Request) {
	var req api.ChatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":"bad request body"}`, http.StatusBadRequest)
		return
	}
	if req.Model != FastModel && req.Model != FastModel+":latest" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"error": fmt.Sprintf("model %q not found, try pulling it first", req.Model)})
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	flusher := http.NewResponseController(w)
	for range f.Chunks {
		if _, err := w.Write(f.chunk); err != nil {
			return // the client went away
		}
		if err := flusher.Flush(); err != nil {
			return
		}
	}
	w.Write(f.final)
}
