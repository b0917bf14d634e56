//go:build linux

package auth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/auth"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/secrets"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/oidctest"
)

// A locked keyring does not stop the sign-in: the session works in memory, and the account says
// clearly that it will not be remembered and how to fix that.
func TestLockedKeyring(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.kr.Lock()
	h.signIn()
	a := h.waitState(auth.StateSignedIn)
	if a.Remembered || a.Keyring == nil || a.Keyring.Code != auth.CodeKeyringLocked ||
		!strings.Contains(a.Keyring.Message, "locked") || !strings.Contains(a.Keyring.Message, "will not be remembered") || !strings.Contains(a.Keyring.Hint, "Unlock") {
		t.Fatalf("account with a locked keyring: %+v keyring %+v", a, a.Keyring)
	}
	if sub, err := h.userinfoSubject(h.token()); err != nil || sub != oidctest.UserID {
		t.Fatalf("the in-memory session does not work: %q, %v", sub, err)
	}
	// The app restarting with the keyring still locked says why it is not signed in.
	restarted := h.newService(harnessOptions{})
	restarted.Restore(context.Background())
	b := restarted.Account()
	if b.State != auth.StateSignedOut || b.Keyring == nil || b.Keyring.Code != auth.CodeKeyringLocked || !strings.Contains(b.Keyring.Message, "could not be read") {
		t.Fatalf("restart with a locked keyring: %+v keyring %+v", b, b.Keyring)
	}
	// Signing out still works, and says what it could not do.
	res, err := h.svc.SignOut(context.Background(), auth.SignOutOptions{})
	if err != nil || !res.Revoked || res.Account.State != auth.StateSignedOut {
		t.Fatalf("sign-out with a locked keyring: %+v, %v", res, err)
	}
}

// With no Secret Service at all, sign-in works for the session and the UI is told it will not be
// remembered.
func TestNoSecretService(t *testing.T) {
	h := newHarness(t, harnessOptions{noSecretService: true})
	h.signIn()
	a := h.waitState(auth.StateSignedIn)
	if a.Remembered || a.Keyring == nil || a.Keyring.Code != auth.CodeKeyringUnavailable ||
		!strings.Contains(a.Keyring.Message, "will not be remembered") || a.Keyring.Hint == "" {
		t.Fatalf("account without a Secret Service: %+v keyring %+v", a, a.Keyring)
	}
	if sub, err := h.userinfoSubject(h.token()); err != nil || sub != oidctest.UserID {
		t.Fatalf("the in-memory session does not work: %q, %v", sub, err)
	}
	if !strings.Contains(h.events.all(), `"code":"keyring_unavailable"`) {
		t.Fatal("no account.changed event told the UI that the sign-in will not be remembered")
	}
	h.clock.advance(accessLifetime)
	if _, err := h.userinfoSubject(h.token()); err != nil {
		t.Fatalf("refresh in memory: %v", err)
	}
	res, err := h.svc.SignOut(context.Background(), auth.SignOutOptions{})
	if err != nil || !res.Revoked || res.Account.State != auth.StateSignedOut {
		t.Fatalf("sign-out without a Secret Service: %+v, %v", res, err)
	}
}

// restartResult is what the restarted app reports.
type restartResult struct {
	State           string `json:"state"`
	Email           string `json:"email"`
	Remembered      bool   `json:"remembered"`
	UserinfoSubject string `json:"userinfoSubject"`
	Error           string `json:"error"`
}

const childEnv = "CLOUDTOLOCALLLM_AUTH_TEST_CHILD"

// runRestartedApp runs this test binary again as "the app after a restart": a new process with
// its own D-Bus connection and nothing in memory, over the same keyring and settings.
func runRestartedApp(t *testing.T, h *harness) restartResult {
	t.Helper()
	cfg, _ := json.Marshal(h.svc.Account().Config)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestRestartedAppChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+string(cfg))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the restarted app failed: %v\n%s", err, out)
	}
	for line := range strings.Lines(string(out)) {
		if rest, ok := strings.CutPrefix(line, "RESULT "); ok {
			var r restartResult
			if err := json.Unmarshal([]byte(rest), &r); err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	t.Fatalf("the restarted app reported nothing:\n%s", out)
	return restartResult{}
}

// TestRestartedAppChild is the app after a restart, run by runRestartedApp.
func TestRestartedAppChild(t *testing.T) {
	raw := os.Getenv(childEnv)
	if raw == "" {
		t.Skip("runs only as the restarted app of another test")
	}
	ctx := context.Background()
	st := &memSettings{m: map[string]string{"auth": raw}}
	svc, err := auth.New(ctx, auth.Options{Settings: st, Secrets: secrets.NewKeyring(keyringService)})
	if err != nil {
		t.Fatal(err)
	}
	svc.Restore(ctx)
	a := svc.Account()
	r := restartResult{State: a.State, Remembered: a.Remembered}
	if a.Profile != nil {
		r.Email = a.Profile.Email
	}
	if a.Keyring != nil {
		r.Error = a.Keyring.Message
	}
	if a.State == auth.StateSignedIn {
		tok, err := svc.Token(ctx)
		if err != nil {
			r.Error = err.Error()
		} else {
			var cfg auth.Config
			json.Unmarshal([]byte(raw), &cfg)
			op := &oidctest.Provider{Issuer: cfg.Issuer}
			ui, err := op.Userinfo(ctx, tok)
			if err != nil {
				r.Error = err.Error()
			} else {
				r.UserinfoSubject, _ = ui["sub"].(string)
			}
		}
	}
	out, _ := json.Marshal(r)
	fmt.Printf("RESULT %s\n", out)
}

// assertNoTokenLeaks checks every place other than the keyring where a token could end up: log
// lines, events for the UI, the Account, the settings, and the pages shown in the browser.
func assertNoTokenLeaks(t *testing.T, h *harness, tokens []string, pages ...string) {
	t.Helper()
	acct, _ := json.Marshal(h.svc.Account())
	var settings strings.Builder
	h.settings.mu.Lock()
	for k, v := range h.settings.m {
		settings.WriteString(k + "=" + v + "\n")
	}
	h.settings.mu.Unlock()
	sinks := map[string]string{
		"log":      h.log.String(),
		"events":   h.events.all(),
		"account":  string(acct),
		"settings": settings.String(),
		"pages":    strings.Join(pages, "\n"),
	}
	if sinks["log"] == "" || sinks["events"] == "" {
		t.Fatal("nothing was logged or published: the leak check would prove nothing")
	}
	for _, tok := range tokens {
		if len(tok) < 8 {
			t.Fatalf("token %q too short to search for", tok)
		}
		for name, s := range sinks {
			if strings.Contains(s, tok) {
				t.Errorf("a token appears in the %s", name)
			}
		}
	}
}
