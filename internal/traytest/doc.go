// Package traytest is the desktop's side of D-Bus, for tests: a tray host (Host owns
// org.kde.StatusNotifierWatcher, as KDE's panel or GNOME's AppIndicator extension do) that reads
// the icon, tooltip and menu of the items that register with it and clicks their menu items, and
// a notification server (Notifications owns org.freedesktop.Notifications) that records what it
// is asked to show. Both use the session bus that DBUS_SESSION_BUS_ADDRESS names; PrivateBus
// starts one for a test, so nothing reaches the person's own desktop.
package traytest
