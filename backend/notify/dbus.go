package notify

import (
	"context"
	"fmt"
	"sync"

	"github.com/godbus/dbus/v5"
)

// DBus sends notifications to the desktop's notification server (org.freedesktop.Notifications
// on the session bus: GNOME, KDE, dunst, mako, …). It connects on first use and again after the
// connection breaks.
type DBus struct {
	AppName string
	Icon    string // an icon name or file path; empty for the server's default

	mu   sync.Mutex
	conn *dbus.Conn
}

const (
	notifyDest = "org.freedesktop.Notifications"
	notifyPath = "/org/freedesktop/Notifications"
)

// Send shows n.
func (d *DBus) Send(ctx context.Context, n Notification, replaces uint32) (uint32, error) {
	conn, err := d.connect()
	if err != nil {
		return 0, err
	}
	urgency := byte(1) // normal
	if n.Urgent {
		urgency = 2 // critical: stays until the person sees it
	}
	hints := map[string]dbus.Variant{
		"urgency":       dbus.MakeVariant(urgency),
		"desktop-entry": dbus.MakeVariant("cloudtolocalllm"),
	}
	var id uint32
	call := conn.Object(notifyDest, notifyPath).CallWithContext(ctx, notifyDest+".Notify", 0,
		d.AppName, replaces, d.Icon, n.Summary, n.Body, []string{}, hints, int32(-1))
	if err := call.Store(&id); err != nil {
		d.mu.Lock()
		if d.conn == conn && !conn.Connected() {
			d.conn = nil
		}
		d.mu.Unlock()
		return 0, fmt.Errorf("send notification %q: %w", n.Summary, err)
	}
	return id, nil
}

// Close closes the connection, if one is open.
func (d *DBus) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn == nil {
		return nil
	}
	err := d.conn.Close()
	d.conn = nil
	return err
}

func (d *DBus) connect() (*dbus.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil && d.conn.Connected() {
		return d.conn, nil
	}
	conn, err := dbus.ConnectSessionBus() // not bound to ctx: it outlives this one call
	if err != nil {
		return nil, fmt.Errorf("connect to the session bus for notifications: %w", err)
	}
	d.conn = conn
	return conn, nil
}
