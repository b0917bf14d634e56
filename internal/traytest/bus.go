package traytest

import (
	"bufio"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// PrivateBus starts a dbus-daemon of its own for the test, points DBUS_SESSION_BUS_ADDRESS at it
// and stops it when the test ends. It fails the test when dbus-daemon is not installed (apt-get
// install dbus; `make deps` installs it).
func PrivateBus(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Fatalf("dbus-daemon is not installed (apt-get install dbus; `make deps` installs it): %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--session", "--nofork", "--nopidfile", "--print-address=1",
		"--address=unix:dir="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		if a == "" {
			t.Fatal("dbus-daemon printed no address")
		}
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", a)
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon did not print its address within 10s")
	}
	return ""
}
