package auth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// SignOutOptions say how far signing out goes.
type SignOutOptions struct {
	// EndProviderSession also ends the session at the provider, in the browser, so that the next
	// sign-in asks for the password again.
	EndProviderSession bool `json:"endProviderSession"`
}

// SignOutResult says what signing out did.
type SignOutResult struct {
	Account Account `json:"account"`
	// Revoked: the provider confirmed the refresh token is revoked (RFC 7009). False when the
	// provider offers no revocation or could not be reached; the tokens are deleted here anyway.
	Revoked bool `json:"revoked"`
	// EndSessionURL ends the session at the provider, when it offers that; BrowserOpened says
	// whether the browser was asked to open it.
	EndSessionURL string `json:"endSessionUrl,omitempty"`
	BrowserOpened bool   `json:"browserOpened"`
	// Warning is what could not be done.
	Warning *Notice `json:"warning,omitempty"`
}

// SignOut forgets the session: it revokes the refresh token at the provider where it can,
// deletes the tokens from the keyring and from memory, and, if asked, opens the provider's
// end-session page. A sign-in in progress is cancelled.
func (s *Service) SignOut(ctx context.Context, o SignOutOptions) (SignOutResult, error) {
	if _, err := s.Cancel(ctx); err != nil {
		return SignOutResult{}, err
	}
	s.mu.Lock()
	sess, cfg := s.sess, s.cfg
	s.sess = nil
	s.gen++
	s.lastErr = nil
	s.keyring = nil
	s.watchEndLocked()
	s.mu.Unlock()
	s.persistMu.Lock()
	defer s.persistMu.Unlock()
	var res SignOutResult
	if sess == nil {
		// Nothing in memory, but a saved session (unread, e.g. the keyring was locked) goes too.
		if cfg.Configured() {
			if err := s.forget(ctx, cfg); err != nil {
				res.Warning = keyringNotice(err, "could not be removed from it")
			}
		}
		s.notify()
		res.Account = s.Account()
		return res, nil
	}
	prov, err := s.discover(ctx)
	if err == nil {
		res.Revoked, err = s.revoke(ctx, prov, sess)
		if o.EndProviderSession && prov.endSession != "" {
			res.EndSessionURL = endSessionURL(prov)
		}
	}
	if err != nil {
		s.log.Warn("sign-out: token not revoked at the provider", "error", err)
		res.Warning = &Notice{Code: CodeProviderUnreachable, Message: "Signed out here, but the provider could not be told: " + problemOf(err).Message + ".",
			Hint: "The saved tokens are deleted; they stay valid at the provider until they expire. Sign out there too if that matters."}
	}
	if err := s.forget(ctx, cfg); err != nil {
		s.log.Warn("sign-out: tokens not removed from the keyring", "error", err)
		res.Warning = keyringNotice(err, "could not be removed from it")
		res.Warning.Message = "Signed out, but " + strings.ToLower(res.Warning.Message[:1]) + res.Warning.Message[1:]
	}
	s.log.Info("signed out", "issuer", cfg.Issuer, "subject", sess.profile.Subject, "revoked", res.Revoked)
	s.notify()
	if res.EndSessionURL != "" {
		if res.BrowserOpened, err = s.openBrowser(ctx, res.EndSessionURL); err != nil {
			s.log.Warn("sign-out: the browser did not open the provider's sign-out page", "error", err)
		}
	}
	res.Account = s.Account()
	return res, nil
}

// revoke revokes the refresh token (and with it, by RFC 7009 2.1, its access tokens); without a
// refresh token, the access token. It reports false when the provider has no revocation endpoint.
func (s *Service) revoke(ctx context.Context, prov *provider, sess *session) (bool, error) {
	if prov.revocation == "" {
		return false, nil
	}
	token, hint := sess.token.RefreshToken, "refresh_token"
	if token == "" {
		token, hint = sess.token.AccessToken, "access_token"
	}
	// The token goes in the body, never in the URL.
	form := url.Values{"token": {token}, "token_type_hint": {hint}, "client_id": {prov.cfg.ClientID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, prov.revocation, strings.NewReader(form.Encode()))
	if err != nil {
		return false, fmt.Errorf("revoke the token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return false, providerFailure(prov.cfg.Issuer, "revoke the token", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return false, &Problem{Code: CodeProviderError, Message: fmt.Sprintf("the provider answered the revocation with HTTP %s", resp.Status)}
	}
	return true, nil
}

// endSessionURL is the provider's RP-initiated logout page. It names the client rather than
// passing the ID token as id_token_hint: no token is ever put in a URL.
func endSessionURL(prov *provider) string {
	u, err := url.Parse(prov.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", prov.cfg.ClientID)
	u.RawQuery = q.Encode()
	return u.String()
}
