package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/secrets"
)

// The session is kept in two keyring items per provider and client: the refresh token with the
// profile, and the access token. Split because Windows' credential store holds at most 2560 bytes
// per item and a JWT access token alone can come close; the refresh token is what must survive.
type savedSession struct {
	RefreshToken string    `json:"refreshToken,omitempty"`
	Profile      Profile   `json:"profile"`
	EndsAt       time.Time `json:"endsAt,omitzero"`
}

type savedAccess struct {
	AccessToken string    `json:"accessToken"`
	TokenType   string    `json:"tokenType,omitempty"`
	Expiry      time.Time `json:"expiry,omitzero"`
}

func accessAccount(account string) string { return account + " access" }

// save puts the session in the keyring. It reports why it could not as a Notice for the person;
// the session goes on in memory either way.
func (s *Service) save(ctx context.Context, cfg Config, sess *session) *Notice {
	ctx, cancel := s.keyringCtx(ctx)
	defer cancel()
	main, _ := json.Marshal(savedSession{RefreshToken: sess.token.RefreshToken, Profile: sess.profile, EndsAt: sess.endsAt})
	if err := s.opts.Secrets.Set(ctx, cfg.account(), string(main)); err != nil {
		s.log.Warn("sign-in not saved in the keyring", "error", err)
		return keyringNotice(err, "will not be remembered after the app quits")
	}
	access, _ := json.Marshal(savedAccess{AccessToken: sess.token.AccessToken, TokenType: sess.token.TokenType, Expiry: sess.token.Expiry})
	if err := s.opts.Secrets.Set(ctx, accessAccount(cfg.account()), string(access)); err != nil {
		// Without it the next start simply refreshes first.
		s.log.Info("access token not saved in the keyring; it will be refreshed on the next start", "error", err)
		s.opts.Secrets.Delete(ctx, accessAccount(cfg.account()))
	}
	return nil
}

// load reads a saved session. It returns nil, nil when there is none.
func (s *Service) load(ctx context.Context, cfg Config) (*session, error) {
	ctx, cancel := s.keyringCtx(ctx)
	defer cancel()
	raw, err := s.opts.Secrets.Get(ctx, cfg.account())
	if errors.Is(err, secrets.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var saved savedSession
	if err := json.Unmarshal([]byte(raw), &saved); err != nil || saved.Profile.Subject == "" {
		return nil, fmt.Errorf("the saved sign-in is not readable; it is ignored")
	}
	tok := &oauth2.Token{RefreshToken: saved.RefreshToken}
	if raw, err := s.opts.Secrets.Get(ctx, accessAccount(cfg.account())); err == nil {
		var a savedAccess
		if json.Unmarshal([]byte(raw), &a) == nil {
			tok.AccessToken, tok.TokenType, tok.Expiry = a.AccessToken, a.TokenType, a.Expiry
		}
	}
	if tok.RefreshToken == "" && tok.AccessToken == "" {
		return nil, nil
	}
	return &session{token: tok, profile: saved.Profile, remembered: true, endsAt: saved.EndsAt}, nil
}

// forget deletes the saved session.
func (s *Service) forget(ctx context.Context, cfg Config) error {
	ctx, cancel := s.keyringCtx(ctx)
	defer cancel()
	err := s.opts.Secrets.Delete(ctx, cfg.account())
	if err2 := s.opts.Secrets.Delete(ctx, accessAccount(cfg.account())); err == nil {
		err = err2
	}
	return err
}

// keyringNotice explains a keyring failure; consequence says what it means for the session.
func keyringNotice(err error, consequence string) *Notice {
	switch {
	case errors.Is(err, secrets.ErrLocked):
		return &Notice{Code: CodeKeyringLocked, Message: "The keyring is locked, so your sign-in " + consequence + ".",
			Hint: "Unlock your keyring (log in to your desktop session, or open Passwords and Keys and unlock \"Login\"), then sign in again."}
	case errors.Is(err, secrets.ErrUnavailable):
		return &Notice{Code: CodeKeyringUnavailable, Message: "There is no keyring (Secret Service) on this system, so your sign-in " + consequence + ".",
			Hint: "Install and start a Secret Service such as GNOME Keyring or KWallet to be remembered."}
	default:
		return &Notice{Code: CodeKeyringUnavailable, Message: "The keyring did not accept your sign-in, so it " + consequence + ".",
			Hint: "Check that your keyring works (e.g. with Passwords and Keys); the app's log has details."}
	}
}

// Restore signs in with the session saved in the keyring for the current provider, if any. It
// may wait for the keyring to be unlocked, so the app runs it in the background.
func (s *Service) Restore(ctx context.Context) {
	s.mu.Lock()
	cfg, busy := s.cfg, s.sess != nil || s.pending != nil
	gen := s.gen
	s.mu.Unlock()
	if !cfg.Configured() || busy {
		return
	}
	sess, err := s.load(ctx, cfg)
	s.mu.Lock()
	if s.gen != gen || s.sess != nil || s.pending != nil {
		s.mu.Unlock()
		return
	}
	switch {
	case err != nil:
		s.keyring = keyringNotice(err, "could not be read")
		s.log.Warn("saved sign-in not read from the keyring", "error", err)
	case sess != nil:
		s.sess = sess
		s.gen++
		s.keyring = nil
		s.watchEndLocked()
		s.log.Info("signed in from the keyring", "issuer", cfg.Issuer, "subject", sess.profile.Subject)
	}
	s.mu.Unlock()
	s.notify()
}
