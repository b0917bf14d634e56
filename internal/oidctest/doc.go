// Package oidctest runs a real, standards-compliant OpenID provider in-process for tests: the
// example provider of github.com/zitadel/oidc (package op, with its in-memory storage and login
// pages) on a loopback port. Tests sign in against it the way a person would, with an HTTP client
// that follows the redirects and fills in the login form, so the app's whole flow — discovery,
// PKCE, the loopback redirect, the token exchange, ID token verification, refresh, revocation and
// the device grant — runs against real protocol code rather than a hand-made stub.
//
// The harness adds only what the example lacks: a public native client that may also use the
// device grant, a picture claim, a "deny" button, a short device polling interval, and a way to
// tamper with the ID token in a token response (to prove the app rejects it).
package oidctest
