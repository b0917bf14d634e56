package traytest

import (
	"fmt"
	"sync"

	"github.com/godbus/dbus/v5"
)

const notifyName = "org.freedesktop.Notifications"

// Notification is one notification an app asked to show.
type Notification struct {
	ID       uint32
	AppName  string
	Replaces uint32
	Summary  string
	Body     string
	Urgency  byte
	Sender   string
}

// Notifications is a notification server on the session bus that shows nothing and records all.
type Notifications struct {
	conn *dbus.Conn

	mu      sync.Mutex
	got     []Notification
	next    uint32
	changed chan struct{}
}

// NewNotifications connects to the session bus and becomes its notification server.
func NewNotifications() (*Notifications, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, fmt.Errorf("notification server: connect to the session bus: %w", err)
	}
	n := &Notifications{conn: conn, changed: make(chan struct{})}
	if err := conn.Export(server{n}, "/org/freedesktop/Notifications", notifyName); err != nil {
		conn.Close()
		return nil, fmt.Errorf("notification server: export: %w", err)
	}
	reply, err := conn.RequestName(notifyName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		conn.Close()
		return nil, fmt.Errorf("notification server: own %s: reply %v, %v", notifyName, reply, err)
	}
	return n, nil
}

// Close stops being the notification server.
func (n *Notifications) Close() error { return n.conn.Close() }

// All returns every notification received so far, oldest first.
func (n *Notifications) All() []Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Notification(nil), n.got...)
}

// Changed is closed at the next notification.
func (n *Notifications) Changed() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.changed
}

type server struct{ n *Notifications }

// Notify is org.freedesktop.Notifications.Notify.
func (s server) Notify(appName string, replaces uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, timeout int32, sender dbus.Sender) (uint32, *dbus.Error) {
	n := s.n
	n.mu.Lock()
	defer n.mu.Unlock()
	n.next++
	id := n.next
	if replaces != 0 {
		id = replaces
	}
	var urgency byte = 1
	if v, ok := hints["urgency"]; ok {
		urgency, _ = v.Value().(byte)
	}
	n.got = append(n.got, Notification{ID: id, AppName: appName, Replaces: replaces, Summary: summary,
		Body: body, Urgency: urgency, Sender: string(sender)})
	close(n.changed)
	n.changed = make(chan struct{})
	return id, nil
}

// GetCapabilities is org.freedesktop.Notifications.GetCapabilities.
func (server) GetCapabilities() ([]string, *dbus.Error) { return []string{"body"}, nil }

// GetServerInformation is org.freedesktop.Notifications.GetServerInformation.
func (server) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "traytest", "cloudtolocalllm", "1", "1.2", nil
}

// CloseNotification is org.freedesktop.Notifications.CloseNotification.
func (server) CloseNotification(uint32) *dbus.Error { return nil }
