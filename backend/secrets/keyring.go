package secrets

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// Keyring is the Store backed by the OS keyring, holding every secret under one service name.
type Keyring struct {
	service string
}

// NewKeyring returns a Store for service (e.g. "CloudToLocalLLM"). It does not contact the keyring
// until it is used.
func NewKeyring(service string) *Keyring {
	return &Keyring{service: service}
}

// Get reads the secret stored for account.
func (k *Keyring) Get(ctx context.Context, account string) (string, error) {
	var v string
	err := k.do(ctx, "read from", func() error {
		var err error
		v, err = keyring.Get(k.service, account)
		return err
	})
	return v, err
}

// Set stores secret for account, replacing what was there.
func (k *Keyring) Set(ctx context.Context, account, secret string) error {
	return k.do(ctx, "write to", func() error { return keyring.Set(k.service, account, secret) })
}

// Delete removes the secret for account, if any.
func (k *Keyring) Delete(ctx context.Context, account string) error {
	err := k.do(ctx, "delete from", func() error { return keyring.Delete(k.service, account) })
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// do runs f, which may block for as long as an unlock prompt is shown, until ctx ends. go-keyring
// calls cannot be interrupted, so on timeout the call is left to finish in the background and its
// result is dropped.
func (k *Keyring) do(ctx context.Context, what string, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		if err == nil {
			return nil
		}
		return fmt.Errorf("%s the keyring: %w", what, classify(err))
	case <-ctx.Done():
		return fmt.Errorf("%s the keyring: it did not answer (waiting for it to be unlocked?): %w: %w", what, ErrLocked, ctx.Err())
	}
}

// classify maps go-keyring's errors to this package's classes, keeping the original text.
func classify(err error) error {
	var derr dbus.Error
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("%w: %v", ErrTooBig, err)
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	case errors.As(err, &derr):
		return classifyDBus(derr)
	// go-keyring reports a refused or impossible unlock prompt only through this message.
	case strings.Contains(err.Error(), "failed to unlock"):
		return fmt.Errorf("%w: %v", ErrLocked, err)
	// godbus fails this way when there is no session bus to connect to at all.
	case strings.HasPrefix(err.Error(), "dbus:"), isDialError(err):
		return fmt.Errorf("%w: no D-Bus session: %v", ErrUnavailable, err)
	default:
		return err
	}
}

func classifyDBus(err dbus.Error) error {
	switch err.Name {
	case "org.freedesktop.Secret.Error.IsLocked":
		return fmt.Errorf("%w: %v", ErrLocked, err)
	case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
		"org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Disconnected":
		return fmt.Errorf("%w: no Secret Service on the D-Bus session (%v)", ErrUnavailable, err)
	}
	if strings.HasPrefix(err.Name, "org.freedesktop.DBus.Error.Spawn") {
		return fmt.Errorf("%w: the Secret Service could not be started (%v)", ErrUnavailable, err)
	}
	return err
}
