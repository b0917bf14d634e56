package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// provider is what discovery found for one Config.
type provider struct {
	cfg      Config
	oidc     *oidc.Provider
	verifier *oidc.IDTokenVerifier
	// revocation and endSession are optional endpoints (RFC 7009, RP-Initiated Logout).
	revocation string
	endSession string
}

// oauth returns the OAuth 2.0 client configuration, with redirectURI for the code flow.
func (p *provider) oauth(redirectURI string) *oauth2.Config {
	ep := p.oidc.Endpoint()
	// Public clients send their ID in the body; probing styles could resend a code.
	ep.AuthStyle = oauth2.AuthStyleInParams
	return &oauth2.Config{ClientID: p.cfg.ClientID, Endpoint: ep, RedirectURL: redirectURI, Scopes: p.cfg.scopes()}
}

// authParams are the extra parameters every authorization request carries.
func (p *provider) authParams() []oauth2.AuthCodeOption {
	if p.cfg.Audience == "" {
		return nil
	}
	return []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("audience", p.cfg.Audience)}
}

// discover returns the provider for the current Config, fetching its discovery document once.
func (s *Service) discover(ctx context.Context) (*provider, error) {
	s.mu.Lock()
	cfg, prov := s.cfg, s.prov
	s.mu.Unlock()
	if !cfg.Configured() {
		return nil, notConfigured()
	}
	if prov != nil && prov.cfg.Issuer == cfg.Issuer && prov.cfg.ClientID == cfg.ClientID {
		return prov, nil
	}
	// The key set go-oidc fetches later is bound to this context's HTTP client, not to its
	// cancellation.
	octx := oidc.ClientContext(ctx, s.opts.HTTPClient)
	op, err := oidc.NewProvider(octx, cfg.Issuer)
	if err != nil {
		return nil, discoveryFailure(cfg.Issuer, err)
	}
	var extra struct {
		Revocation string `json:"revocation_endpoint"`
		EndSession string `json:"end_session_endpoint"`
	}
	if err := op.Claims(&extra); err != nil {
		return nil, discoveryFailure(cfg.Issuer, err)
	}
	prov = &provider{
		cfg:        cfg,
		oidc:       op,
		revocation: extra.Revocation,
		endSession: extra.EndSession,
		// Times are checked separately (checkTimes), to tell a clock far off from an old token.
		verifier: op.VerifierContext(context.WithoutCancel(octx), &oidc.Config{ClientID: cfg.ClientID, SkipExpiryCheck: true}),
	}
	s.mu.Lock()
	if s.cfg.Issuer == cfg.Issuer && s.cfg.ClientID == cfg.ClientID {
		s.prov = prov
	}
	s.mu.Unlock()
	return prov, nil
}

func discoveryFailure(issuer string, err error) *Problem {
	var mismatch *oidc.IssuerMismatchError
	switch {
	case errors.As(err, &mismatch):
		return &Problem{Code: CodeProviderError, cause: err,
			Message: fmt.Sprintf("the provider calls itself %q, not %q", mismatch.Discovered, mismatch.Provided),
			Hint:    fmt.Sprintf("Set the issuer URL to exactly %s in Settings.", mismatch.Discovered)}
	// go-oidc reports an answer that is not a discovery document only in its message.
	case strings.HasPrefix(err.Error(), "404 ") || strings.Contains(err.Error(), "failed to decode provider discovery"):
		return &Problem{Code: CodeProviderError, cause: err,
			Message: fmt.Sprintf("there is no OpenID Connect provider at %s (no discovery document at %s/.well-known/openid-configuration)", issuer, strings.TrimRight(issuer, "/")),
			Hint:    "Check the issuer URL in Settings; your provider's documentation names it."}
	default:
		return providerFailure(issuer, "fetch its configuration", err)
	}
}
