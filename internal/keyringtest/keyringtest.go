//go:build linux

package keyringtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Password unlocks the test keyring.
const Password = "keyringtest-password"

const installHint = "install dbus, gnome-keyring and libsecret-tools (`make deps` does: apt-get install dbus gnome-keyring libsecret-tools)"

// Bus is a private D-Bus session bus this process uses as its session bus until the test ends.
type Bus struct {
	// Address is its DBUS_SESSION_BUS_ADDRESS.
	Address string
	dir     string
	t       testing.TB
}

// Keyring is a running, unlocked gnome-keyring on a private bus.
type Keyring struct {
	*Bus
}

// StartBus starts a session bus that offers no Secret Service at all (and cannot start one: the
// bus is configured without service activation), as on a server without a desktop.
func StartBus(t testing.TB) *Bus {
	t.Helper()
	need(t, "dbus-daemon")
	// A short path: a Unix socket path may not be longer than 108 bytes.
	dir, err := os.MkdirTemp("", "kr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(busConfig(filepath.Join(dir, "bus"))), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// Its complaints (e.g. that it may not raise its file limit) matter only when a test fails.
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t.Cleanup(func() {
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("dbus-daemon said: %s", stderr.String())
		}
	})
	start(t, cmd)
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	b := &Bus{dir: dir, t: t}
	select {
	case b.Address = <-addr:
	case <-time.After(10 * time.Second):
		t.Fatal("keyringtest: dbus-daemon did not print its address within 10 s")
	}
	if b.Address == "" {
		t.Fatal("keyringtest: dbus-daemon exited without printing its address")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", b.Address)
	ResetSessionBus()
	t.Cleanup(ResetSessionBus)
	return b
}

// Start starts a private bus with gnome-keyring-daemon on it, its default ("login") collection
// created and unlocked with Password.
func Start(t testing.TB) *Keyring {
	t.Helper()
	need(t, "gnome-keyring-daemon")
	b := StartBus(t)
	for _, d := range []string{"run", "data", "config", "cache"} {
		if err := os.MkdirAll(filepath.Join(b.dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// --foreground keeps the daemon our child, so the test can stop it; --unlock reads the
	// password from standard input and creates the login keyring with it.
	cmd := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	cmd.Env = append(os.Environ(),
		"DBUS_SESSION_BUS_ADDRESS="+b.Address,
		"XDG_RUNTIME_DIR="+filepath.Join(b.dir, "run"),
		"XDG_DATA_HOME="+filepath.Join(b.dir, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(b.dir, "config"),
		"XDG_CACHE_HOME="+filepath.Join(b.dir, "cache"),
	)
	cmd.Stdin = strings.NewReader(Password)
	start(t, cmd)
	k := &Keyring{Bus: b}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := k.waitReady()
		if err == nil {
			return k
		}
		if time.Now().After(deadline) {
			t.Fatalf("keyringtest: gnome-keyring did not become ready within 10 s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitReady succeeds once the daemon owns the Secret Service name and its default collection
// exists and is unlocked.
func (k *Keyring) waitReady() error {
	conn, err := k.conn()
	if err != nil {
		return err
	}
	defer conn.Close()
	svc := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
	var path dbus.ObjectPath
	if err := svc.Call("org.freedesktop.Secret.Service.ReadAlias", 0, "default").Store(&path); err != nil {
		return err
	}
	if path == "/" {
		return errors.New("no default collection yet")
	}
	locked, err := conn.Object("org.freedesktop.secrets", path).GetProperty("org.freedesktop.Secret.Collection.Locked")
	if err != nil {
		return err
	}
	if locked.Value() != false {
		return errors.New("the default collection is still locked")
	}
	return nil
}

// Lock locks the default collection, as the desktop does when the screen locks: reading or
// writing then needs an unlock prompt, which on this display-less bus cannot be shown.
func (k *Keyring) Lock() {
	k.t.Helper()
	conn, err := k.conn()
	if err != nil {
		k.t.Fatal(err)
	}
	defer conn.Close()
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	err = conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets").
		Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{"/org/freedesktop/secrets/aliases/default"}).
		Store(&locked, &prompt)
	if err != nil || len(locked) != 1 {
		k.t.Fatalf("keyringtest: lock the default collection: %v (locked %v)", err, locked)
	}
}

// Lookup reads a secret the way any other program would, with libsecret's secret-tool: it proves
// what is really in the keyring, independently of the code under test.
func (k *Keyring) Lookup(service, account string) (string, bool) {
	k.t.Helper()
	need(k.t, "secret-tool")
	out, stderr, err := k.secretTool("lookup", "service", service, "username", account)
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 1 && len(stderr) == 0 {
			return "", false
		}
		k.t.Fatalf("keyringtest: secret-tool lookup: %v: %s", err, stderr)
	}
	return string(out), true
}

// Accounts lists the accounts that have a secret stored under service.
func (k *Keyring) Accounts(service string) []string {
	k.t.Helper()
	need(k.t, "secret-tool")
	out, stderr, err := k.secretTool("search", "--all", "service", service)
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 1 && len(out) == 0 {
			return nil
		}
		k.t.Fatalf("keyringtest: secret-tool search: %v: %s", err, stderr)
	}
	var accounts []string
	for line := range strings.Lines(string(out) + string(stderr)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "attribute.username = "); ok {
			accounts = append(accounts, v)
		}
	}
	return accounts
}

// secretTool runs secret-tool against the private bus. search prints the attributes on standard
// error, so both outputs are returned.
func (k *Keyring) secretTool(args ...string) (stdout, stderr []byte, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "secret-tool", args...)
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+k.Address)
	var eb strings.Builder
	cmd.Stderr = &eb
	out, err := cmd.Output()
	return out, []byte(eb.String()), err
}

// conn is a private connection to the bus, so the harness never disturbs the shared one the
// code under test uses.
func (b *Bus) conn() (*dbus.Conn, error) {
	conn, err := dbus.Dial(b.Address)
	if err != nil {
		return nil, err
	}
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		return nil, err
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// ResetSessionBus closes godbus's shared session connection, so that the next user (go-keyring)
// dials the bus DBUS_SESSION_BUS_ADDRESS names now instead of reusing one from an earlier test.
func ResetSessionBus() {
	if c, err := dbus.SessionBus(); err == nil {
		c.Close()
	}
}

func need(t testing.TB, bin string) {
	t.Helper()
	if _, err := exec.LookPath(bin); err != nil {
		t.Fatalf("keyringtest: %s is not installed: %s", bin, installHint)
	}
}

// start runs cmd in its own process group and stops the group when the test ends.
func start(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("keyringtest: start %s: %v", cmd.Path, err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
}

func busConfig(socket string) string {
	return fmt.Sprintf(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`, socket)
}
