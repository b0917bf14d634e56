//go:build linux

package auth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/auth"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/oidctest"
)

// The whole life of a session: PKCE sign-in in the browser, tokens in the keyring, the app
// restarting and finding them, sign-out revoking and deleting them.
func TestBrowserSignInKeyringRestartSignOut(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	if a := h.svc.Account(); a.State != auth.StateSignedOut {
		t.Fatalf("before sign-in: %+v", a)
	}
	page := h.signIn()
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Signed in") || !strings.Contains(page.Body, oidctest.Name) {
		t.Fatalf("the browser shows %d: %.500s", page.Status, page.Body)
	}
	a := h.waitState(auth.StateSignedIn)
	want := auth.Profile{Subject: oidctest.UserID, Name: oidctest.Name, Email: oidctest.Email, Picture: h.op.Issuer + "/pictures/" + oidctest.UserID + ".png"}
	if *a.Profile != want || !a.Remembered || a.Keyring != nil || a.Error != nil || a.Pending != nil {
		t.Fatalf("signed in as %+v (remembered %v, keyring %+v, error %+v)", a.Profile, a.Remembered, a.Keyring, a.Error)
	}
	if got := a.Summary(); got.State != status.SignedIn || got.Email != oidctest.Email || got.Name != oidctest.Name {
		t.Fatalf("status summary %+v", got)
	}
	// The picture reaches the UI as a data: URL the app fetched (the web build may load no image
	// from elsewhere).
	pic, err := h.svc.Picture(context.Background())
	if err != nil || pic != "data:image/png;base64,"+base64.StdEncoding.EncodeToString(oidctest.Picture()) {
		t.Fatalf("Picture = %.80q, %v", pic, err)
	}

	access := h.token()
	if sub, err := h.userinfoSubject(access); err != nil || sub != oidctest.UserID {
		t.Fatalf("the access token is not live at the provider: %q, %v", sub, err)
	}
	refresh, savedAccess, ok := h.saved()
	if !ok || refresh == "" || savedAccess != access {
		t.Fatalf("keyring holds refresh %v, access matches %v, found %v", refresh != "", savedAccess == access, ok)
	}
	if got := h.op.TokenRequests("authorization_code"); got != 1 {
		t.Fatalf("%d code exchanges, want 1", got)
	}

	// The app restarts (a new process, a new D-Bus connection) and finds the session.
	child := runRestartedApp(t, h)
	if child.State != auth.StateSignedIn || child.Email != oidctest.Email || child.UserinfoSubject != oidctest.UserID || !child.Remembered {
		t.Fatalf("after a restart: %+v", child)
	}

	ctx := context.Background()
	res, err := h.svc.SignOut(ctx, auth.SignOutOptions{EndProviderSession: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Revoked || res.Warning != nil || res.Account.State != auth.StateSignedOut || res.Account.Profile != nil {
		t.Fatalf("sign-out: %+v", res)
	}
	if _, _, ok := h.saved(); ok {
		t.Fatal("the session is still in the keyring after sign-out")
	}
	if accts := h.kr.Accounts(keyringService); len(accts) != 0 {
		t.Fatalf("keyring items left after sign-out: %v", accts)
	}
	if _, err := h.userinfoSubject(access); err == nil {
		t.Fatal("the access token still works at the provider after sign-out")
	}
	if _, err := h.op.Refresh(ctx, refresh); err == nil {
		t.Fatal("the refresh token still works at the provider after sign-out: it was not revoked")
	}
	if _, err := h.svc.Token(ctx); !errors.Is(err, auth.ErrSignedOut) {
		t.Fatalf("Token after sign-out: %v, want ErrSignedOut", err)
	}
	// The provider's end-session page was opened, naming the client and carrying no token.
	end := h.nextOpened()
	if end != res.EndSessionURL || !strings.HasPrefix(end, h.op.Issuer+"/") || !strings.Contains(end, "client_id="+h.op.ClientID) || strings.Contains(end, "id_token_hint") {
		t.Fatalf("end-session URL %q (result %q)", end, res.EndSessionURL)
	}
	if pg, err := h.browser.Open(ctx, end); err != nil || pg.Status != http.StatusOK || !strings.Contains(pg.Body, "signed out") {
		t.Fatalf("the provider's end-session page: %v %+v", err, pg)
	}

	// Restarting again finds nothing.
	if child := runRestartedApp(t, h); child.State != auth.StateSignedOut {
		t.Fatalf("after sign-out and a restart: %+v", child)
	}
	assertNoTokenLeaks(t, h, []string{access, refresh}, page.Body)
}

// Providers may leave name and email out of the ID token when they issue an access token (OIDC
// Core 5.4); the app then asks the userinfo endpoint.
func TestProfileFromUserinfo(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.op.ProfileInIDToken.Store(false)
	h.signIn()
	a := h.waitState(auth.StateSignedIn)
	if a.Profile.Name != oidctest.Name || a.Profile.Email != oidctest.Email || a.Profile.Picture == "" {
		t.Fatalf("profile %+v, want it completed from userinfo", a.Profile)
	}
}

func TestDeclinedAtTheProvider(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	if _, err := h.svc.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	page, err := h.browser.Deny(ctx, h.nextOpened())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.Body, "Sign-in cancelled") || !strings.Contains(page.Body, "declined") {
		t.Fatalf("the browser shows %.400s", page.Body)
	}
	a := h.waitState(auth.StateSignedOut)
	if a.Error == nil || a.Error.Code != auth.CodeCancelled || a.Error.Hint == "" {
		t.Fatalf("account after declining: %+v", a)
	}
	if got := a.Summary().State; got != status.SignedOut {
		t.Fatalf("a declined sign-in shows as %q in the status, want signedOut (not an error)", got)
	}
}

