// Package secrets keeps small secrets (sign-in tokens) in the operating system's keyring: the
// Secret Service (GNOME Keyring, KWallet) on Linux, the Keychain on macOS and the Credential
// Manager on Windows, through github.com/zalando/go-keyring. Nothing here ever writes a secret to
// a file or a log.
//
// The keyring can be missing (a server without a desktop session), locked (the person has not
// unlocked it) or slow (it may show an unlock prompt and wait for the person), so every call takes
// a context and every failure is classified as ErrLocked, ErrUnavailable or ErrTooBig, letting the
// caller explain what happened and carry on without remembering the secret.
package secrets

import (
	"context"
	"errors"
)

// Store keeps secrets by account name within one service.
type Store interface {
	// Get returns the secret for account, or ErrNotFound.
	Get(ctx context.Context, account string) (string, error)
	// Set stores (or replaces) the secret for account.
	Set(ctx context.Context, account, secret string) error
	// Delete removes the secret for account; a missing secret is not an error.
	Delete(ctx context.Context, account string) error
}

// Classes of failure. Errors returned by a Store wrap one of these (or a context error) so that
// callers can test them with errors.Is.
var (
	// ErrNotFound: nothing is stored under this account.
	ErrNotFound = errors.New("no secret stored")
	// ErrLocked: the keyring exists but is locked and was not unlocked (no prompt could be shown,
	// or the person dismissed it).
	ErrLocked = errors.New("the keyring is locked")
	// ErrUnavailable: there is no keyring service to talk to (no D-Bus session, no Secret
	// Service on it, or an unsupported platform).
	ErrUnavailable = errors.New("no keyring is available")
	// ErrTooBig: the platform's keyring refuses a secret this large (Windows allows 2560 bytes).
	ErrTooBig = errors.New("the secret is too large for the keyring")
)
