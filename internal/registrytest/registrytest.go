// Package registrytest runs a real OCI registry (go-containerregistry's, in memory) on 127.0.0.1
// that Ollama can pull models from, so pull progress, cancel and resume are tested against the
// real /api/pull stream without the internet.
//
// Two details make Ollama pull from it (see shared/TESTING.md): Ollama expects each blob GET to
// be redirected to another host name (its registry sends it to a CDN), so a blob GET is answered
// with 307 to http://localhost:PORT/<same path>?direct=1, served by the same registry; and models
// are published by uploading their blobs and manifest over the registry API, not `ollama push`.
//
// Hold makes a download stop after a number of bytes until Release, so a test can cancel a pull
// halfway without guessing at timings.
package registrytest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

const directMarker = "direct"

// Registry is a running registry.
type Registry struct {
	// Host is 127.0.0.1:PORT, the registry part of a model name: Host + "/library/NAME".
	Host string
	srv  *httptest.Server
	port string

	mu       sync.Mutex
	holdAt   int64         // bytes of a blob body served before waiting on release; 0: no hold
	release  chan struct{} // closed by Release
	requests []BlobRequest
}

// BlobRequest is one download of blob bytes Ollama made.
type BlobRequest struct {
	Digest string
	Range  string // the Range header, "" for the whole blob
}

// Start runs a registry until the test ends.
func Start(t testing.TB) *Registry {
	t.Helper()
	r := &Registry{}
	inner := registry.New(registry.Logger(discardLogger()))
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.serve(w, req, inner)
	}))
	t.Cleanup(func() {
		r.Release()
		r.srv.CloseClientConnections()
		r.srv.Close()
	})
	r.Host = strings.TrimPrefix(r.srv.URL, "http://")
	_, r.port, _ = net.SplitHostPort(r.Host)
	return r
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request, inner http.Handler) {
	isBlobGet := req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/blobs/sha256:")
	if !isBlobGet {
		inner.ServeHTTP(w, req)
		return
	}
	if req.URL.Query().Get(directMarker) == "" {
		// Another host name for the same server: Ollama follows a redirect to a new host only.
		http.Redirect(w, req, "http://localhost:"+r.port+req.URL.Path+"?"+directMarker+"=1", http.StatusTemporaryRedirect)
		return
	}
	digest := req.URL.Path[strings.LastIndex(req.URL.Path, "/")+1:]
	r.mu.Lock()
	r.requests = append(r.requests, BlobRequest{Digest: digest, Range: req.Header.Get("Range")})
	holdAt, release := r.holdAt, r.release
	r.mu.Unlock()
	req.URL.RawQuery = ""
	if holdAt > 0 {
		w = &holdingWriter{ResponseWriter: w, left: holdAt, release: release, done: req.Context().Done()}
	}
	inner.ServeHTTP(w, req)
}

// Hold makes every blob download from now on send n bytes of its body, then wait until Release
// (or until the client goes away).
func (r *Registry) Hold(n int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.holdAt, r.release = n, make(chan struct{})
}

// Release lets held downloads go on and ends the hold.
func (r *Registry) Release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.release != nil {
		close(r.release)
	}
	r.holdAt, r.release = 0, nil
}

// BlobRequests lists the blob downloads served so far, in order.
func (r *Registry) BlobRequests() []BlobRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]BlobRequest(nil), r.requests...)
}

// holdingWriter passes the first left bytes of a body, then blocks until release or done.
type holdingWriter struct {
	http.ResponseWriter
	left    int64
	release <-chan struct{}
	done    <-chan struct{}
}

func (h *holdingWriter) Write(p []byte) (int, error) {
	if h.left <= 0 {
		return h.ResponseWriter.Write(p)
	}
	n := int64(len(p))
	if n <= h.left {
		h.left -= n
		return h.ResponseWriter.Write(p)
	}
	first, err := h.ResponseWriter.Write(p[:h.left])
	if err != nil {
		return first, err
	}
	h.left = 0
	if f, ok := h.ResponseWriter.(http.Flusher); ok {
		f.Flush() // the client must see the bytes before the wait, or they would not count
	}
	select {
	case <-h.release:
	case <-h.done:
		return first, io.ErrClosedPipe
	}
	rest, err := h.ResponseWriter.Write(p[first:])
	return first + rest, err
}

// Model is what PublishModel uploads: a GGUF file and the parameters Ollama stores with it.
type Model struct {
	GGUF       []byte
	Parameters map[string]any // e.g. {"num_predict": 48}; nil for none
	Family     string         // config's model_family; "llama" when empty
}

// PublishModel uploads m as library/repo:latest and returns the name Ollama pulls it by,
// 127.0.0.1:PORT/library/repo (with insecure: the registry speaks http).
func (r *Registry) PublishModel(t testing.TB, repo string, m Model) string {
	t.Helper()
	if m.Family == "" {
		m.Family = "llama"
	}
	type layer struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int    `json:"size"`
	}
	upload := func(mediaType string, data []byte) layer {
		d := fmt.Sprintf("sha256:%x", sha256.Sum256(data))
		url := fmt.Sprintf("%s/v2/library/%s/blobs/uploads/?digest=%s", r.srv.URL, repo, d)
		resp, err := http.Post(url, "application/octet-stream", bytes.NewReader(data))
		if err != nil {
			t.Fatalf("registrytest: upload blob: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("registrytest: upload blob: %s: %s", resp.Status, body)
		}
		return layer{MediaType: mediaType, Digest: d, Size: len(data)}
	}
	layers := []layer{upload("application/vnd.ollama.image.model", m.GGUF)}
	if len(m.Parameters) > 0 {
		params, err := json.Marshal(m.Parameters)
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, upload("application/vnd.ollama.image.params", params))
	}
	diffIDs := make([]string, len(layers))
	for i, l := range layers {
		diffIDs[i] = l.Digest
	}
	config, err := json.Marshal(map[string]any{
		"model_format": "gguf", "model_family": m.Family, "model_families": []string{m.Family},
		"model_type": "tiny", "file_type": "F32", "architecture": "amd64", "os": "linux",
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
	})
	if err != nil {
		t.Fatal(err)
	}
	const manifestType = "application/vnd.docker.distribution.manifest.v2+json"
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     manifestType,
		"config":        upload("application/vnd.docker.container.image.v1+json", config),
		"layers":        layers,
	})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/v2/library/%s/manifests/latest", r.srv.URL, repo), bytes.NewReader(manifest))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", manifestType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("registrytest: put manifest: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("registrytest: put manifest: %s: %s", resp.Status, body)
	}
	return r.Host + "/library/" + repo
}

// discardLogger keeps the registry's per-request log lines out of test output.
func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }

// TinyModel is a tiny model for publishing: the GGUF of ollamatest with the given seed (a seed
// other than the test Ollama's gives a blob Ollama does not have yet, so it really downloads).
func TinyModel(t testing.TB, seed int64, params map[string]any) Model {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tiny.gguf")
	if err := ollamatest.WriteTinyGGUF(p, seed); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return Model{GGUF: b, Parameters: params}
}
