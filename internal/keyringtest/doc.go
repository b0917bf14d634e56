// Package keyringtest runs a real Secret Service — gnome-keyring-daemon — on a private D-Bus
// session bus for tests, and points this process at it. Tests of code that keeps secrets in the
// OS keyring then exercise the real thing (D-Bus, the Secret Service API, the daemon's unlock
// rules) without touching the person's own keyring, and run from a plain `go test` anywhere
// dbus-daemon and gnome-keyring are installed; where they are not, the test fails and says how to
// install them.
package keyringtest
