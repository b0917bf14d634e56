//go:build !(linux || freebsd || openbsd || netbsd)

package tray

import (
	"context"
	"log/slog"
)

// Host tells whether a tray host exists. Windows and macOS always have a notification area.
type Host struct{}

// WatchHost returns the host; it never fails outside Linux and the BSDs.
func WatchHost(context.Context, *slog.Logger) (*Host, error) { return &Host{}, nil }

// Present reports whether a tray host exists now: always, here.
func (*Host) Present(context.Context) bool { return true }
