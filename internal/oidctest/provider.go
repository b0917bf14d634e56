package oidctest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

// The example provider's test user.
const (
	Password = "verysecure"
	UserID   = "id1"
	Name     = "Test User"
	Email    = "test-user@zitadel.ch"
)

// RedirectURI is what the native client is registered with. The provider ignores the port of a
// loopback redirect URI (RFC 8252 section 7.3), so the app may listen on any port.
const RedirectURI = "http://127.0.0.1/callback"

// Provider is a running OpenID provider.
type Provider struct {
	// Issuer is http://127.0.0.1:PORT; the discovery document is below it.
	Issuer string
	// ClientID is the public native client the app signs in as.
	ClientID string
	// Username signs in as the test user (Password, UserID, Name, Email).
	Username string
	// ProfileInIDToken puts name, email and picture in the ID token (default true); when false
	// the app has to ask the userinfo endpoint.
	ProfileInIDToken atomic.Bool

	t               testing.TB
	storage         *store
	handler         http.Handler
	idTokenLifetime atomic.Int64
	tamper          atomic.Pointer[TamperFunc]

	mu     sync.Mutex
	addr   string
	srv    *http.Server
	grants map[string]int
}

// Start runs a provider on 127.0.0.1 until the test ends.
func Start(t testing.TB) *Provider {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("oidctest: listen: %v", err)
	}
	p := &Provider{t: t, addr: ln.Addr().String(), ClientID: "cloudtolocalllm-test"}
	p.Issuer = "http://" + p.addr
	p.ProfileInIDToken.Store(true)
	users := storage.NewUserStore(p.Issuer)
	p.Username = users.GetUserByID(UserID).Username
	clients := map[string]*storage.Client{p.ClientID: storage.NativeClient(p.ClientID, RedirectURI)}
	p.storage = &store{Storage: storage.NewStorageWithClients(users, clients), users: users, p: p}
	// A nil logger: a non-nil one would replace the process's default logger.
	router := exampleop.SetupServer(p.Issuer, p.storage, nil, false)
	p.handler = p.middleware(router)
	p.serve(ln)
	t.Cleanup(p.Stop)
	return p
}

func (p *Provider) serve(ln net.Listener) {
	srv := &http.Server{Handler: p.handler, ReadHeaderTimeout: 5 * time.Second}
	p.mu.Lock()
	p.srv = srv
	p.mu.Unlock()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.t.Errorf("oidctest: serve: %v", err)
		}
	}()
}

// Stop closes the provider's port, so that it is unreachable (connection refused) until Restart.
// Its state (sessions, tokens) is kept.
func (p *Provider) Stop() {
	p.mu.Lock()
	srv := p.srv
	p.srv = nil
	p.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Restart serves again on the same address after Stop.
func (p *Provider) Restart() {
	p.t.Helper()
	var ln net.Listener
	var err error
	// The port was just released; another process could take it, but on loopback in a test
	// that is unlikely enough that a clear failure is the right answer.
	for range 50 {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("oidctest: listen again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// SetIDTokenLifetime changes how long the ID tokens issued from now on are valid; a negative
// lifetime issues tokens that have already expired.
func (p *Provider) SetIDTokenLifetime(d time.Duration) { p.idTokenLifetime.Store(int64(d)) }

// EndAllSessions revokes every token the test user holds for the client, the way an
// administrator would, outside the app.
func (p *Provider) EndAllSessions(ctx context.Context) error {
	return p.storage.TerminateSession(ctx, UserID, p.ClientID)
}
