package main

import (
	"context"

	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/auth"
)

// useSystemBrowser lets sign-in open the provider's pages in the person's own browser, as native
// apps must (RFC 8252: never in an embedded web view, where the app could read the password).
func (a *App) useSystemBrowser(ctx context.Context) {
	a.core.auth.SetBrowser(func(_ context.Context, url string) error {
		runtime.BrowserOpenURL(ctx, url)
		return nil
	})
}

// trayAuth returns the tray's "Sign in…" and "Sign out" actions. Signing in starts the browser
// flow; when it cannot start (no provider set up, provider unreachable), openSettings shows the
// settings screen, where the account section says why and what to do.
func (a *App) trayAuth(openSettings func()) (signIn, signOut func()) {
	signIn = func() {
		if a.core.auth.Account().State == auth.StateUnconfigured {
			openSettings()
			return
		}
		if _, err := a.core.auth.SignIn(context.Background()); err != nil {
			a.log.Warn("sign-in from the tray did not start", "error", err)
			openSettings()
		}
	}
	signOut = func() {
		if _, err := a.core.auth.SignOut(context.Background(), auth.SignOutOptions{}); err != nil {
			a.log.Warn("sign-out from the tray", "error", err)
		}
	}
	return signIn, signOut
}
