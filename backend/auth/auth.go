// Package auth signs the person in with any OpenID Connect provider, as a native app should
// (RFC 8252): the authorization code flow with PKCE in the system browser and a one-shot redirect
// listener on 127.0.0.1 at a random port, or, where no browser can be opened, the device
// authorization grant (RFC 8628) with a code to enter elsewhere. The issuer, client ID, audience
// and scopes are settings; everything else comes from the provider's discovery document.
//
// The ID token is verified (signature, issuer, audience, nonce, times — a clock far off is
// reported as such) and only its profile (name, email, picture) is kept. The refresh and access
// tokens live in memory and in the OS keyring (backend/secrets), never in a file, a log line, a
// URL, the database, an event or anything sent to the UI. Where the keyring is locked or missing
// the session still works, in memory, and the Account says it will not be remembered.
//
// Other parts (the relay bridge) get a fresh access token from Service.Token: it is refreshed a
// minute before it expires, once however many callers ask at the same moment.
package auth

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/secrets"
)

// KeyringService is the service name the tokens are stored under in the OS keyring.
const KeyringService = "CloudToLocalLLM"

// Options are what a Service needs.
type Options struct {
	// Settings persists the provider configuration (under the key "auth").
	Settings ConfigStore
	// Secrets keeps the tokens; secrets.NewKeyring(KeyringService) in the app.
	Secrets secrets.Store
	// Publish sends an event to every client ("account.changed"); nil publishes nothing.
	Publish func(name string, data any)
	Log     *slog.Logger
	// HTTPClient talks to the provider; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now. Tests move it to expire tokens.
	Now func() time.Time
	// SignInTimeout bounds how long a sign-in waits for the person; 0 means 10 minutes.
	SignInTimeout time.Duration
	// KeyringTimeout bounds each keyring call, which may wait on an unlock prompt; 0 means 2 minutes.
	KeyringTimeout time.Duration
}

// Service is the sign-in state and what changes it.
type Service struct {
	opts Options
	log  *slog.Logger
	now  func() time.Time

	refreshing singleflight.Group
	notifyMu   sync.Mutex // keeps published accounts in the order they were taken
	// persistMu orders keyring writes of a session against its removal: whoever ends a session
	// bumps gen first and then takes persistMu, and a writer checks gen while holding it, so a
	// refresh finishing late can never put tokens back after sign-out.
	persistMu sync.Mutex

	endTimers []*time.Timer // warn before, and end at, the session's end
	pictures  pictureCache

	mu        sync.Mutex
	cfg       Config
	prov      *provider // discovery for cfg, once fetched
	sess      *session  // nil when signed out
	gen       uint64    // bumped whenever the session is replaced, so late results are dropped
	pending   *pending  // a sign-in in progress
	lastErr   *Notice   // why the last sign-in or refresh failed
	keyring   *Notice   // why the session is not remembered, when it is not
	browser   func(ctx context.Context, url string) error
	listeners []func(Account)
}

// session is a signed-in session: the tokens and the profile. It never leaves this package.
type session struct {
	token      *oauth2.Token
	profile    Profile
	remembered bool
	// endsAt is when the session ends for good unless the person signs in again: the access
	// token's expiry when there is no refresh token, or the refresh token's own expiry when the
	// provider states it (refresh_expires_in, as Keycloak does). Zero: no known end.
	endsAt time.Time
}

// sessionEnd computes session.endsAt for a token the provider has just issued.
func sessionEnd(tok *oauth2.Token, now time.Time) time.Time {
	if tok.RefreshToken == "" {
		return tok.Expiry
	}
	switch v := tok.Extra("refresh_expires_in").(type) {
	case float64:
		if v > 0 {
			return now.Add(time.Duration(v) * time.Second)
		}
	case string: // some providers send numbers as strings
		if d, err := time.ParseDuration(v + "s"); err == nil && d > 0 {
			return now.Add(d)
		}
	}
	return time.Time{}
}

// New loads the provider configuration. It does not touch the keyring: call Restore for that.
func New(ctx context.Context, opts Options) (*Service, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.SignInTimeout == 0 {
		opts.SignInTimeout = 10 * time.Minute
	}
	if opts.KeyringTimeout == 0 {
		opts.KeyringTimeout = 2 * time.Minute
	}
	s := &Service{opts: opts, log: opts.Log, now: opts.Now}
	cfg, err := loadConfig(ctx, opts.Settings)
	if err != nil {
		return nil, err
	}
	s.cfg = cfg
	return s, nil
}

// SetBrowser sets how to open a URL in the system browser (Wails' BrowserOpenURL on the desktop).
// Without one, SignIn returns the URL for the UI to open.
func (s *Service) SetBrowser(open func(ctx context.Context, url string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.browser = open
}

// OnChange registers f to run after every change of the Account, in order.
func (s *Service) OnChange(f func(Account)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listeners = append(s.listeners, f)
}

// Account is the sign-in state as the UI shows it.
func (s *Service) Account() Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accountLocked()
}

// notify tells the listeners and the clients about the current Account.
func (s *Service) notify() {
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	s.mu.Lock()
	a := s.accountLocked()
	listeners := append([]func(Account){}, s.listeners...)
	s.mu.Unlock()
	for _, f := range listeners {
		f(a)
	}
	if s.opts.Publish != nil {
		s.opts.Publish("account.changed", a)
	}
}

// keyringCtx bounds one keyring call.
func (s *Service) keyringCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s.opts.KeyringTimeout)
}

// httpCtx makes oauth2 and go-oidc use the service's HTTP client.
func (s *Service) httpCtx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, s.opts.HTTPClient)
}

func (s *Service) openBrowser(ctx context.Context, url string) (bool, error) {
	s.mu.Lock()
	open := s.browser
	s.mu.Unlock()
	if open == nil {
		return false, nil
	}
	if err := open(ctx, url); err != nil {
		return false, fmt.Errorf("open the browser: %w", err)
	}
	return true, nil
}
