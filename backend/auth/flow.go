package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// pending is a sign-in in progress.
type pending struct {
	info   Pending
	cancel context.CancelCauseFunc
	done   chan struct{} // closed when the flow has finished
}

// beginSignIn checks that a sign-in may start and discovers the provider.
func (s *Service) beginSignIn(ctx context.Context) (*provider, error) {
	s.mu.Lock()
	sess := s.sess
	s.mu.Unlock()
	if sess != nil {
		return nil, &Problem{Code: CodeBusy, Message: "already signed in as " + who(sess.profile), Hint: "Sign out first to sign in with another account."}
	}
	prov, err := s.discover(ctx)
	if err != nil {
		s.failed(err)
		return nil, err
	}
	return prov, nil
}

// startPending records a new sign-in, cancelling one still in progress. Its context ends when
// the sign-in is cancelled or times out, with the reason as its cause.
func (s *Service) startPending(info Pending) (*pending, context.Context, error) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ctx, stop := context.WithTimeoutCause(ctx, info.ExpiresAt.Sub(s.now()), timedOut(info.ExpiresAt.Sub(s.now())))
	p := &pending{info: info, done: make(chan struct{}), cancel: func(cause error) { cancel(cause); stop() }}
	s.mu.Lock()
	if s.sess != nil {
		s.mu.Unlock()
		p.cancel(nil)
		return nil, nil, &Problem{Code: CodeBusy, Message: "already signed in", Hint: "Sign out first to sign in with another account."}
	}
	old := s.pending
	s.pending = p
	s.lastErr = nil
	s.mu.Unlock()
	if old != nil {
		old.cancel(cancelled("a new sign-in was started"))
	}
	return p, ctx, nil
}

// finish ends the sign-in p with a session or an error, unless another sign-in replaced it.
func (s *Service) finish(ctx context.Context, p *pending, sess *session, err error) error {
	defer close(p.done)
	s.mu.Lock()
	current, cfg := s.pending == p, s.cfg
	s.mu.Unlock()
	if !current {
		return cancelled("a new sign-in was started")
	}
	var notice *Notice
	if err == nil {
		notice = s.save(ctx, cfg, sess)
	}
	s.mu.Lock()
	if s.pending != p {
		s.mu.Unlock()
		if err == nil && notice == nil {
			s.forget(ctx, cfg)
		}
		return cancelled("a new sign-in was started")
	}
	s.pending = nil
	if err != nil {
		s.lastErr = problemOf(err).notice()
		s.mu.Unlock()
		s.log.Info("sign-in failed", "method", p.info.Method, "error", err)
		s.notify()
		return err
	}
	sess.remembered = notice == nil
	s.sess = sess
	s.gen++
	s.keyring = notice
	s.lastErr = nil
	s.watchEndLocked()
	s.mu.Unlock()
	s.log.Info("signed in", "method", p.info.Method, "issuer", cfg.Issuer, "subject", sess.profile.Subject, "remembered", sess.remembered)
	s.notify()
	return nil
}

// failed records a sign-in that could not even start.
func (s *Service) failed(err error) {
	s.mu.Lock()
	s.lastErr = problemOf(err).notice()
	s.mu.Unlock()
	s.notify()
}

// Cancel stops the sign-in in progress, if any.
func (s *Service) Cancel(ctx context.Context) (Account, error) {
	s.mu.Lock()
	p := s.pending
	s.mu.Unlock()
	if p != nil {
		p.cancel(cancelled("you cancelled the sign-in"))
		select {
		case <-p.done:
		case <-ctx.Done():
			return Account{}, ctx.Err()
		}
	}
	return s.Account(), nil
}

// newSession verifies what the token endpoint returned and builds the session from it.
func (s *Service) newSession(ctx context.Context, prov *provider, tok *oauth2.Token, nonce string) (*session, error) {
	profile, err := s.verifyIDToken(ctx, prov, tok, nonce)
	if err != nil {
		return nil, err
	}
	profile = s.completeProfile(ctx, prov, tok, profile)
	return &session{token: tok, profile: profile, endsAt: sessionEnd(tok, s.now())}, nil
}

// endedBy says why a sign-in's context ended.
func endedBy(ctx context.Context) error {
	var p *Problem
	if errors.As(context.Cause(ctx), &p) {
		return p
	}
	return cancelled("the sign-in was cancelled")
}

// problemOf makes any error a Problem for the UI.
func problemOf(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	return &Problem{Code: CodeProviderError, Message: err.Error(), Hint: "Try again; the app's log has details.", cause: err}
}

func who(p Profile) string {
	switch {
	case p.Email != "":
		return p.Email
	case p.Name != "":
		return p.Name
	default:
		return fmt.Sprintf("user %s", p.Subject)
	}
}

// signInDeadline is when a sign-in started now gives up.
func (s *Service) signInDeadline() time.Time { return s.now().Add(s.opts.SignInTimeout) }
