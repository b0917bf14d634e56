package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// TestRunAnnouncesURLAndStops runs the command's body: the first line out is a URL where the
// tiny models are served, and ending the context stops Ollama.
func TestRunAnnouncesURLAndStops(t *testing.T) {
	if os.Getenv(ollamatest.SkipEnv) == "1" {
		t.Skipf("%s=1", ollamatest.SkipEnv)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, ollamatest.Options{Dir: t.TempDir()}, pw, slog.New(slog.NewTextHandler(io.Discard, nil)))
		pw.Close()
	}()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("read the first line: %v (run: %v)", err, <-done)
	}
	url := strings.TrimSpace(line)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line %q, want http://127.0.0.1:PORT", line)
	}
	resp, err := http.Get(url + "/api/tags")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{ollamatest.TinyModel, ollamatest.TinyLongModel} {
		if !strings.Contains(string(body), `"`+m+`:latest"`) {
			t.Errorf("/api/tags lacks %s: %s", m, body)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
	if _, err := http.Get(url + "/api/version"); err == nil {
		t.Error("ollama still answers after run returned")
	}
}
