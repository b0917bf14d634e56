package traytest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

const (
	watcherName  = "org.kde.StatusNotifierWatcher"
	watcherPath  = "/StatusNotifierWatcher"
	itemIface    = "org.kde.StatusNotifierItem"
	menuIface    = "com.canonical.dbusmenu"
	propsIface   = "org.freedesktop.DBus.Properties"
	defaultItemP = dbus.ObjectPath("/StatusNotifierItem")
)

// Host is a tray host on the session bus.
type Host struct {
	conn *dbus.Conn

	mu      sync.Mutex
	items   []*Item
	changed chan struct{} // closed and replaced on every registration
}

// NewHost connects to the session bus and becomes its tray host. It fails if another host owns
// the name already.
func NewHost() (*Host, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, fmt.Errorf("tray host: connect to the session bus: %w", err)
	}
	h := &Host{conn: conn, changed: make(chan struct{})}
	w := &watcher{h: h}
	if err := conn.Export(w, watcherPath, watcherName); err != nil {
		conn.Close()
		return nil, fmt.Errorf("tray host: export the watcher: %w", err)
	}
	if _, err := prop.Export(conn, watcherPath, map[string]map[string]*prop.Prop{watcherName: {
		"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
		"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitTrue},
		"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitTrue},
	}}); err != nil {
		conn.Close()
		return nil, fmt.Errorf("tray host: export the watcher's properties: %w", err)
	}
	reply, err := conn.RequestName(watcherName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		conn.Close()
		return nil, fmt.Errorf("tray host: own %s: reply %v, %v", watcherName, reply, err)
	}
	return h, nil
}

// Close stops being the tray host: the name is released with the connection.
func (h *Host) Close() error { return h.conn.Close() }

type watcher struct{ h *Host }

// RegisterStatusNotifierItem is what an app calls to put its icon in the tray. service is the
// item's object path on the caller's connection (energye/systray) or a bus name (the spec).
func (w *watcher) RegisterStatusNotifierItem(service string, sender dbus.Sender) *dbus.Error {
	it := &Item{conn: w.h.conn, Dest: string(sender), Path: defaultItemP}
	if strings.HasPrefix(service, "/") {
		it.Path = dbus.ObjectPath(service)
	} else if service != "" {
		it.Dest = service
	}
	var pid uint32
	if err := w.h.conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, string(sender)).Store(&pid); err == nil {
		it.PID = int(pid)
	}
	w.h.mu.Lock()
	w.h.items = append(w.h.items, it)
	close(w.h.changed)
	w.h.changed = make(chan struct{})
	w.h.mu.Unlock()
	return nil
}

// RegisterStatusNotifierHost is part of the watcher's interface; this host is the only one.
func (w *watcher) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

// WaitItem returns the first item registered by the process pid (0: by anyone), waiting for it
// until ctx ends.
func (h *Host) WaitItem(ctx context.Context, pid int) (*Item, error) {
	for {
		h.mu.Lock()
		changed := h.changed
		for _, it := range h.items {
			if pid == 0 || it.PID == pid {
				h.mu.Unlock()
				return it, nil
			}
		}
		n := len(h.items)
		h.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("no tray item from pid %d registered (%d others did): %w", pid, n, ctx.Err())
		}
	}
}

// Item is an icon in the tray.
type Item struct {
	conn *dbus.Conn
	Dest string // the bus name to ask
	Path dbus.ObjectPath
	PID  int
}

func (it *Item) prop(ctx context.Context, name string) (dbus.Variant, error) {
	var v dbus.Variant
	err := it.conn.Object(it.Dest, it.Path).CallWithContext(ctx, propsIface+".Get", 0, itemIface, name).Store(&v)
	if err != nil {
		return v, fmt.Errorf("read the tray item's %s: %w", name, err)
	}
	return v, nil
}

// Pixmap is one image of an icon: ARGB32 in network byte order, as StatusNotifierItem has it.
type Pixmap struct {
	W, H int32
	ARGB []byte
}

// Icon reads IconPixmap: the images of the icon, usually one.
func (it *Item) Icon(ctx context.Context) ([]Pixmap, error) {
	v, err := it.prop(ctx, "IconPixmap")
	if err != nil {
		return nil, err
	}
	var px []Pixmap
	if err := dbus.Store([]any{v.Value()}, &px); err != nil {
		return nil, fmt.Errorf("IconPixmap %s: %w", v.Signature(), err)
	}
	return px, nil
}

