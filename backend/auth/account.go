package auth

import (
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
)

// Account states.
const (
	StateUnconfigured = "unconfigured" // no provider set up
	StateSignedOut    = "signedOut"
	StateSigningIn    = "signingIn" // waiting for the person in the browser or on another device
	StateSignedIn     = "signedIn"
)

// Account is what the UI shows about sign-in. It never holds a token.
type Account struct {
	State  string `json:"state"`
	Config Config `json:"config"`
	// Profile is who is signed in, from the verified ID token (or the userinfo endpoint).
	Profile *Profile `json:"profile,omitempty"`
	// Remembered says the session is in the OS keyring and survives a restart.
	Remembered bool `json:"remembered"`
	// Keyring says why the session is not (or could not be) remembered.
	Keyring *Notice `json:"keyring,omitempty"`
	// Pending is the sign-in in progress.
	Pending *Pending `json:"pending,omitempty"`
	// Error is why the last sign-in failed or the session ended.
	Error *Notice `json:"error,omitempty"`
	// EndsAt is when the session ends unless the person signs in again (see session.endsAt);
	// absent when it is renewed silently for as long as the provider allows.
	EndsAt time.Time `json:"endsAt,omitzero"`
}

// Profile is who is signed in.
type Profile struct {
	Subject string `json:"subject"`
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
	Picture string `json:"picture,omitempty"`
}

// Pending is a sign-in waiting for the person.
type Pending struct {
	// Method is "browser" or "device".
	Method    string    `json:"method"`
	ExpiresAt time.Time `json:"expiresAt"`
	// For the device grant: the code to enter and where.
	UserCode                string `json:"userCode,omitempty"`
	VerificationURI         string `json:"verificationUri,omitempty"`
	VerificationURIComplete string `json:"verificationUriComplete,omitempty"`
}

// Notice is a message for the person: what happened and what to do.
type Notice struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

func (s *Service) accountLocked() Account {
	a := Account{Config: s.cfg, Error: s.lastErr, Keyring: s.keyring}
	if a.Config.Scopes == nil {
		a.Config.Scopes = []string{}
	}
	switch {
	case s.sess != nil:
		a.State = StateSignedIn
		p := s.sess.profile
		a.Profile = &p
		a.Remembered = s.sess.remembered
		a.EndsAt = s.sess.endsAt
	case s.pending != nil:
		a.State = StateSigningIn
	case !s.cfg.Configured():
		a.State = StateUnconfigured
	default:
		a.State = StateSignedOut
	}
	if s.pending != nil {
		p := s.pending.info
		a.Pending = &p
	}
	return a
}

// Summary is the account as the connection-state model (backend/status) shows it: an ended
// session needs the person's attention; a sign-in that was cancelled or failed does not (the
// settings screen shows why).
func (a Account) Summary() status.Account {
	switch {
	case a.State == StateSignedIn:
		sa := status.Account{State: status.SignedIn, Email: a.Profile.Email, Name: a.Profile.Name, ExpiresAt: a.EndsAt}
		if !a.EndsAt.IsZero() && time.Until(a.EndsAt) < expiringWarning {
			sa.State = status.Expiring
		}
		if a.Keyring != nil {
			sa.Hint = a.Keyring.Message
		}
		return sa
	case a.Error != nil && a.Error.Code == CodeSessionEnded:
		return status.Account{State: status.AccountError, Error: a.Error.Message, Hint: a.Error.Hint}
	default:
		return status.Account{State: status.SignedOut}
	}
}