func TestCancelInTheApp(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	started, err := h.svc.SignIn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if started.Account.State != auth.StateSigningIn || started.Account.Pending == nil || started.Account.Pending.Method != "browser" {
		t.Fatalf("started: %+v", started.Account)
	}
	authURL := h.nextOpened()
	a, err := h.svc.Cancel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != auth.StateSignedOut || a.Error == nil || a.Error.Code != auth.CodeCancelled || a.Pending != nil {
		t.Fatalf("after Cancel: %+v", a)
	}
	// Finishing at the provider afterwards reaches nobody: the listener is gone.
	if _, err := h.browser.SignIn(ctx, authURL); err == nil {
		t.Fatal("the redirect listener still answered after Cancel")
	}
	if h.svc.Account().State != auth.StateSignedOut {
		t.Fatal("a cancelled sign-in completed")
	}
}

func TestSignInTimesOut(t *testing.T) {
	h := newHarness(t, harnessOptions{signInTimeout: 300 * time.Millisecond})
	if _, err := h.svc.SignIn(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.nextOpened()
	time.Sleep(300 * time.Millisecond)
	a := h.waitState(auth.StateSignedOut)
	if a.Error == nil || a.Error.Code != auth.CodeTimedOut {
		t.Fatalf("after the timeout: %+v", a)
	}
}

func TestProviderUnreachableAtSignIn(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.op.Stop()
	_, err := h.svc.SignIn(context.Background())
	var p *auth.Problem
	if !errors.As(err, &p) || p.Code != auth.CodeProviderUnreachable || !strings.Contains(p.Message, h.op.Issuer) || p.Hint == "" {
		t.Fatalf("SignIn with the provider down: %v", err)
	}
	if a := h.svc.Account(); a.State != auth.StateSignedOut || a.Error == nil || a.Error.Code != auth.CodeProviderUnreachable {
		t.Fatalf("account: %+v", a)
	}
	// Once it is back, signing in works.
	h.op.Restart()
	h.signIn()
	h.waitState(auth.StateSignedIn)
}

func TestSignInWhileSignedInIsRefused(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.signIn()
	h.waitState(auth.StateSignedIn)
	if _, err := h.svc.SignIn(context.Background()); !errors.Is(err, auth.ErrBusy) {
		t.Fatalf("second SignIn: %v, want ErrBusy", err)
	}
	if _, err := h.svc.Configure(context.Background(), auth.Config{Issuer: "https://other.example", ClientID: "x"}); !errors.Is(err, auth.ErrBusy) {
		t.Fatalf("changing the provider while signed in: %v, want ErrBusy", err)
	}
}

func TestDeviceFlow(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	a, err := h.svc.SignInDevice(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := a.Pending
	if a.State != auth.StateSigningIn || p == nil || p.Method != "device" || p.UserCode == "" ||
		!strings.HasPrefix(p.VerificationURI, h.op.Issuer) || !strings.Contains(p.VerificationURIComplete, p.UserCode) {
		t.Fatalf("device sign-in started: %+v", a)
	}
	if err := h.browser.ApproveDevice(ctx, p.VerificationURI, p.UserCode); err != nil {
		t.Fatal(err)
	}
	a = h.waitState(auth.StateSignedIn)
	if a.Profile.Email != oidctest.Email || !a.Remembered {
		t.Fatalf("after approving on the other device: %+v", a)
	}
	if sub, err := h.userinfoSubject(h.token()); err != nil || sub != oidctest.UserID {
		t.Fatalf("device-flow access token: %q, %v", sub, err)
	}
	if refresh, _, ok := h.saved(); !ok || refresh == "" {
		t.Fatal("the device-flow session is not in the keyring")
	}
	if n := h.op.TokenRequests("urn:ietf:params:oauth:grant-type:device_code"); n < 1 {
		t.Fatalf("the app never polled the token endpoint (%d)", n)
	}
}

func TestDeviceFlowDeclined(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	a, err := h.svc.SignInDevice(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.browser.DenyDevice(ctx, a.Pending.VerificationURI, a.Pending.UserCode); err != nil {
		t.Fatal(err)
	}
	a = h.waitState(auth.StateSignedOut)
	if a.Error == nil || a.Error.Code != auth.CodeCancelled || !strings.Contains(a.Error.Message, "declined") {
		t.Fatalf("after declining on the other device: %+v", a)
	}
	if accts := h.kr.Accounts(keyringService); len(accts) != 0 {
		t.Fatalf("keyring items after a declined sign-in: %v", accts)
	}
}

func TestDeviceFlowCancelled(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	if _, err := h.svc.SignInDevice(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := h.svc.Cancel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != auth.StateSignedOut || a.Error == nil || a.Error.Code != auth.CodeCancelled {
		t.Fatalf("after Cancel: %+v", a)
	}
	polls := h.op.TokenRequests("urn:ietf:params:oauth:grant-type:device_code")
	time.Sleep(1500 * time.Millisecond)
	if got := h.op.TokenRequests("urn:ietf:params:oauth:grant-type:device_code"); got != polls {
		t.Fatalf("the app kept polling after Cancel (%d → %d)", polls, got)
	}
}

func TestLoopbackListenerAnswersOnce(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.signIn()
	h.waitState(auth.StateSignedIn)
	cb := h.browser.Callback()
	if cb == nil || cb.Query().Get("code") == "" || cb.Hostname() != "127.0.0.1" || cb.Path != "/callback" {
		t.Fatalf("redirect %v", cb)
	}
	// The same redirect again: the listener has closed.
	if _, err := h.browser.Open(context.Background(), cb.String()); err == nil {
		t.Fatal("the redirect listener is still open after the sign-in finished")
	}
	if h.op.TokenRequests("authorization_code") != 1 {
		t.Fatalf("%d code exchanges, want 1", h.op.TokenRequests("authorization_code"))
	}
}
