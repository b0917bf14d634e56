//go:build linux

package auth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/auth"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/oidctest"
)

// The example provider's access tokens live 5 minutes.
const accessLifetime = 5 * time.Minute

// Many callers asking for a token as it nears expiry cause exactly one refresh; the provider
// rotates the refresh token, the old one dies, and the keyring holds the new one.
func TestRefreshIsSingleFlightAndRotates(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.signIn()
	h.waitState(auth.StateSignedIn)
	first := h.token()
	oldRefresh, _, _ := h.saved()
	if again := h.token(); again != first || h.op.TokenRequests("refresh_token") != 0 {
		t.Fatal("a fresh token was refreshed")
	}

	// 30 s before expiry: inside the refresh margin, so the token is replaced before it runs out.
	h.clock.advance(accessLifetime - 30*time.Second)
	const callers = 40
	var wg sync.WaitGroup
	got := make([]string, callers)
	errs := make([]error, callers)
	start := make(chan struct{})
	for i := range callers {
		wg.Go(func() {
			<-start
			got[i], errs[i] = h.svc.Token(context.Background())
		})
	}
	close(start)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || got[i] != got[0] {
			t.Fatalf("caller %d: %v (token same as caller 0: %v)", i, errs[i], got[i] == got[0])
		}
	}
	if n := h.op.TokenRequests("refresh_token"); n != 1 {
		t.Fatalf("%d refreshes for %d simultaneous callers, want 1", n, callers)
	}
	second := got[0]
	if second == first {
		t.Fatal("the access token was not replaced")
	}
	if sub, err := h.userinfoSubject(second); err != nil || sub != oidctest.UserID {
		t.Fatalf("the refreshed token: %q, %v", sub, err)
	}
	newRefresh, savedAccess, _ := h.saved()
	if newRefresh == "" || newRefresh == oldRefresh || savedAccess != second {
		t.Fatal("the keyring does not hold the rotated tokens")
	}
	if _, err := h.op.Refresh(context.Background(), oldRefresh); err == nil {
		t.Fatal("the old refresh token still works after rotation")
	}
	if a := h.svc.Account(); a.State != auth.StateSignedIn || a.Profile.Email != oidctest.Email {
		t.Fatalf("account after refresh: %+v", a)
	}
	assertNoTokenLeaks(t, h, []string{first, second, oldRefresh, newRefresh})
}

// An access token already past its expiry is never handed out: it is refreshed first.
func TestExpiredAccessTokenIsRefreshed(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.signIn()
	h.waitState(auth.StateSignedIn)
	first := h.token()
	h.clock.advance(accessLifetime + time.Minute)
	second := h.token()
	if second == first || h.op.TokenRequests("refresh_token") != 1 {
		t.Fatalf("expired token handed out again (refreshes: %d)", h.op.TokenRequests("refresh_token"))
	}
	if _, err := h.userinfoSubject(second); err != nil {
		t.Fatalf("the refreshed token: %v", err)
	}
}

// When the provider has ended the session (revoked elsewhere), the next refresh fails once,
// clearly, and the app is signed out with tokens removed.
func TestSessionEndedAtTheProvider(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.signIn()
	h.waitState(auth.StateSignedIn)
	ctx := context.Background()
	if err := h.op.EndAllSessions(ctx); err != nil {
		t.Fatal(err)
	}
	h.clock.advance(accessLifetime)
	_, err := h.svc.Token(ctx)
	if !errors.Is(err, auth.ErrSessionEnded) {
		t.Fatalf("Token after the provider ended the session: %v", err)
	}
	a := h.svc.Account()
	if a.State != auth.StateSignedOut || a.Error == nil || a.Error.Code != auth.CodeSessionEnded || a.Error.Hint == "" {
		t.Fatalf("account: %+v", a)
	}
	if sa := a.Summary(); sa.State != status.AccountError || sa.Error == "" {
		t.Fatalf("the status shows %+v, want an account error needing attention", sa)
	}
	if accts := h.kr.Accounts(keyringService); len(accts) != 0 {
		t.Fatalf("an ended session stays in the keyring: %v", accts)
	}
	if _, err := h.svc.Token(ctx); !errors.Is(err, auth.ErrSignedOut) {
		t.Fatalf("Token afterwards: %v", err)
	}
}

