//go:build linux || freebsd || openbsd || netbsd

package tray

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/godbus/dbus/v5"
)

// On Linux a tray host is whoever owns this name on the session bus (KDE, the AppIndicator
// extension on GNOME, waybar, …). Plain GNOME has none.
const watcherName = "org.kde.StatusNotifierWatcher"

// Host tells whether a tray host exists now, and announces the icon to a host that appears
// after the app started.
type Host struct {
	log  *slog.Logger
	conn *dbus.Conn
	item string // the bus name energye/systray exports the icon under
}

// WatchHost connects to the session bus and follows tray hosts until ctx ends. It fails when
// there is no session bus, and then there is no tray either.
func WatchHost(ctx context.Context, log *slog.Logger) (*Host, error) {
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("connect to the session bus to look for a tray: %w", err)
	}
	h := &Host{log: log, conn: conn, item: fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", os.Getpid())}
	if err := conn.AddMatchSignalContext(ctx,
		dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, watcherName),
	); err != nil {
		conn.Close()
		return nil, fmt.Errorf("follow tray hosts on the session bus: %w", err)
	}
	sig := make(chan *dbus.Signal, 8)
	conn.Signal(sig)
	go h.follow(ctx, sig)
	return h, nil
}

// Present reports whether a tray host exists now. It asks the bus each time: the answer decides
// whether closing the window may hide it, and a stale answer could make the app invisible.
func (h *Host) Present(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var has bool
	if err := h.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&has); err != nil {
		h.log.Warn("could not ask the session bus for a tray host; assuming none", "error", err)
		return false
	}
	return has
}

// follow registers the icon with every tray host that appears: energye/systray registers only
// once, at start, so without this a tray started after the app would never show the icon.
func (h *Host) follow(ctx context.Context, sig <-chan *dbus.Signal) {
	defer h.conn.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case s, ok := <-sig:
			if !ok {
				return
			}
			if s.Name != "org.freedesktop.DBus.NameOwnerChanged" || len(s.Body) < 3 {
				continue
			}
			if owner, _ := s.Body[2].(string); owner != "" {
				h.log.Info("a tray host appeared; announcing the icon", "host", owner)
				call := h.conn.Object(watcherName, "/StatusNotifierWatcher").CallWithContext(ctx,
					watcherName+".RegisterStatusNotifierItem", 0, h.item)
				if call.Err != nil {
					h.log.Warn("announce the tray icon to the new tray host", "error", call.Err)
				}
			} else {
				h.log.Info("the tray host went away")
			}
		}
	}
}