// ToolTip reads the tooltip's title and description.
func (it *Item) ToolTip(ctx context.Context) (title, description string, err error) {
	v, err := it.prop(ctx, "ToolTip")
	if err != nil {
		return "", "", err
	}
	var tt struct {
		Name  string
		Icons []Pixmap
		Title string
		Desc  string
	}
	if err := dbus.Store([]any{v.Value()}, &tt); err != nil {
		return "", "", fmt.Errorf("ToolTip %s: %w", v.Signature(), err)
	}
	return tt.Title, tt.Desc, nil
}

// Title reads the item's title.
func (it *Item) Title(ctx context.Context) (string, error) {
	v, err := it.prop(ctx, "Title")
	if err != nil {
		return "", err
	}
	s, _ := v.Value().(string)
	return s, nil
}

// Activate is a left click on the icon.
func (it *Item) Activate(ctx context.Context) error {
	return it.conn.Object(it.Dest, it.Path).CallWithContext(ctx, itemIface+".Activate", 0, int32(0), int32(0)).Err
}

// MenuItem is one entry of the item's menu.
type MenuItem struct {
	ID        int32
	Label     string
	Visible   bool
	Enabled   bool
	Separator bool
}

// Menu reads the item's menu through com.canonical.dbusmenu GetLayout, top level only.
func (it *Item) Menu(ctx context.Context) ([]MenuItem, error) {
	path, err := it.menuPath(ctx)
	if err != nil {
		return nil, err
	}
	var rev uint32
	var root struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	call := it.conn.Object(it.Dest, path).CallWithContext(ctx, menuIface+".GetLayout", 0, int32(0), int32(-1), []string{})
	if err := call.Store(&rev, &root); err != nil {
		return nil, fmt.Errorf("GetLayout: %w", err)
	}
	out := make([]MenuItem, 0, len(root.Children))
	for _, c := range root.Children {
		var child struct {
			ID       int32
			Props    map[string]dbus.Variant
			Children []dbus.Variant
		}
		if err := dbus.Store([]any{c.Value()}, &child); err != nil {
			return nil, fmt.Errorf("GetLayout child %s: %w", c.Signature(), err)
		}
		mi := MenuItem{ID: child.ID, Visible: true, Enabled: true}
		if v, ok := child.Props["label"]; ok {
			mi.Label, _ = v.Value().(string)
		}
		if v, ok := child.Props["visible"]; ok {
			mi.Visible, _ = v.Value().(bool)
		}
		if v, ok := child.Props["enabled"]; ok {
			mi.Enabled, _ = v.Value().(bool)
		}
		if v, ok := child.Props["type"]; ok {
			s, _ := v.Value().(string)
			mi.Separator = s == "separator"
		}
		out = append(out, mi)
	}
	return out, nil
}

// ErrNoSuchItem is returned by Click for a label the menu does not show.
var ErrNoSuchItem = errors.New("no such menu item")

// Click clicks the visible menu item whose label starts with label, as a person would.
func (it *Item) Click(ctx context.Context, label string) error {
	items, err := it.Menu(ctx)
	if err != nil {
		return err
	}
	for _, mi := range items {
		if mi.Visible && strings.HasPrefix(mi.Label, label) {
			path, err := it.menuPath(ctx)
			if err != nil {
				return err
			}
			return it.conn.Object(it.Dest, path).CallWithContext(ctx, menuIface+".Event", 0,
				mi.ID, "clicked", dbus.MakeVariant(""), uint32(0)).Err
		}
	}
	return fmt.Errorf("%w: %q among %+v", ErrNoSuchItem, label, items)
}

func (it *Item) menuPath(ctx context.Context) (dbus.ObjectPath, error) {
	v, err := it.prop(ctx, "Menu")
	if err != nil {
		return "", err
	}
	p, ok := v.Value().(dbus.ObjectPath)
	if !ok || p == "" {
		return "", fmt.Errorf("the tray item has no menu (Menu = %v)", v)
	}
	return p, nil
}

// Changes returns a channel that receives a value whenever the item says it changed: a property
// (ToolTip, IconPixmap, …) or a new icon, title or status. stop ends it.
func (it *Item) Changes() (c <-chan struct{}, stop func(), err error) {
	opts := []dbus.MatchOption{dbus.WithMatchSender(it.Dest), dbus.WithMatchObjectPath(it.Path)}
	if err := it.conn.AddMatchSignal(opts...); err != nil {
		return nil, nil, fmt.Errorf("follow the tray item's changes: %w", err)
	}
	sig := make(chan *dbus.Signal, 64)
	it.conn.Signal(sig)
	out := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case s := <-sig:
				if s == nil || s.Path != it.Path {
					continue
				}
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	return out, func() {
		close(done)
		it.conn.RemoveSignal(sig)
		it.conn.RemoveMatchSignal(opts...)
	}, nil
}