// A provider that cannot be reached does not end the session: the tokens stay, and the next
// call after it is back succeeds.
func TestProviderUnreachableDuringRefresh(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.signIn()
	h.waitState(auth.StateSignedIn)
	ctx := context.Background()
	h.op.Stop()
	h.clock.advance(accessLifetime)
	_, err := h.svc.Token(ctx)
	var p *auth.Problem
	if !errors.As(err, &p) || p.Code != auth.CodeProviderUnreachable || p.Hint == "" {
		t.Fatalf("Token with the provider down: %v", err)
	}
	if a := h.svc.Account(); a.State != auth.StateSignedIn {
		t.Fatalf("the session was dropped because the provider was down: %+v", a)
	}
	if refresh, _, ok := h.saved(); !ok || refresh == "" {
		t.Fatal("the keyring lost the session while the provider was down")
	}
	h.op.Restart()
	if sub, err := h.userinfoSubject(h.token()); err != nil || sub != oidctest.UserID {
		t.Fatalf("after the provider came back: %q, %v", sub, err)
	}
}

// A sign-out while a refresh is writing its tokens to the keyring leaves nothing behind: the
// refresh's result is dropped and sign-out removes whatever it wrote.
func TestSignOutDuringRefresh(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.signIn()
	h.waitState(auth.StateSignedIn)
	ctx := context.Background()
	h.clock.advance(accessLifetime)
	entered, release := h.secrets.hold()
	refreshed := make(chan error, 1)
	go func() { _, err := h.svc.Token(ctx); refreshed <- err }()
	<-entered // the refresh has its new tokens and is writing them
	signedOut := make(chan error, 1)
	go func() { _, err := h.svc.SignOut(ctx, auth.SignOutOptions{}); signedOut <- err }()
	h.waitState(auth.StateSignedOut)
	// Give a sign-out that does not wait for the write every chance to finish first.
	time.Sleep(200 * time.Millisecond)
	release()
	for name, ch := range map[string]chan error{"Token": refreshed, "SignOut": signedOut} {
		select {
		case err := <-ch:
			if name == "SignOut" && err != nil {
				t.Fatal(err)
			}
			if name == "Token" && !errors.Is(err, auth.ErrSignedOut) {
				t.Fatalf("Token racing a sign-out: %v, want ErrSignedOut", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s did not return", name)
		}
	}
	if a := h.svc.Account(); a.State != auth.StateSignedOut {
		t.Fatalf("a refresh brought the session back after sign-out: %+v", a)
	}
	if accts := h.kr.Accounts(keyringService); len(accts) != 0 {
		t.Fatalf("keyring items after sign-out during a refresh: %v", accts)
	}
}

// Without offline_access the provider issues no refresh token: the session ends with the access
// token, the account says when, the status warns as it nears, and then it ends clearly.
func TestSessionWithoutRefreshToken(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	if _, err := h.svc.Configure(ctx, auth.Config{Issuer: h.op.Issuer, ClientID: h.op.ClientID, Scopes: []string{"openid", "profile", "email"}}); err != nil {
		t.Fatal(err)
	}
	h.signIn()
	a := h.waitState(auth.StateSignedIn)
	if a.EndsAt.IsZero() || a.EndsAt.Sub(h.clock.now()) > accessLifetime+time.Second {
		t.Fatalf("EndsAt %v, want the access token's expiry", a.EndsAt)
	}
	if sa := a.Summary(); sa.State != status.Expiring || sa.ExpiresAt.IsZero() {
		t.Fatalf("status %+v, want expiring", sa)
	}
	if refresh, _, _ := h.saved(); refresh != "" {
		t.Fatal("a refresh token was stored although none was asked for")
	}
	if _, err := h.userinfoSubject(h.token()); err != nil {
		t.Fatal(err)
	}
	h.clock.advance(accessLifetime)
	if _, err := h.svc.Token(ctx); !errors.Is(err, auth.ErrSessionEnded) {
		t.Fatalf("Token after the access token expired without a refresh token: %v", err)
	}
	if a := h.svc.Account(); a.State != auth.StateSignedOut || a.Error == nil || !strings.Contains(a.Error.Message, "ended") {
		t.Fatalf("account: %+v", a)
	}
	if n := h.op.TokenRequests("refresh_token"); n != 0 {
		t.Fatalf("%d refresh attempts without a refresh token", n)
	}
}
