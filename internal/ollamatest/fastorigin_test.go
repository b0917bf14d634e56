package ollamatest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"
)

func TestFastOrigin(t *testing.T) {
	const chunks = 500
	f := StartFastOrigin(t, chunks)
	if !strings.HasPrefix(f.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %q, want loopback", f.URL)
	}
	ctx := context.Background()
	s := &Server{URL: f.URL} // only for its Client
	client := s.Client()

	if v, err := client.Version(ctx); err != nil || v == "" {
		t.Fatalf("version %q, %v", v, err)
	}
	list, err := client.List(ctx)
	if err != nil || len(list.Models) != 1 || list.Models[0].Name != FastModel+":latest" {
		t.Fatalf("tags %+v, %v", list, err)
	}

	var deltas int
	var text strings.Builder
	var final api.ChatResponse
	err = client.Chat(ctx, &api.ChatRequest{Model: FastModel, Messages: []api.Message{{Role: "user", Content: "go"}}},
		func(r api.ChatResponse) error {
			if r.Done {
				final = r
				return nil
			}
			deltas++
			text.WriteString(r.Message.Content)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if deltas != chunks || text.String() != strings.Repeat(FastDelta, chunks) {
		t.Errorf("%d deltas, text of %d bytes; want %d deltas of %q", deltas, text.Len(), chunks, FastDelta)
	}
	if !final.Done || final.DoneReason != "stop" || final.EvalCount != chunks {
		t.Errorf("final chunk %+v, want done, stop, eval_count %d", final, chunks)
	}

	err = client.Chat(ctx, &api.ChatRequest{Model: "other", Messages: []api.Message{{Role: "user", Content: "go"}}},
		func(api.ChatResponse) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("chat with an unknown model: %v, want not found", err)
	}

	// A client that stops reading ends the stream without the origin getting stuck.
	stop := errors.New("enough")
	err = client.Chat(ctx, &api.ChatRequest{Model: FastModel}, func(api.ChatResponse) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("chat stopped by the callback: %v", err)
	}
	resp, err := http.Get(f.URL + "/api/pull")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /api/pull: %s, want 404 or 405 (FastOrigin serves only chat, tags, version)", resp.Status)
	}
}
