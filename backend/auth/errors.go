package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"golang.org/x/oauth2"
)

// Problem is a failure a person can act on: a stable Code for clients, a Message saying what
// happened and a Hint saying what to do. Its cause is kept for the log; no cause ever holds a
// token (the provider's error responses do not carry any, and requests never put one in a URL).
type Problem struct {
	Code    string
	Message string
	Hint    string
	cause   error
}

func (p *Problem) Error() string {
	if p.cause != nil {
		return p.Message + ": " + p.cause.Error()
	}
	return p.Message
}

func (p *Problem) Unwrap() error { return p.cause }

// Is matches another Problem with the same Code, so errors.Is(err, auth.ErrCancelled) works.
func (p *Problem) Is(target error) bool {
	t, ok := target.(*Problem)
	return ok && t.Code == p.Code
}

// notice is the Problem as the UI shows it.
func (p *Problem) notice() *Notice { return &Notice{Code: p.Code, Message: p.Message, Hint: p.Hint} }

// Problem codes.
const (
	CodeInvalid             = "bad_request"          // a setting is wrong
	CodeNotConfigured       = "auth_not_configured"  // no issuer or client ID yet
	CodeProviderUnreachable = "provider_unreachable" // network trouble talking to the provider
	CodeProviderError       = "provider_error"       // the provider answered, but not usefully
	CodeCancelled           = "sign_in_cancelled"    // the person cancelled, here or at the provider
	CodeTimedOut            = "sign_in_timeout"      // nobody finished the sign-in in time
	CodeRejected            = "sign_in_rejected"     // the response failed a check (state, code, ID token)
	CodeClockSkew           = "clock_skew"           // this computer's clock is far off the provider's
	CodeSessionEnded        = "session_ended"        // the provider no longer accepts the refresh token
	CodeSignedOut           = "signed_out"           // a token was asked for while signed out
	CodeBusy                = "conflict"             // e.g. signing in while signed in
	CodeKeyringLocked       = "keyring_locked"       // the keyring is locked
	CodeKeyringUnavailable  = "keyring_unavailable"  // there is no keyring
)

// Sentinels to test errors with errors.Is.
var (
	ErrNotConfigured       = &Problem{Code: CodeNotConfigured}
	ErrProviderUnreachable = &Problem{Code: CodeProviderUnreachable}
	ErrProviderError       = &Problem{Code: CodeProviderError}
	ErrCancelled           = &Problem{Code: CodeCancelled}
	ErrTimedOut            = &Problem{Code: CodeTimedOut}
	ErrRejected            = &Problem{Code: CodeRejected}
	ErrClockSkew           = &Problem{Code: CodeClockSkew}
	ErrSessionEnded        = &Problem{Code: CodeSessionEnded}
	ErrSignedOut           = &Problem{Code: CodeSignedOut}
	ErrBusy                = &Problem{Code: CodeBusy}
	ErrInvalid             = &Problem{Code: CodeInvalid}
)

func invalid(msg, hint string) *Problem { return &Problem{Code: CodeInvalid, Message: msg, Hint: hint} }

func notConfigured() *Problem {
	return &Problem{Code: CodeNotConfigured, Message: "sign-in is not set up",
		Hint: "Enter your provider's issuer URL and this app's client ID under Settings → Account."}
}

func rejected(msg string, cause error) *Problem {
	return &Problem{Code: CodeRejected, Message: msg, cause: cause,
		Hint: "Try signing in again. If it keeps happening, check the issuer URL and client ID, and that the client allows the redirect URI http://127.0.0.1/callback."}
}

func cancelled(msg string) *Problem {
	return &Problem{Code: CodeCancelled, Message: msg, Hint: "Sign in again whenever you are ready."}
}

func timedOut(d time.Duration) *Problem {
	return &Problem{Code: CodeTimedOut, Message: fmt.Sprintf("the sign-in was not finished within %s", d.Round(time.Second)),
		Hint: "Start the sign-in again and finish it in the browser."}
}

func sessionEnded(cause error) *Problem {
	return &Problem{Code: CodeSessionEnded, Message: "your sign-in has ended: the provider no longer accepts it (signed out elsewhere, revoked, or expired)", cause: cause,
		Hint: "Sign in again."}
}

// providerFailure classifies a failed exchange with the provider: network trouble, or an answer
// that is an error. what says what was being done ("exchange the code").
func providerFailure(issuer, what string, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var re *oauth2.RetrieveError
	var ue *url.Error
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return &Problem{Code: CodeProviderUnreachable, Message: fmt.Sprintf("the sign-in provider at %s did not answer in time (%s)", issuer, what), cause: err,
			Hint: "Check your internet connection, then try again."}
	case errors.As(err, &re):
		msg := fmt.Sprintf("the sign-in provider refused to %s", what)
		if re.ErrorCode != "" {
			msg += ": " + re.ErrorCode
			if re.ErrorDescription != "" {
				msg += " (" + re.ErrorDescription + ")"
			}
		} else if re.Response != nil {
			msg += ": HTTP " + re.Response.Status
		}
		return &Problem{Code: CodeProviderError, Message: msg, Hint: "Try again. If it keeps happening, check the client's settings at the provider."}
	case errors.As(err, &ue), errors.As(err, &ne):
		return &Problem{Code: CodeProviderUnreachable, Message: fmt.Sprintf("could not reach the sign-in provider at %s", issuer), cause: err,
			Hint: "Check your internet connection and the issuer URL in Settings, then try again."}
	default:
		return &Problem{Code: CodeProviderError, Message: fmt.Sprintf("could not %s with the sign-in provider at %s", what, issuer), cause: err,
			Hint: "Try again. If it keeps happening, check the issuer URL in Settings."}
	}
}
