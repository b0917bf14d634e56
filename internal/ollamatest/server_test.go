package ollamatest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
)

// chatRaw posts a chat request and decodes the NDJSON lines itself, so the test sees the wire
// format rather than what a client library makes of it.
func chatRaw(t *testing.T, ctx context.Context, baseURL string, body string) (*http.Response, *bufio.Scanner) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/api/chat", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /api/chat: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp, bufio.NewScanner(resp.Body)
}

// checkWords fails the test if text holds anything but words, spaces and light punctuation:
// a byte token, a control token or an unknown token would show up here.
func checkWords(t *testing.T, text string) {
	t.Helper()
	for i, r := range text {
		if !(r >= 'a' && r <= 'z' || r == 'I' || strings.ContainsRune(" .,!?", r)) {
			t.Fatalf("reply has %q at byte %d, want only words: ...%s...", r, i, text[max(0, i-40):min(len(text), i+40)])
		}
	}
	if strings.TrimSpace(text) == "" {
		t.Fatal("reply is empty")
	}
}

func TestServerStreamsNDJSON(t *testing.T) {
	s := Start(t)
	resp, lines := chatRaw(t, context.Background(), s.URL,
		`{"model":"tiny","messages":[{"role":"user","content":"hello there"}]}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("Content-Type %q, want application/x-ndjson", ct)
	}
	var text strings.Builder
	var deltas int
	var last api.ChatResponse
	for lines.Scan() {
		var c api.ChatResponse
		if err := json.Unmarshal(lines.Bytes(), &c); err != nil {
			t.Fatalf("line %q is not a chat chunk: %v", lines.Text(), err)
		}
		if last.Done {
			t.Fatalf("chunk after the done chunk: %s", lines.Text())
		}
		if !c.Done {
			deltas++
		}
		text.WriteString(c.Message.Content)
		last = c
	}
	if err := lines.Err(); err != nil {
		t.Fatalf("read stream: %v", err)
	}
	if !last.Done || last.DoneReason != "length" || last.EvalCount != TinyNumPredict {
		t.Fatalf("final chunk done=%v done_reason=%q eval_count=%d, want true, length, %d",
			last.Done, last.DoneReason, last.EvalCount, TinyNumPredict)
	}
	if deltas < TinyNumPredict/2 {
		t.Errorf("%d content chunks for %d tokens, want one per token or so", deltas, TinyNumPredict)
	}
	checkWords(t, text.String())
}

func TestServerModels(t *testing.T) {
	s := Start(t)
	ctx := context.Background()
	list, err := s.Client().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]api.ModelDetails{}
	for _, m := range list.Models {
		got[m.Name] = m.Details
	}
	for _, name := range []string{TinyModel + ":latest", TinyLongModel + ":latest"} {
		d, ok := got[name]
		if !ok {
			t.Fatalf("model %s missing from /api/tags: %v", name, got)
		}
		// Ollama 0.6.5 reports file type 0 (all F32) as quantization "unknown".
		if d.Family != "llama" || d.ParameterSize == "" || d.QuantizationLevel == "" {
			t.Errorf("%s details %+v, want family llama, a parameter size and a quantization", name, d)
		}
	}
	for name, want := range map[string]int{TinyModel: TinyNumPredict, TinyLongModel: TinyLongNumPredict} {
		show, err := s.Client().Show(ctx, &api.ShowRequest{Model: name})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(strings.Fields(show.Parameters), " ")
		if !strings.Contains(got, fmt.Sprintf("num_predict %d", want)) || !strings.Contains(got, "num_thread 1") {
			t.Errorf("%s parameters %q, want num_predict %d and num_thread 1", name, show.Parameters, want)
		}
	}
}

// TestTinyModelNeverStopsEarly checks the design goal of the weights: whatever the seed, the
// prompt and the temperature, a reply runs until num_predict and holds only words. At
// temperature 0 that needs the model not to repeat one word (Ollama cuts a reply off after 31
// identical tokens, without a final chunk). TinyLongModel's full reply also shows it lasts long
// enough for the mid-reply tests that rely on it.
func TestTinyModelNeverStopsEarly(t *testing.T) {
	cases := []struct {
		seed    int64
		model   string
		prompt  string
		options map[string]any
		want    int // tokens
		minTime time.Duration
	}{
		{seed: 0, model: TinyLongModel, prompt: "tell me a long story", want: TinyLongNumPredict, minTime: 3 * time.Second},
		{seed: 7, model: TinyModel, prompt: "</s> <s> \x00 ünïcode 😀 <0x0A>", options: map[string]any{"num_predict": 2000}, want: 2000},
		{seed: 42, model: TinyModel, prompt: "hi", options: map[string]any{"num_predict": 2000, "temperature": 0}, want: 2000},
		{seed: 3, model: TinyModel, prompt: "the the the", options: map[string]any{"num_predict": 2000, "temperature": 0}, want: 2000},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/seed%d", tc.model, tc.seed), func(t *testing.T) {
			if testing.Short() && tc.options != nil {
				t.Skip("-short: one seed is enough")
			}
			s := StartWith(t, Options{Seed: tc.seed})
			body, err := json.Marshal(api.ChatRequest{Model: tc.model, Options: tc.options,
				Messages: []api.Message{{Role: "user", Content: tc.prompt}}})
			if err != nil {
				t.Fatal(err)
			}
			began := time.Now()
			_, lines := chatRaw(t, context.Background(), s.URL, string(body))
			var text strings.Builder
			var last api.ChatResponse
			for lines.Scan() {
				if err := json.Unmarshal(lines.Bytes(), &last); err != nil {
					t.Fatalf("bad line %q: %v", lines.Text(), err)
				}
				text.WriteString(last.Message.Content)
			}
			if err := lines.Err(); err != nil {
				t.Fatalf("read stream after %d characters: %v", text.Len(), err)
			}
			elapsed := time.Since(began)
			if !last.Done || last.DoneReason != "length" || last.EvalCount != tc.want {
				t.Fatalf("reply ended with done=%v done_reason=%q after %d tokens, want length after %d; it ends %q",
					last.Done, last.DoneReason, last.EvalCount, tc.want, text.String()[max(0, text.Len()-200):])
			}
			checkWords(t, text.String())
			rate := float64(last.EvalCount) / last.EvalDuration.Seconds()
			t.Logf("%d tokens in %v: %.0f tokens/s (eval)", last.EvalCount, elapsed.Round(time.Millisecond), rate)
			if elapsed < tc.minTime {
				t.Errorf("a %s reply took %v, want at least %v: raise TinyLongNumPredict so mid-reply tests have time",
					tc.model, elapsed, tc.minTime)
			}
		})
	}
}

func TestFindBinaryExplainsWhatToDo(t *testing.T) {
	t.Setenv(BinaryEnv, "")
	t.Chdir(t.TempDir()) // outside the repository
	_, err := FindBinary()
	if err == nil || !strings.Contains(err.Error(), BinaryEnv) {
		t.Fatalf("FindBinary outside the repository: %v, want an error naming %s", err, BinaryEnv)
	}

	// A checkout where the binary was not built yet.
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module "+modulePath+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "backend", "llm")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	if _, err := FindBinary(); err == nil || !strings.Contains(err.Error(), "make ollama") ||
		!strings.Contains(err.Error(), filepath.Join(root, ".cache", "bin", "ollama")) {
		t.Fatalf("FindBinary without a built binary: %v, want advice to run make ollama naming the path", err)
	}

	t.Setenv(BinaryEnv, "/nonexistent/ollama")
	if _, err := FindBinary(); err == nil || !strings.Contains(err.Error(), "/nonexistent/ollama") {
		t.Fatalf("FindBinary with a bad %s: %v, want an error naming the path", BinaryEnv, err)
	}
}
