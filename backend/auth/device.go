package auth

import (
	"context"
	"errors"
	"time"

	"golang.org/x/oauth2"
)

// SignInDevice starts the device authorization grant (RFC 8628), for when no browser can be
// opened here: the Account's Pending holds the code and the address where the person enters it,
// on any device. The app polls the provider in the background; the outcome arrives as an
// account.changed event.
func (s *Service) SignInDevice(ctx context.Context) (Account, error) {
	prov, err := s.beginSignIn(ctx)
	if err != nil {
		return Account{}, err
	}
	oc := prov.oauth("")
	if oc.Endpoint.DeviceAuthURL == "" {
		err := &Problem{Code: CodeProviderError, Message: "this provider does not offer signing in with a code (device authorization)",
			Hint: "Use Sign in with the browser instead, or enable the device authorization grant for this client at the provider."}
		s.failed(err)
		return Account{}, err
	}
	da, err := oc.DeviceAuth(s.httpCtx(ctx), prov.authParams()...)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && (re.ErrorCode == "unauthorized_client" || re.ErrorCode == "invalid_client") {
			err = &Problem{Code: CodeProviderError, Message: "the provider does not let this client sign in with a code (" + re.ErrorCode + ")",
				Hint: "Enable the device authorization grant for this client at the provider, or sign in with the browser."}
		} else {
			err = providerFailure(prov.cfg.Issuer, "start a sign-in with a code", err)
		}
		s.failed(err)
		return Account{}, err
	}
	expires := s.signInDeadline()
	if !da.Expiry.IsZero() && da.Expiry.Before(expires) {
		// da.Expiry is by the real clock; keep the service's clock for everything it shows.
		expires = s.now().Add(time.Until(da.Expiry))
	}
	p, fctx, err := s.startPending(Pending{Method: "device", ExpiresAt: expires,
		UserCode: da.UserCode, VerificationURI: da.VerificationURI, VerificationURIComplete: da.VerificationURIComplete})
	if err != nil {
		return Account{}, err
	}
	go func() {
		tok, err := oc.DeviceAccessToken(s.httpCtx(fctx), da, prov.authParams()...)
		var sess *session
		if err == nil {
			// No nonce: the device grant has none; the token came straight from the token endpoint.
			sess, err = s.newSession(fctx, prov, tok, "")
		} else {
			err = deviceFailure(fctx, prov.cfg.Issuer, err)
		}
		if fctx.Err() != nil {
			err = endedBy(fctx)
		}
		s.finish(fctx, p, sess, err)
	}()
	s.notify()
	return s.Account(), nil
}

func deviceFailure(ctx context.Context, issuer string, err error) error {
	var re *oauth2.RetrieveError
	switch {
	case ctx.Err() != nil:
		return endedBy(ctx)
	case errors.As(err, &re) && re.ErrorCode == "access_denied":
		return cancelled("the sign-in was declined on the other device")
	case errors.As(err, &re) && re.ErrorCode == "expired_token", errors.Is(err, context.DeadlineExceeded):
		return &Problem{Code: CodeTimedOut, Message: "the code expired before the sign-in was finished", Hint: "Start again and enter the new code."}
	default:
		return providerFailure(issuer, "finish the sign-in with a code", err)
	}
}
