package secrets

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error // nil: none of the classes
	}{
		{"not found", keyring.ErrNotFound, ErrNotFound},
		{"too big", keyring.ErrSetDataTooBig, ErrTooBig},
		{"unsupported platform", keyring.ErrUnsupportedPlatform, ErrUnavailable},
		{"no secret service", dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Body: []any{"not provided"}}, ErrUnavailable},
		{"service failed to start", dbus.Error{Name: "org.freedesktop.DBus.Error.Spawn.ChildExited"}, ErrUnavailable},
		{"locked item", dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked"}, ErrLocked},
		{"unlock refused", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/collection/login'"), ErrLocked},
		{"no bus address", errors.New("dbus: couldn't determine address of session bus"), ErrUnavailable},
		{"bus socket gone", &net.OpError{Op: "dial", Net: "unix", Err: errors.New("connection refused")}, ErrUnavailable},
		{"something else", dbus.Error{Name: "org.example.Weird"}, nil},
		{"plain error", errors.New("boom"), nil},
	}
	classes := []error{ErrNotFound, ErrTooBig, ErrUnavailable, ErrLocked}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err)
			for _, c := range classes {
				if errors.Is(got, c) != (c == tt.want) {
					t.Errorf("classify(%v) = %v: errors.Is(%v) = %v", tt.err, got, c, errors.Is(got, c))
				}
			}
		})
	}
}

func TestDoGivesUpWhenTheKeyringDoesNotAnswer(t *testing.T) {
	k := NewKeyring("x")
	release := make(chan struct{})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	// A call blocked on an unlock prompt nobody answers.
	err := k.do(ctx, "read from", func() error { <-release; return nil })
	if !errors.Is(err, ErrLocked) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrLocked and DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("returned after %v, long after the deadline", d)
	}
	if err := k.do(context.Background(), "read from", func() error { return fmt.Errorf("x: %w", keyring.ErrNotFound) }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}
