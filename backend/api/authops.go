package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/auth"
)

// registerAuth adds the sign-in operations. None is open to remote callers: signing the desktop
// in or out, or pointing it at another provider, is for the person at the desktop.
func (o *Ops) registerAuth(a *auth.Service) {
	reg := func(name string, f func(ctx context.Context, args json.RawMessage) (any, error)) {
		o.ops[name] = op{remote: false, call: authErrors(f)}
	}
	reg("auth.get", handle(func(ctx context.Context, _ struct{}) (auth.Account, error) {
		return a.Account(), nil
	}))
	reg("auth.configure", handle(a.Configure))
	reg("auth.signIn", handle(func(ctx context.Context, _ struct{}) (auth.SignInStarted, error) {
		return a.SignIn(ctx)
	}))
	reg("auth.signInDevice", handle(func(ctx context.Context, _ struct{}) (auth.Account, error) {
		return a.SignInDevice(ctx)
	}))
	reg("auth.cancel", handle(func(ctx context.Context, _ struct{}) (auth.Account, error) {
		return a.Cancel(ctx)
	}))
	reg("auth.signOut", handle(a.SignOut))
	reg("auth.picture", handle(func(ctx context.Context, _ struct{}) (picture, error) {
		u, err := a.Picture(ctx)
		return picture{DataURL: u}, err
	}))
}

// picture is the signed-in person's picture as a data: URL ("" when there is none to show).
type picture struct {
	DataURL string `json:"dataUrl"`
}

// authErrors turns the sign-in's Problems into API errors with the same code, message and hint.
func authErrors(f func(context.Context, json.RawMessage) (any, error)) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, args json.RawMessage) (any, error) {
		res, err := f(ctx, args)
		var p *auth.Problem
		if err != nil && errors.As(err, &p) {
			return nil, newError(authStatus(p.Code), p.Code, p.Message, p.Hint)
		}
		return res, err
	}
}

func authStatus(code string) int {
	switch code {
	case auth.CodeInvalid, auth.CodeNotConfigured, auth.CodeClockSkew:
		return http.StatusBadRequest
	case auth.CodeBusy, auth.CodeCancelled:
		return http.StatusConflict
	case auth.CodeSignedOut, auth.CodeSessionEnded, auth.CodeRejected:
		return http.StatusUnauthorized
	case auth.CodeTimedOut:
		return http.StatusRequestTimeout
	case auth.CodeProviderUnreachable, auth.CodeKeyringLocked, auth.CodeKeyringUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusBadGateway
	}
}
