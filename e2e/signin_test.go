//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/auth"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/keyringtest"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/oidctest"
)

// signInAccount is the API's Account (docs/API.md), as much as this test reads.
type signInAccount struct {
	State  string `json:"state"`
	Config struct {
		Issuer   string `json:"issuer"`
		ClientID string `json:"clientId"`
	} `json:"config"`
	Profile *struct {
		Subject string `json:"subject"`
		Name    string `json:"name"`
		Email   string `json:"email"`
	} `json:"profile"`
	Remembered bool            `json:"remembered"`
	Keyring    json.RawMessage `json:"keyring"`
	Error      json.RawMessage `json:"error"`
}

func (a signInAccount) signedInAsTestUser() bool {
	return a.State == "signedIn" && a.Profile != nil && a.Profile.Subject == oidctest.UserID &&
		a.Profile.Name == oidctest.Name && a.Profile.Email == oidctest.Email && a.Remembered
}

func (a signInAccount) String() string {
	b, _ := json.Marshal(a)
	return string(b)
}

// The real binary, headless, signs in with a real OpenID provider (PKCE through the browser and
// the app's loopback redirect listener), keeps the tokens only in a real OS keyring (never in its
// log or its data directory), finds the session again after a restart, and signing out revokes
// the tokens and deletes the keyring items.
func TestSignInKeyringRestartSignOut(t *testing.T) {
	appBinary(t) // skips without CLOUDTOLOCALLLM_BIN
	op := oidctest.Start(t)
	// A private bus with gnome-keyring on it; this process's DBUS_SESSION_BUS_ADDRESS now names it,
	// and every app started below inherits it (startApp passes os.Environ()).
	kr := keyringtest.Start(t)
	useKeyringXDGDirs(t, kr)

	dataDir := t.TempDir()
	first := startServe(t, appOptions{dataDir: dataDir})

	acct := getAccount(first)
	if acct.State != "unconfigured" {
		t.Fatalf("a fresh app: %s, want unconfigured", acct)
	}
	acct = signInAccount{}
	first.mustCall("auth.configure", map[string]any{"issuer": op.Issuer, "clientId": op.ClientID, "scopes": []string{}}, &acct)
	if acct.State != "signedOut" || acct.Config.Issuer != op.Issuer || acct.Config.ClientID != op.ClientID {
		t.Fatalf("after auth.configure: %s", acct)
	}

	var started struct {
		Account       signInAccount `json:"account"`
		AuthURL       string        `json:"authUrl"`
		BrowserOpened bool          `json:"browserOpened"`
	}
	first.mustCall("auth.signIn", struct{}{}, &started)
	if started.BrowserOpened || !strings.HasPrefix(started.AuthURL, op.Issuer+"/") || started.Account.State != "signingIn" {
		t.Fatalf("auth.signIn: authUrl %q, browserOpened %v, account %s", started.AuthURL, started.BrowserOpened, started.Account)
	}
	for _, want := range []string{"client_id=" + op.ClientID, "code_challenge=", "code_challenge_method=S256", "redirect_uri=http%3A%2F%2F127.0.0.1%3A"} {
		if !strings.Contains(started.AuthURL, want) {
			t.Fatalf("the authorization URL lacks %q: %s", want, started.AuthURL)
		}
	}

	// A person at a browser: the provider's login form, then the redirect to the app's listener.
	browser := op.NewBrowser()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	page, err := browser.SignIn(ctx, started.AuthURL)
	if err != nil {
		t.Fatalf("sign in at the provider: %v", err)
	}
	cb := browser.Callback()
	if cb == nil || cb.Hostname() != "127.0.0.1" || cb.Path != "/callback" || cb.Query().Get("code") == "" {
		t.Fatalf("the provider did not redirect to the app's loopback listener: %v", cb)
	}
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Signed in") {
		t.Fatalf("the app's page after the redirect: %d at %s: %.500s", page.Status, page.URL, page.Body)
	}

	waitAccount(t, first, "signed in as the test user", signInAccount.signedInAsTestUser)
	if n := op.TokenRequests("authorization_code"); n != 1 {
		t.Fatalf("%d code exchanges at the provider, want 1", n)
	}

	// The tokens are in the keyring, read back independently with secret-tool, and they are live.
	keyringAccount := op.Issuer + " " + op.ClientID
	refresh, access := keyringTokens(t, kr, keyringAccount)
	if sub := userinfoSubject(t, op, access); sub != oidctest.UserID {
		t.Fatalf("the access token in the keyring belongs to %q, want %q", sub, oidctest.UserID)
	}
	secretsSeen := []string{refresh, access, cb.Query().Get("code")}

	// Restart: a new process over the same data directory and the same keyring.
	if code := first.terminate(15 * time.Second); code != 0 {
		t.Fatalf("the app exited with %d after SIGTERM", code)
	}
	second := startServe(t, appOptions{dataDir: dataDir})
	acct = waitAccount(t, second, "signed in again after the restart", signInAccount.signedInAsTestUser)
	if acct.Config.Issuer != op.Issuer || acct.Config.ClientID != op.ClientID {
		t.Fatalf("the provider configuration after the restart: %s", acct)
	}
	// The restarted app may have refreshed (and rotated) the tokens; whatever it holds now must
	// be live and is also searched for below.
	refresh, access = keyringTokens(t, kr, keyringAccount)
	if sub := userinfoSubject(t, op, access); sub != oidctest.UserID {
		t.Fatalf("after the restart the access token in the keyring belongs to %q", sub)
	}
	secretsSeen = append(secretsSeen, refresh, access)

	var out struct {
		Account signInAccount   `json:"account"`
		Revoked bool            `json:"revoked"`
		Warning json.RawMessage `json:"warning"`
	}
	second.mustCall("auth.signOut", struct{}{}, &out)
	if out.Account.State != "signedOut" || out.Account.Profile != nil || !out.Revoked || (len(out.Warning) != 0 && string(out.Warning) != "null") {
		t.Fatalf("auth.signOut: revoked %v, warning %s, account %s", out.Revoked, out.Warning, out.Account)
	}
	if acct = getAccount(second); acct.State != "signedOut" || acct.Profile != nil || acct.Remembered {
		t.Fatalf("auth.get after sign-out: %s", acct)
	}
	if accts := kr.Accounts(auth.KeyringService); len(accts) != 0 {
		t.Fatalf("keyring items left after sign-out: %q", accts)
	}
	if _, err := op.Refresh(ctx, refresh); err == nil {
		t.Fatal("the refresh token still works at the provider after sign-out: it was not revoked")
	}

	// No token (nor the authorization code) in the app's logs or anywhere in its data directory.
	if code := second.terminate(15 * time.Second); code != 0 {
		t.Fatalf("the app exited with %d after SIGTERM", code)
	}
	sinks := map[string][]byte{}
	for _, a := range []*app{first, second} {
		b, err := os.ReadFile(a.logPath)
		if err != nil {
			t.Fatal(err)
		}
		sinks["log "+a.logPath] = b
	}
	if !strings.Contains(string(sinks["log "+first.logPath]), "auth") {
		t.Fatalf("the first app's log never mentions sign-in: the leak check would prove little:\n%s", first.log())
	}
	files := 0
	err = filepath.WalkDir(dataDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sinks["data "+p] = b
		files++
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("read the data directory (%d files): %v", files, err)
	}
	for _, s := range secretsSeen {
		if len(s) < 8 {
			t.Fatalf("secret %q is too short to search for", s)
		}
		for name, b := range sinks {
			if strings.Contains(string(b), s) {
				t.Errorf("a token appears in %s", name)
			}
		}
	}
}

