package endpoints_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/endpoints"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/secrets"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/keyringtest"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// TestAPIKeyLivesInTheKeyring: with a real gnome-keyring, an endpoint's API key is in the
// keyring and nowhere in the database, is read back after a restart, and a wrong key is named as
// such.
func TestAPIKeyLivesInTheKeyring(t *testing.T) {
	kr := keyringtest.Start(t)
	srv := ollamatest.Start(t)
	const service, key = "CloudToLocalLLM-endpoints-test", "sk-local-0123456789"
	gate := keyGate(t, srv.URL, key)
	f := newFixture(t, srv.URL, secrets.NewKeyring(service))
	r := f.open(t, nil)
	ctx := context.Background()

	ep, err := r.Add(ctx, endpoints.AddParams{Name: "gated", Kind: endpoints.KindOpenAI, URL: gate + "/v1", APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if !ep.HasKey {
		t.Errorf("added %+v, want hasKey", ep)
	}
	if got, ok := kr.Lookup(service, "endpoint:"+ep.ID); !ok || got != key {
		t.Fatalf("keyring holds %q, %v; want the key", got, ok)
	}
	raw, _, err := f.st.GetSetting(ctx, "endpoints")
	if err != nil || strings.Contains(raw, key) || !strings.Contains(raw, ep.ID) {
		t.Fatalf("the saved list %s (%v) must name the endpoint and not hold its key", raw, err)
	}
	r.CheckAll(ctx)
	if s := find(t, r, ep.ID); s.State != endpoints.Reachable {
		t.Fatalf("with the right key: %+v", s)
	}

	// A restart reads the key from the keyring before its first check.
	restarted := f.open(t, nil)
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go restarted.Run(rctx)
	waitFor(t, "the restarted registry reaches the gated server", func() bool {
		return find(t, restarted, ep.ID).State == endpoints.Reachable
	})

	wrong := "sk-wrong"
	if _, err := r.Update(ctx, endpoints.UpdateParams{ID: ep.ID, APIKey: &wrong}); err != nil {
		t.Fatal(err)
	}
	r.CheckAll(ctx)
	if s := find(t, r, ep.ID); s.State != endpoints.Unreachable || !strings.Contains(s.Error, "check the API key") {
		t.Errorf("with a wrong key: %s %q, want unreachable saying to check the API key", s.State, s.Error)
	}
	if err := r.Remove(ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := kr.Lookup(service, "endpoint:"+ep.ID); ok {
		t.Error("the key stayed in the keyring after the server was removed")
	}
}

// keyGate is a reverse proxy to a real server that answers 401 without the right bearer key.
func keyGate(t *testing.T, upstream, key string) string {
	t.Helper()
	target, _ := url.Parse(upstream)
	proxy := httputil.NewSingleHostReverseProxy(target)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+key {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":{"message":"Invalid API key","type":"invalid_request_error"}}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s.URL
}
