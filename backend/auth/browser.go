package auth

import (
	"context"
	"crypto/rand"
	"errors"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// SignInStarted is what SignIn returns; the outcome arrives later as an account.changed event.
type SignInStarted struct {
	Account Account `json:"account"`
	// AuthURL is the provider's sign-in page, for the UI to offer when the browser did not open.
	// It holds no secret: the PKCE verifier never leaves the app.
	AuthURL       string `json:"authUrl"`
	BrowserOpened bool   `json:"browserOpened"`
}

// SignIn starts the authorization code flow with PKCE in the system browser. It returns once the
// browser was asked to open; the person then signs in at the provider, which redirects to a
// listener on 127.0.0.1, and the sign-in completes (or fails) in the background.
func (s *Service) SignIn(ctx context.Context) (SignInStarted, error) {
	prov, err := s.beginSignIn(ctx)
	if err != nil {
		return SignInStarted{}, err
	}
	state, nonce, verifier := rand.Text(), rand.Text(), oauth2.GenerateVerifier()
	lb, err := listenLoopback(state)
	if err != nil {
		s.failed(err)
		return SignInStarted{}, err
	}
	oc := prov.oauth(lb.RedirectURI)
	opts := append(prov.authParams(), oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce))
	authURL := oc.AuthCodeURL(state, opts...)
	p, fctx, err := s.startPending(Pending{Method: "browser", ExpiresAt: s.signInDeadline()})
	if err != nil {
		lb.close()
		return SignInStarted{}, err
	}
	go s.runBrowserFlow(fctx, p, prov, oc, lb, verifier, nonce)
	opened, err := s.openBrowser(ctx, authURL)
	if err != nil {
		s.log.Warn("sign-in: the browser did not open; the UI offers the link", "error", err)
	}
	s.notify()
	return SignInStarted{Account: s.Account(), AuthURL: authURL, BrowserOpened: opened}, nil
}

// runBrowserFlow waits for the redirect, exchanges the code and tells the browser how it went.
func (s *Service) runBrowserFlow(ctx context.Context, p *pending, prov *provider, oc *oauth2.Config, lb *loopback, verifier, nonce string) {
	defer lb.close()
	var cb callback
	select {
	case cb = <-lb.callbacks:
	case <-ctx.Done():
		s.finish(ctx, p, nil, endedBy(ctx))
		return
	}
	var sess *session
	err := cb.err
	if err == nil {
		sess, err = s.exchange(ctx, prov, oc, cb.code, verifier, nonce)
	}
	if ctx.Err() != nil {
		err = endedBy(ctx)
	}
	err = s.finish(ctx, p, sess, err)
	var profile Profile
	if sess != nil {
		profile = sess.profile
	}
	cb.reply <- outcome{profile: profile, err: err}
}

// exchange trades the authorization code, with the PKCE verifier, for tokens.
func (s *Service) exchange(ctx context.Context, prov *provider, oc *oauth2.Config, code, verifier, nonce string) (*session, error) {
	tok, err := oc.Exchange(s.httpCtx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
			return nil, rejected("the provider did not accept the authorization code (it was already used, has expired, or belongs to another sign-in)", nil)
		}
		return nil, providerFailure(prov.cfg.Issuer, "exchange the authorization code", err)
	}
	return s.newSession(ctx, prov, tok, nonce)
}
