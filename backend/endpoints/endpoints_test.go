package endpoints_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/endpoints"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/secrets"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// memKeys is an in-memory secrets.Store; fail makes every call fail as a locked keyring does.
type memKeys struct {
	mu   sync.Mutex
	m    map[string]string
	fail error
}

func newMemKeys() *memKeys { return &memKeys{m: map[string]string{}} }

func (k *memKeys) Get(_ context.Context, account string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		return "", k.fail
	}
	v, ok := k.m[account]
	if !ok {
		return "", secrets.ErrNotFound
	}
	return v, nil
}

func (k *memKeys) Set(_ context.Context, account, secret string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		return k.fail
	}
	k.m[account] = secret
	return nil
}

func (k *memKeys) Delete(_ context.Context, account string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		return k.fail
	}
	delete(k.m, account)
	return nil
}

type fixture struct {
	st    *store.Store
	keys  secrets.Store
	local *llm.Ollama
	bus   *events.Bus
}

func newFixture(t *testing.T, localURL string, keys secrets.Store) *fixture {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	local, err := llm.NewOllama(localURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, keys: keys, local: local, bus: events.NewBus(1000)}
}

func (f *fixture) open(t *testing.T, tune func(*endpoints.Options)) *endpoints.Registry {
	t.Helper()
	opt := endpoints.Options{Storage: f.st, Keys: f.keys, Bus: f.bus, Local: f.local,
		CheckTimeout: 5 * time.Second, ListTimeout: 5 * time.Second, Interval: time.Hour}
	if tune != nil {
		tune(&opt)
	}
	r, err := endpoints.New(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func find(t *testing.T, r *endpoints.Registry, id string) endpoints.Status {
	t.Helper()
	s, err := r.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func names(ms []llm.Model) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}

// TestEndpoints adds servers of both kinds (a real Ollama, natively and through its /v1), sends
// chats to each through the registry, and checks the list survives a restart.
func TestEndpoints(t *testing.T) {
	srv := ollamatest.Start(t)
	f := newFixture(t, srv.URL, newMemKeys())
	r := f.open(t, nil)
	ctx := context.Background()

	all := r.List()
	if len(all) != 1 || all[0].ID != endpoints.LocalID || !all[0].Local || all[0].State != endpoints.Checking || all[0].URL != srv.URL {
		t.Fatalf("a new registry lists %+v, want only this computer's Ollama, being checked", all)
	}
	lan, err := r.Add(ctx, endpoints.AddParams{Name: "  Box in the  study ", Kind: endpoints.KindOllama, URL: strings.TrimPrefix(srv.URL, "http://")})
	if err != nil {
		t.Fatal(err)
	}
	if lan.Name != "Box in the study" || lan.URL != srv.URL || !lan.Manageable || lan.HasKey {
		t.Errorf("added %+v, want the name tidied, the address read like OLLAMA_HOST, manageable, no key", lan)
	}
	oai, err := r.Add(ctx, endpoints.AddParams{Name: "Same box, OpenAI API", Kind: endpoints.KindOpenAI, URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if oai.URL != srv.URL+"/v1" || oai.Manageable {
		t.Errorf("added %+v, want /v1 appended and not manageable", oai)
	}

	sub, _ := f.bus.Subscribe(f.bus.Seq(), 100)
	defer sub.Close()
	r.CheckAll(ctx)
	for _, s := range r.List() {
		if s.State != endpoints.Reachable || !slices.Contains(names(s.Models), "tiny:latest") || s.Stale || s.CheckedAt == nil {
			t.Errorf("after a check %s is %+v, want reachable with tiny:latest", s.Name, s)
		}
	}
	select {
	case ev := <-sub.C:
		if ev.Name != endpoints.EventChanged || !strings.Contains(string(ev.Data), oai.ID) {
			t.Errorf("event %s %s, want %s with every endpoint", ev.Name, ev.Data, endpoints.EventChanged)
		}
	default:
		t.Error("no event after the check changed every status")
	}

	for _, id := range []string{"", endpoints.LocalID, lan.ID, oai.ID} {
		var b strings.Builder
		_, err := r.Chat(ctx, llm.ChatRequest{Endpoint: id, Model: ollamatest.TinyModel,
			Messages: []llm.Message{{Role: "user", Content: "hi"}}}, func(d string) error { b.WriteString(d); return nil })
		if err != nil || strings.TrimSpace(b.String()) == "" {
			t.Errorf("chat through endpoint %q = %q, %v", id, b.String(), err)
		}
	}
	if _, err := r.Chat(ctx, llm.ChatRequest{Endpoint: "ep-gone", Model: "tiny"}, nil); !errors.Is(err, endpoints.ErrUnknown) {
		t.Errorf("chat through a removed endpoint = %v, want ErrUnknown", err)
	}
	if _, _, err := r.Manager(oai.ID); !errors.Is(err, endpoints.ErrNotManageable) {
		t.Errorf("Manager(OpenAI-compatible) = %v, want ErrNotManageable", err)
	}
	if m, _, err := r.Manager(lan.ID); err != nil || m == nil {
		t.Errorf("Manager(Ollama) = %v, %v", m, err)
	}
	if name, base, local := r.DescribeEndpoint(oai.ID); name != oai.Name || base != oai.URL || local {
		t.Errorf("DescribeEndpoint = %q %q %v", name, base, local)
	}

	// A restart finds the same list.
	again := f.open(t, nil)
	if got, want := endpointsOf(again.List()), endpointsOf(r.List()); !slices.Equal(got, want) {
		t.Errorf("after a restart %+v, want %+v", got, want)
	}

	renamed := "Study"
	if s, err := r.Update(ctx, endpoints.UpdateParams{ID: lan.ID, Name: &renamed}); err != nil || s.Name != "Study" {
		t.Errorf("rename = %+v, %v", s, err)
	}
	if err := r.Remove(ctx, oai.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get(oai.ID); !errors.Is(err, endpoints.ErrUnknown) {
		t.Errorf("Get after Remove = %v, want ErrUnknown", err)
	}
	if err := r.Remove(ctx, endpoints.LocalID); !errors.Is(err, endpoints.ErrInvalid) {
		t.Errorf("removing this computer = %v, want ErrInvalid", err)
	}
	if got := endpointsOf(f.open(t, nil).List()); len(got) != 2 || got[1].Name != "Study" {
		t.Errorf("after rename and remove a restart finds %+v", got)
	}
}

func endpointsOf(ss []endpoints.Status) []endpoints.Endpoint {
	out := make([]endpoints.Endpoint, len(ss))
	for i, s := range ss {
		out[i] = s.Endpoint
		if s.Local {
			out[i].URL = "" // the setting's, not saved here
		}
	}
	return out
}

// TestAddRejectsBadInput: each mistake is named, and nothing is saved or left in the keyring.
func TestAddRejectsBadInput(t *testing.T) {
	keys := newMemKeys()
	f := newFixture(t, closedURL(t), keys)
	r := f.open(t, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		p    endpoints.AddParams
		says string
	}{
		{"no name", endpoints.AddParams{Kind: "ollama", URL: "10.0.0.2"}, "needs a name"},
		{"unknown kind", endpoints.AddParams{Name: "x", Kind: "anthropic", URL: "http://10.0.0.2"}, "kind must be"},
		{"no address", endpoints.AddParams{Name: "x", Kind: "ollama"}, "address is empty"},
		{"not an address", endpoints.AddParams{Name: "x", Kind: "openai", URL: "lmstudio"}, "not an http"},
		{"bad port", endpoints.AddParams{Name: "x", Kind: "ollama", URL: "10.0.0.2:99999"}, "port"},
		{"key for Ollama", endpoints.AddParams{Name: "x", Kind: "ollama", URL: "10.0.0.2", APIKey: "k"}, "Ollama takes no API key"},
		{"key of two lines", endpoints.AddParams{Name: "x", Kind: "openai", URL: "http://10.0.0.2/v1", APIKey: "a\nb"}, "one line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Add(ctx, tc.p)
			if !errors.Is(err, endpoints.ErrInvalid) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("Add = %v, want ErrInvalid saying %q", err, tc.says)
			}
		})
	}
	t.Run("keyring locked", func(t *testing.T) {
		keys.fail = secrets.ErrLocked
		defer func() { keys.fail = nil }()
		_, err := r.Add(ctx, endpoints.AddParams{Name: "x", Kind: "openai", URL: "http://10.0.0.2/v1", APIKey: "sk-1"})
		if !errors.Is(err, secrets.ErrLocked) || !strings.Contains(err.Error(), "nothing was saved") {
			t.Fatalf("Add with a locked keyring = %v, want ErrLocked saying nothing was saved", err)
		}
	})
	if n := len(r.List()); n != 1 {
		t.Errorf("%d endpoints after only bad input, want 1", n)
	}
	if raw, ok, _ := f.st.GetSetting(ctx, "endpoints"); ok && raw != "[]" {
		t.Errorf("bad input saved %s", raw)
	}
	if len(keys.m) != 0 {
		t.Errorf("bad input left keys %v", keys.m)
	}
}

// TestDownServersNeverMakeTheAppWait: a server that hangs or is down gets a status saying so, and
// its cached model list is served, marked stale, without waiting for it. The check timeout is an
// hour, so a list call that waited for the server would never return.
func TestDownServersNeverMakeTheAppWait(t *testing.T) {
	srv := ollamatest.Start(t)
	sw := newSwitch(t, srv.URL)
	f := newFixture(t, srv.URL, newMemKeys())
	r := f.open(t, func(o *endpoints.Options) {
		o.CheckTimeout, o.ListTimeout, o.FreshFor = time.Hour, 100*time.Millisecond, time.Millisecond
	})
	ctx := context.Background()
	ep, err := r.Add(ctx, endpoints.AddParams{Name: "flaky", Kind: endpoints.KindOpenAI, URL: sw.url})
	if err != nil {
		t.Fatal(err)
	}
	first, err := r.ModelList(ctx, ep.ID)
	if err != nil || first.Stale || !slices.Contains(names(first.Models), "tiny:latest") {
		t.Fatalf("first list = %+v, %v", first, err)
	}

	sw.hang.Store(true)
	r.Invalidate(ep.ID) // as after a pull: the next list asks the server
	got, err := r.ModelList(ctx, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Stale || !strings.Contains(got.Error, "not answered yet") || !slices.Equal(names(got.Models), names(first.Models)) ||
		got.FetchedAt == nil || !got.FetchedAt.Equal(*first.FetchedAt) {
		t.Errorf("while the server hangs: %+v, want the cached list from %v", got, first.FetchedAt)
	}
	sw.release() // the background refresh gives up; the server is now refusing connections
	sw.down.Store(true)
	waitFor(t, "the refresh records the server down", func() bool {
		l, err := r.ModelList(ctx, ep.ID)
		return err == nil && l.Stale && strings.Contains(l.Error, "no answer")
	})
	if s := find(t, r, ep.ID); s.State != endpoints.Unreachable || !s.Stale || len(s.Models) == 0 {
		t.Errorf("status %+v, want unreachable, stale, models kept", s)
	}

	// A server never listed and down: the error is the answer, fast (a refused connection).
	down, err := r.Add(ctx, endpoints.AddParams{Name: "off", Kind: endpoints.KindOllama, URL: closedURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ModelList(ctx, down.ID); !errors.Is(err, llm.ErrUnreachable) {
		t.Errorf("list of a server that is off = %v, want ErrUnreachable", err)
	}
}

// TestCheckSaysWhatIsWrong: garbage, a hang and a refused connection each get their own words,
// and checking them all takes no longer than the one timeout.
func TestCheckSaysWhatIsWrong(t *testing.T) {
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>router login</html>"))
	}))
	defer garbage.Close()
	hang := hangingURL(t)
	f := newFixture(t, closedURL(t), newMemKeys())
	r := f.open(t, func(o *endpoints.Options) { o.CheckTimeout = 300 * time.Millisecond })
	ctx := context.Background()
	want := map[string]string{}
	for name, tc := range map[string]struct{ kind, url, says string }{
		"garbage ollama": {endpoints.KindOllama, garbage.URL, "does not answer like Ollama"},
		"garbage openai": {endpoints.KindOpenAI, garbage.URL, "does not answer like an OpenAI-compatible server"},
		"hangs":          {endpoints.KindOpenAI, hang, "did not answer within 300ms"},
	} {
		s, err := r.Add(ctx, endpoints.AddParams{Name: name, Kind: tc.kind, URL: tc.url})
		if err != nil {
			t.Fatal(err)
		}
		want[s.ID] = tc.says
	}
	want[endpoints.LocalID] = "check that Ollama is running"
	r.CheckAll(ctx)
	for _, s := range r.List() {
		if s.State != endpoints.Unreachable || !strings.Contains(s.Error, want[s.ID]) {
			t.Errorf("%s: %s %q, want unreachable saying %q", s.Name, s.State, s.Error, want[s.ID])
		}
	}
}

// switchable is a reverse proxy to a real server that can be made to hang or refuse.
type switchable struct {
	url        string
	hang, down atomic.Bool
	unblock    chan struct{}
	once       sync.Once
}

func (s *switchable) release() { s.once.Do(func() { close(s.unblock) }) }

func newSwitch(t *testing.T, upstream string) *switchable {
	t.Helper()
	target, _ := url.Parse(upstream)
	proxy := httputil.NewSingleHostReverseProxy(target)
	s := &switchable{unblock: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.hang.Load() {
			select {
			case <-s.unblock:
			case <-r.Context().Done():
			}
		}
		if s.down.Load() {
			// Drop the connection with no answer, as a server that was switched off does.
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { s.release(); srv.CloseClientConnections(); srv.Close() })
	s.url = srv.URL
	return s
}

// hangingURL is a server that accepts connections and never answers.
func hangingURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return "http://" + l.Addr().String()
}

func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 15s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestModelListsOutliveARestart: a server that is down when the app starts again still shows the
// models it had, marked stale, at once.
func TestModelListsOutliveARestart(t *testing.T) {
	srv := ollamatest.Start(t)
	sw := newSwitch(t, srv.URL)
	f := newFixture(t, srv.URL, newMemKeys())
	ctx, stop := context.WithCancel(context.Background())
	r := f.open(t, nil)
	ep, err := r.Add(ctx, endpoints.AddParams{Name: "lan", Kind: endpoints.KindOllama, URL: sw.url})
	if err != nil {
		t.Fatal(err)
	}
	go r.Run(ctx)
	waitFor(t, "the list is saved", func() bool {
		raw, ok, _ := f.st.GetSetting(ctx, "endpoints.models")
		return ok && strings.Contains(raw, ep.ID) && strings.Contains(raw, "tiny:latest")
	})
	stop()

	sw.down.Store(true)
	again := f.open(t, func(o *endpoints.Options) { o.CheckTimeout = time.Hour })
	s := find(t, again, ep.ID)
	if !s.Stale || s.ModelsAt == nil || !slices.Contains(names(s.Models), "tiny:latest") {
		t.Fatalf("after a restart with the server down: %+v, want its last models, stale", s)
	}
	l, err := again.ModelList(context.Background(), ep.ID)
	if err != nil || !l.Stale || !slices.Contains(names(l.Models), "tiny:latest") {
		t.Fatalf("ModelList = %+v, %v; want the cached list, stale", l, err)
	}
}

// TestRenameNeedsNoKeyring: renaming a server with an API key works while the keyring is locked,
// and keeps its connection; changing its address needs the key and says so.
func TestRenameNeedsNoKeyring(t *testing.T) {
	keys := newMemKeys()
	f := newFixture(t, closedURL(t), keys)
	r := f.open(t, nil)
	ctx := context.Background()
	ep, err := r.Add(ctx, endpoints.AddParams{Name: "gpu box", Kind: endpoints.KindOpenAI, URL: "http://10.0.0.9:8000/v1", APIKey: "sk-1"})
	if err != nil {
		t.Fatal(err)
	}
	keys.fail = secrets.ErrLocked
	name := "GPU box"
	if s, err := r.Update(ctx, endpoints.UpdateParams{ID: ep.ID, Name: &name}); err != nil || s.Name != name || !s.HasKey {
		t.Fatalf("rename with the keyring locked = %+v, %v", s, err)
	}
	url := "http://10.0.0.9:8001/v1"
	if _, err := r.Update(ctx, endpoints.UpdateParams{ID: ep.ID, URL: &url}); !errors.Is(err, secrets.ErrLocked) {
		t.Fatalf("moving it with the keyring locked = %v, want ErrLocked", err)
	}
	if s := find(t, r, ep.ID); s.URL != "http://10.0.0.9:8000/v1" {
		t.Errorf("a refused move changed the address to %s", s.URL)
	}
}
