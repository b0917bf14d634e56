//go:build linux

package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/auth"
)

// Every way a sign-in response can be wrong is refused: the browser says so, the account shows
// why, and nothing reaches the keyring.
func TestSignInRejects(t *testing.T) {
	attackerKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		setup    func(h *harness)
		authURL  func(h *harness, u string) string // what the browser opens instead of u
		wantCode string
		wantText string // in the account's error message
	}{
		{
			name: "tampered state",
			authURL: func(h *harness, u string) string {
				pu, _ := url.Parse(u)
				q := pu.Query()
				q.Set("state", q.Get("state")+"x")
				pu.RawQuery = q.Encode()
				return pu.String()
			},
			wantCode: auth.CodeRejected, wantText: "state",
		},
		{
			name: "wrong issuer",
			setup: func(h *harness) {
				h.op.TamperIDTokens(func(c map[string]any) *rsa.PrivateKey { c["iss"] = "https://evil.example"; return nil })
			},
			wantCode: auth.CodeRejected, wantText: "different provider",
		},
		{
			name: "wrong audience",
			setup: func(h *harness) {
				h.op.TamperIDTokens(func(c map[string]any) *rsa.PrivateKey { c["aud"] = []string{"another-client"}; return nil })
			},
			wantCode: auth.CodeRejected, wantText: "different client",
		},
		{
			name: "wrongly signed",
			setup: func(h *harness) {
				h.op.TamperIDTokens(func(c map[string]any) *rsa.PrivateKey { return attackerKey })
			},
			wantCode: auth.CodeRejected, wantText: "signature",
		},
		{
			name: "wrong nonce",
			setup: func(h *harness) {
				h.op.TamperIDTokens(func(c map[string]any) *rsa.PrivateKey { c["nonce"] = "replayed"; return nil })
			},
			wantCode: auth.CodeRejected, wantText: "nonce",
		},
		{
			name:     "expired ID token",
			setup:    func(h *harness) { h.op.SetIDTokenLifetime(-time.Minute) },
			wantCode: auth.CodeRejected, wantText: "expired",
		},
		{
			name:     "clock far ahead",
			setup:    func(h *harness) { h.clock.set(2 * time.Hour) },
			wantCode: auth.CodeClockSkew, wantText: "about 2 hours ahead of",
		},
		{
			name:     "clock far behind",
			setup:    func(h *harness) { h.clock.set(-3 * 24 * time.Hour) },
			wantCode: auth.CodeClockSkew, wantText: "about 3 days behind",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{})
			if tt.setup != nil {
				tt.setup(h)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if _, err := h.svc.SignIn(ctx); err != nil {
				t.Fatal(err)
			}
			u := h.nextOpened()
			if tt.authURL != nil {
				u = tt.authURL(h, u)
			}
			page, err := h.browser.SignIn(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(page.Body, "Sign-in did not work") {
				t.Fatalf("the browser shows %.500s", page.Body)
			}
			a := h.waitState(auth.StateSignedOut)
			if a.Error == nil || a.Error.Code != tt.wantCode || !strings.Contains(a.Error.Message, tt.wantText) || a.Error.Hint == "" {
				t.Fatalf("account error %+v, want code %s mentioning %q", a.Error, tt.wantCode, tt.wantText)
			}
			if !strings.Contains(page.Body, tt.wantText) {
				t.Fatalf("the browser page does not say why (%q): %.600s", tt.wantText, page.Body)
			}
			if accts := h.kr.Accounts(keyringService); len(accts) != 0 {
				t.Fatalf("a rejected sign-in reached the keyring: %v", accts)
			}
			if _, err := h.svc.Token(ctx); !errors.Is(err, auth.ErrSignedOut) {
				t.Fatalf("Token after a rejected sign-in: %v", err)
			}
		})
	}
}

// A code seen once (say, in a leaked browser history) cannot sign anyone in again: the provider
// refuses it, even when it is delivered with a valid state to a new sign-in.
func TestReplayedCodeIsRejected(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.signIn()
	h.waitState(auth.StateSignedIn)
	oldCode := h.browser.Callback().Query().Get("code")
	ctx := context.Background()
	if _, err := h.svc.SignOut(ctx, auth.SignOutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	au, _ := url.Parse(h.nextOpened())
	redirect, _ := url.Parse(au.Query().Get("redirect_uri"))
	q := url.Values{"code": {oldCode}, "state": {au.Query().Get("state")}}
	redirect.RawQuery = q.Encode()
	page, err := h.browser.Open(ctx, redirect.String())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.Body, "did not accept the authorization code") {
		t.Fatalf("the browser shows %.500s", page.Body)
	}
	a := h.waitState(auth.StateSignedOut)
	if a.Error == nil || a.Error.Code != auth.CodeRejected {
		t.Fatalf("account after a replayed code: %+v", a)
	}
	if accts := h.kr.Accounts(keyringService); len(accts) != 0 {
		t.Fatalf("a replayed code reached the keyring: %v", accts)
	}
}