// useKeyringXDGDirs gives the app the keyring's private XDG directories (next to the bus socket),
// so it touches nothing of the person's own session while it talks to the private keyring.
func useKeyringXDGDirs(t *testing.T, kr *keyringtest.Keyring) {
	t.Helper()
	path, ok := strings.CutPrefix(kr.Address, "unix:path=")
	if !ok {
		t.Fatalf("unexpected bus address %q", kr.Address)
	}
	path, _, _ = strings.Cut(path, ",")
	dir := filepath.Dir(path)
	for env, sub := range map[string]string{"XDG_RUNTIME_DIR": "run", "XDG_DATA_HOME": "data", "XDG_CONFIG_HOME": "config", "XDG_CACHE_HOME": "cache"} {
		d := filepath.Join(dir, sub)
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			t.Fatalf("the keyring's %s directory %s: %v", env, d, err)
		}
		t.Setenv(env, d)
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != kr.Address {
		t.Fatal("keyringtest did not point DBUS_SESSION_BUS_ADDRESS at its private bus")
	}
}

// getAccount calls auth.get, decoding into a fresh value (absent fields stay empty).
func getAccount(a *app) signInAccount {
	a.t.Helper()
	var acct signInAccount
	a.mustCall("auth.get", struct{}{}, &acct)
	return acct
}

// waitAccount polls auth.get until ok says yes, and returns that account.
func waitAccount(t *testing.T, a *app, what string, ok func(signInAccount) bool) signInAccount {
	t.Helper()
	var acct signInAccount
	poll(t, 20*time.Second, what, func() (bool, string) {
		acct = signInAccount{}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.call(ctx, "auth.get", struct{}{}, &acct); err != nil {
			return false, err.Error()
		}
		return ok(acct), acct.String()
	})
	return acct
}

// keyringTokens reads the session the app saved, with secret-tool.
func keyringTokens(t *testing.T, kr *keyringtest.Keyring, account string) (refresh, access string) {
	t.Helper()
	raw, ok := kr.Lookup(auth.KeyringService, account)
	if !ok {
		t.Fatalf("no %q item for %q in the keyring (items: %q)", auth.KeyringService, account, kr.Accounts(auth.KeyringService))
	}
	var s struct {
		RefreshToken string `json:"refreshToken"`
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil || s.RefreshToken == "" {
		t.Fatalf("the keyring item holds no refresh token (%v)", err)
	}
	rawAccess, ok := kr.Lookup(auth.KeyringService, account+" access")
	if !ok {
		t.Fatalf("no access-token item in the keyring (items: %q)", kr.Accounts(auth.KeyringService))
	}
	var a struct {
		AccessToken string `json:"accessToken"`
	}
	if err := json.Unmarshal([]byte(rawAccess), &a); err != nil || a.AccessToken == "" {
		t.Fatalf("the access-token item holds no access token (%v)", err)
	}
	return s.RefreshToken, a.AccessToken
}

func userinfoSubject(t *testing.T, op *oidctest.Provider, accessToken string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ui, err := op.Userinfo(ctx, accessToken)
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	sub, _ := ui["sub"].(string)
	return sub
}
