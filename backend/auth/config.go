package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// Config says which provider to sign in with. It is set in Settings and persisted with the other
// settings; nothing about any provider is built in.
type Config struct {
	// Issuer is the provider's issuer URL exactly as its discovery document states it
	// (e.g. https://example.eu.auth0.com/ or https://sso.example.com/realms/home).
	Issuer string `json:"issuer"`
	// ClientID is this app's client at the provider: a public ("native") client allowed to
	// redirect to http://127.0.0.1/callback on any port, and to use the device grant if wanted.
	ClientID string `json:"clientId"`
	// Audience, if set, is sent as the "audience" parameter for providers that mint access
	// tokens per API (Auth0); the relay checks it.
	Audience string `json:"audience,omitempty"`
	// Scopes requested; "openid" is always included. Empty means DefaultScopes.
	Scopes []string `json:"scopes"`
}

// DefaultScopes ask for the profile and a refresh token.
func DefaultScopes() []string { return []string{"openid", "profile", "email", "offline_access"} }

// ConfigStore is where the configuration persists: the settings table (settings.Storage).
type ConfigStore interface {
	GetSetting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
}

const configKey = "auth"

// Configured reports whether sign-in can be attempted.
func (c Config) Configured() bool { return c.Issuer != "" && c.ClientID != "" }

// scopes returns the scopes to request.
func (c Config) scopes() []string {
	sc := c.Scopes
	if len(sc) == 0 {
		sc = DefaultScopes()
	}
	if !slices.Contains(sc, "openid") {
		sc = append([]string{"openid"}, sc...)
	}
	return sc
}

// account is the keyring account the session is stored under: one per provider and client, so
// switching providers never mixes sessions.
func (c Config) account() string { return c.Issuer + " " + c.ClientID }

// normalize checks c and cleans what people type. An empty Issuer and ClientID is valid: sign-in
// is then not set up.
func (c Config) normalize() (Config, error) {
	c.Issuer = strings.TrimSpace(c.Issuer)
	c.ClientID = strings.TrimSpace(c.ClientID)
	c.Audience = strings.TrimSpace(c.Audience)
	var scopes []string
	for _, s := range c.Scopes {
		for f := range strings.FieldsSeq(s) {
			if !slices.Contains(scopes, f) {
				scopes = append(scopes, f)
			}
		}
	}
	c.Scopes = scopes
	if c.Issuer == "" && c.ClientID == "" {
		return c, nil
	}
	if c.ClientID == "" {
		return c, invalid("the client ID is missing", "Copy the client ID of this app's client from your provider's console.")
	}
	if c.Issuer == "" {
		return c, invalid("the issuer URL is missing", "Enter your provider's issuer URL, e.g. https://example.eu.auth0.com/.")
	}
	u, err := url.Parse(c.Issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return c, invalid(fmt.Sprintf("%q is not an issuer URL", c.Issuer), "An issuer URL looks like https://login.example.com/ — see your provider's documentation.")
	}
	// Tokens must not cross a network unencrypted; plain http is only for a provider on this machine.
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return c, invalid(fmt.Sprintf("%s must use https", c.Issuer), "Use the https:// address of your provider; http:// is only accepted for a provider on this machine.")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return c, invalid(fmt.Sprintf("%q must not contain credentials, a query or a fragment", c.Issuer), "")
	}
	return c, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func loadConfig(ctx context.Context, st ConfigStore) (Config, error) {
	raw, ok, err := st.GetSetting(ctx, configKey)
	if err != nil {
		return Config{}, fmt.Errorf("load sign-in settings: %w", err)
	}
	var c Config
	if ok {
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return Config{}, fmt.Errorf("load sign-in settings: stored value is not valid JSON: %w", err)
		}
	}
	return c, nil
}

// Configure validates, saves and applies c. The provider cannot change while signed in or
// signing in: the session belongs to the old one.
func (s *Service) Configure(ctx context.Context, c Config) (Account, error) {
	c, err := c.normalize()
	if err != nil {
		return Account{}, err
	}
	s.mu.Lock()
	same := slices.Equal(c.scopes(), s.cfg.scopes()) && c.Issuer == s.cfg.Issuer && c.ClientID == s.cfg.ClientID && c.Audience == s.cfg.Audience
	busy := s.sess != nil || s.pending != nil
	s.mu.Unlock()
	if same {
		return s.Account(), nil
	}
	if busy {
		return Account{}, &Problem{Code: CodeBusy, Message: "the sign-in provider cannot be changed while signed in or signing in", Hint: "Sign out (or cancel the sign-in) first."}
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return Account{}, fmt.Errorf("save sign-in settings: %w", err)
	}
	if err := s.opts.Settings.SetSetting(ctx, configKey, string(raw)); err != nil {
		return Account{}, fmt.Errorf("save sign-in settings: %w", err)
	}
	s.mu.Lock()
	s.cfg = c
	s.prov = nil
	s.lastErr = nil
	s.keyring = nil
	s.mu.Unlock()
	s.log.Info("sign-in provider configured", "issuer", c.Issuer, "clientId", c.ClientID)
	// A session for this provider may have been saved before.
	s.Restore(ctx)
	return s.Account(), nil
}
