//go:build linux

package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/auth"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/secrets"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/keyringtest"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/oidctest"
)

// harness is the app's sign-in against a real provider and a real keyring, with everything it
// emits (events, log lines, pages) recorded so tests can check both outcomes and leaks.
type harness struct {
	t        *testing.T
	op       *oidctest.Provider
	kr       *keyringtest.Keyring // nil when the test runs without a Secret Service
	settings *memSettings
	svc      *auth.Service
	clock    *clock
	log      *syncBuffer
	events   *eventLog
	opened   chan string // URLs the app asked the browser to open
	browser  *oidctest.Browser
	secrets  *gatedStore
}

type harnessOptions struct {
	noSecretService bool
	signInTimeout   time.Duration
	issuer          string // default: the provider's
}

func newHarness(t *testing.T, o harnessOptions) *harness {
	t.Helper()
	h := &harness{t: t, op: oidctest.Start(t), settings: &memSettings{m: map[string]string{}}, clock: &clock{},
		log: &syncBuffer{}, events: &eventLog{}, opened: make(chan string, 8)}
	if o.noSecretService {
		keyringtest.StartBus(t)
	} else {
		h.kr = keyringtest.Start(t)
	}
	h.browser = h.op.NewBrowser()
	h.secrets = &gatedStore{Store: secrets.NewKeyring(keyringService)}
	h.svc = h.newService(o)
	issuer := o.issuer
	if issuer == "" {
		issuer = h.op.Issuer
	}
	if _, err := h.svc.Configure(context.Background(), auth.Config{Issuer: issuer, ClientID: h.op.ClientID}); err != nil {
		t.Fatalf("configure: %v", err)
	}
	return h
}

// newService is the app starting: a new Service over the same settings and keyring.
func (h *harness) newService(o harnessOptions) *auth.Service {
	h.t.Helper()
	svc, err := auth.New(context.Background(), auth.Options{
		Settings:       h.settings,
		Secrets:        h.secrets,
		Publish:        h.events.publish,
		Log:            slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:            h.clock.now,
		SignInTimeout:  o.signInTimeout,
		KeyringTimeout: 10 * time.Second,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	svc.SetBrowser(func(ctx context.Context, url string) error {
		h.opened <- url
		return nil
	})
	return svc
}

// keyringService keeps test items apart from the app's real ones, should a test ever reach a
// real keyring.
const keyringService = "CloudToLocalLLM-test"

// signIn starts the browser flow and signs in as the test user; it returns the page the app
// showed in the browser.
func (h *harness) signIn() oidctest.Page {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	started, err := h.svc.SignIn(ctx)
	if err != nil {
		h.t.Fatalf("SignIn: %v", err)
	}
	url := h.nextOpened()
	if url != started.AuthURL || !started.BrowserOpened {
		h.t.Fatalf("the browser was asked to open %q, SignIn returned %q (opened %v)", url, started.AuthURL, started.BrowserOpened)
	}
	page, err := h.browser.SignIn(ctx, url)
	if err != nil {
		h.t.Fatalf("browser sign-in: %v", err)
	}
	return page
}

func (h *harness) nextOpened() string {
	h.t.Helper()
	select {
	case u := <-h.opened:
		return u
	case <-time.After(5 * time.Second):
		h.t.Fatal("the app did not ask the browser to open anything")
		return ""
	}
}

// waitState waits until the account is in state, then returns it.
func (h *harness) waitState(state string) auth.Account {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		a := h.svc.Account()
		if a.State == state {
			return a
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("account state %q, want %q: %+v", a.State, state, a)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// saved returns the refresh token and access token the keyring holds, read with secret-tool.
func (h *harness) saved() (refresh, access string, ok bool) {
	h.t.Helper()
	cfg := h.svc.Account().Config
	account := cfg.Issuer + " " + cfg.ClientID
	raw, ok := h.kr.Lookup(keyringService, account)
	if !ok {
		return "", "", false
	}
	var s struct {
		RefreshToken string `json:"refreshToken"`
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		h.t.Fatalf("the saved session is not JSON: %v", err)
	}
	rawAccess, _ := h.kr.Lookup(keyringService, account+" access")
	var a struct {
		AccessToken string `json:"accessToken"`
	}
	json.Unmarshal([]byte(rawAccess), &a)
	return s.RefreshToken, a.AccessToken, true
}

func (h *harness) token() string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := h.svc.Token(ctx)
	if err != nil {
		h.t.Fatalf("Token: %v", err)
	}
	return tok
}

// userinfoSubject proves an access token is live at the provider.
func (h *harness) userinfoSubject(accessToken string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ui, err := h.op.Userinfo(ctx, accessToken)
	if err != nil {
		return "", err
	}
	sub, _ := ui["sub"].(string)
	return sub, nil
}

// clock is the service's clock: real time plus an offset the test moves.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time           { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration)  { c.offset.Add(int64(d)) }
func (c *clock) set(offset time.Duration) { c.offset.Store(int64(offset)) }

type memSettings struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *memSettings) GetSetting(_ context.Context, k string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[k]
	return v, ok, nil
}

func (s *memSettings) SetSetting(_ context.Context, k, v string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = v
	return nil
}

type eventLog struct {
	mu     sync.Mutex
	events []string // name + " " + JSON
}

func (e *eventLog) publish(name string, data any) {
	raw, _ := json.Marshal(data)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.events = append(e.events, name+" "+string(raw))
}

func (e *eventLog) all() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.events, "\n")
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// gatedStore is the real keyring, with a gate a test can close to hold the next Set while it
// does something else, to pin down an interleaving.
type gatedStore struct {
	secrets.Store
	mu      sync.Mutex
	gate    chan struct{} // nil: open
	entered chan struct{}
}

// hold makes the next Set wait until the returned release is called; entered is closed once a
// Set is waiting.
func (g *gatedStore) hold() (entered <-chan struct{}, release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate, g.entered = make(chan struct{}), make(chan struct{})
	gate := g.gate
	return g.entered, func() { close(gate) }
}

func (g *gatedStore) Set(ctx context.Context, account, secret string) error {
	g.mu.Lock()
	gate, entered := g.gate, g.entered
	g.gate, g.entered = nil, nil
	g.mu.Unlock()
	if gate != nil {
		close(entered)
		<-gate
	}
	return g.Store.Set(ctx, account, secret)
}
