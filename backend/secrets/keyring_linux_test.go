package secrets_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/secrets"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/keyringtest"
)

const service = "CloudToLocalLLM-test"

func TestKeyringRoundTripWithGnomeKeyring(t *testing.T) {
	kr := keyringtest.Start(t)
	ctx := context.Background()
	s := secrets.NewKeyring(service)

	if _, err := s.Get(ctx, "alice"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("Get before Set: %v, want ErrNotFound", err)
	}
	if err := s.Set(ctx, "alice", "first"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "alice", "second"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "alice"); err != nil || got != "second" {
		t.Fatalf("Get = %q, %v; want the replaced secret", got, err)
	}
	// Another program (libsecret's secret-tool) sees the same item: it really is in the keyring.
	if got, ok := kr.Lookup(service, "alice"); !ok || got != "second" {
		t.Fatalf("secret-tool lookup = %q, %v", got, ok)
	}
	if accts := kr.Accounts(service); len(accts) != 1 {
		t.Fatalf("replacing a secret left %d items, want 1: %v", len(accts), accts)
	}
	if err := s.Delete(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "alice"); err != nil {
		t.Fatalf("deleting a missing secret: %v, want nil", err)
	}
	if _, ok := kr.Lookup(service, "alice"); ok {
		t.Fatal("the secret is still in the keyring after Delete")
	}
}

func TestLockedKeyringIsErrLocked(t *testing.T) {
	kr := keyringtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s := secrets.NewKeyring(service)
	if err := s.Set(ctx, "bob", "x"); err != nil {
		t.Fatal(err)
	}
	kr.Lock()
	for name, f := range map[string]func() error{
		"get":    func() error { _, err := s.Get(ctx, "bob"); return err },
		"set":    func() error { return s.Set(ctx, "bob", "y") },
		"delete": func() error { return s.Delete(ctx, "bob") },
	} {
		if err := f(); !errors.Is(err, secrets.ErrLocked) {
			t.Errorf("%s on a locked keyring: %v, want ErrLocked", name, err)
		}
	}
}

func TestNoSecretServiceIsErrUnavailable(t *testing.T) {
	keyringtest.StartBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s := secrets.NewKeyring(service)
	if err := s.Set(ctx, "carol", "x"); !errors.Is(err, secrets.ErrUnavailable) {
		t.Fatalf("Set without a Secret Service: %v, want ErrUnavailable", err)
	}
	if _, err := s.Get(ctx, "carol"); !errors.Is(err, secrets.ErrUnavailable) {
		t.Fatalf("Get without a Secret Service: %v, want ErrUnavailable", err)
	}
}

func TestNoSessionBusIsErrUnavailable(t *testing.T) {
	// A bus address whose socket does not exist: no D-Bus session at all.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+t.TempDir()+"/nobus")
	keyringtest.ResetSessionBus()
	t.Cleanup(keyringtest.ResetSessionBus)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := secrets.NewKeyring(service).Set(ctx, "dave", "x"); !errors.Is(err, secrets.ErrUnavailable) {
		t.Fatalf("Set without a session bus: %v, want ErrUnavailable", err)
	}
}
