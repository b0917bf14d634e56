package auth

import (
	"context"
	"errors"
	"time"

	"golang.org/x/oauth2"
)

// refreshBefore is how long before its expiry an access token is replaced, so that a caller
// never starts a request with a token that expires on the way.
const refreshBefore = time.Minute

// refreshTimeout bounds one refresh, whoever is waiting for it.
const refreshTimeout = 30 * time.Second

// Token returns a fresh access token for the signed-in person, refreshing it first when it
// expires within a minute. However many callers ask at once, one refresh runs and all of them
// get its result. It fails with ErrSignedOut when nobody is signed in, ErrSessionEnded when the
// provider no longer accepts the session (the Account then says so), and ErrProviderUnreachable
// when the provider cannot be reached (the session is kept: a later call may succeed).
func (s *Service) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	sess := s.sess
	s.mu.Unlock()
	if sess == nil {
		return "", &Problem{Code: CodeSignedOut, Message: "not signed in", Hint: "Sign in under Settings → Account."}
	}
	if s.fresh(sess.token) {
		return sess.token.AccessToken, nil
	}
	ch := s.refreshing.DoChan("refresh", func() (any, error) {
		// The refresh outlives any one caller's context: others may be waiting for it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
		defer cancel()
		return s.refresh(rctx)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// TokenSource adapts Token to oauth2.TokenSource, for HTTP clients made with oauth2.NewClient.
func (s *Service) TokenSource(ctx context.Context) oauth2.TokenSource {
	return tokenSource{ctx: ctx, s: s}
}

type tokenSource struct {
	ctx context.Context
	s   *Service
}

func (t tokenSource) Token() (*oauth2.Token, error) {
	at, err := t.s.Token(t.ctx)
	if err != nil {
		return nil, err
	}
	return &oauth2.Token{AccessToken: at, TokenType: "Bearer"}, nil
}

func (s *Service) fresh(t *oauth2.Token) bool {
	if t.AccessToken == "" {
		return false
	}
	// A provider that does not say when the token expires gets it used until refused.
	return t.Expiry.IsZero() || s.now().Add(refreshBefore).Before(t.Expiry)
}

// refresh replaces the access token (and, when the provider rotates them, the refresh token).
func (s *Service) refresh(ctx context.Context) (string, error) {
	s.mu.Lock()
	sess, gen, cfg := s.sess, s.gen, s.cfg
	s.mu.Unlock()
	if sess == nil {
		return "", &Problem{Code: CodeSignedOut, Message: "not signed in", Hint: "Sign in under Settings → Account."}
	}
	if s.fresh(sess.token) { // refreshed while this call waited for its turn
		return sess.token.AccessToken, nil
	}
	if sess.token.RefreshToken == "" {
		err := sessionEnded(errors.New("the provider issued no refresh token (is offline_access allowed?)"))
		s.endSession(ctx, gen, cfg, err)
		return "", err
	}
	prov, err := s.discover(ctx)
	if err != nil {
		return "", err
	}
	tok, err := prov.oauth("").TokenSource(s.httpCtx(ctx), &oauth2.Token{RefreshToken: sess.token.RefreshToken}).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && (re.ErrorCode == "invalid_grant" || re.ErrorCode == "invalid_token" || re.ErrorCode == "unauthorized_client") {
			err := sessionEnded(errors.New(re.ErrorCode))
			s.endSession(ctx, gen, cfg, err)
			return "", err
		}
		return "", providerFailure(cfg.Issuer, "refresh the sign-in", err)
	}
	next := &session{token: tok, profile: sess.profile, endsAt: sessionEnd(tok, s.now())}
	if _, ok := tok.Extra("id_token").(string); ok {
		// A new ID token may carry a changed name or picture. It is checked like the first one
		// but must name the same person; when it does not pass, the profile stays as it was.
		p, err := s.verifyIDToken(ctx, prov, tok, "")
		switch {
		case err != nil:
			s.log.Warn("refresh: new ID token ignored", "error", err)
		case p.Subject != sess.profile.Subject:
			s.log.Warn("refresh: new ID token ignored: it names someone else")
		default:
			next.profile = s.completeProfile(ctx, prov, tok, p)
		}
	}
	s.persistMu.Lock()
	defer s.persistMu.Unlock()
	if !s.isGen(gen) {
		// Signed out (or in again) while refreshing: this result belongs to nobody.
		return "", &Problem{Code: CodeSignedOut, Message: "signed out while the sign-in was being refreshed", Hint: "Sign in again."}
	}
	notice := s.save(ctx, cfg, next)
	s.mu.Lock()
	if s.gen != gen { // signed out during the save; sign-out removes what was saved
		s.mu.Unlock()
		return "", &Problem{Code: CodeSignedOut, Message: "signed out while the sign-in was being refreshed", Hint: "Sign in again."}
	}
	changed := next.profile != sess.profile || (notice == nil) != sess.remembered
	next.remembered = notice == nil
	changed = changed || !next.endsAt.Equal(sess.endsAt)
	s.sess = next
	s.keyring = notice
	s.watchEndLocked()
	s.mu.Unlock()
	s.log.Debug("access token refreshed", "expiry", tok.Expiry, "rotated", tok.RefreshToken != sess.token.RefreshToken)
	if changed {
		s.notify()
	}
	return tok.AccessToken, nil
}

// endSession drops a session the provider no longer accepts, unless it was replaced meanwhile.
func (s *Service) endSession(ctx context.Context, gen uint64, cfg Config, why *Problem) {
	s.mu.Lock()
	if s.gen != gen {
		s.mu.Unlock()
		return
	}
	s.sess = nil
	s.gen++
	s.lastErr = why.notice()
	s.watchEndLocked()
	s.mu.Unlock()
	s.persistMu.Lock()
	defer s.persistMu.Unlock()
	if err := s.forget(ctx, cfg); err != nil {
		s.log.Warn("ended sign-in not removed from the keyring", "error", err)
	}
	s.log.Info("sign-in ended by the provider", "issuer", cfg.Issuer, "error", why)
	s.notify()
}

func (s *Service) isGen(gen uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen == gen
}
