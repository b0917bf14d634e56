package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binEnv names the binary under test. make test-e2e sets it to the freshly built binary.
const binEnv = "CLOUDTOLOCALLLM_BIN"

// chromiumPath is Debian's Chromium, installed by `make deps`.
const chromiumPath = "/usr/bin/chromium"

// appBinary returns the absolute path of the binary under test. Without CLOUDTOLOCALLLM_BIN the test
// is skipped (someone ran plain `go test ./...`); with it, a binary that is not there is a failure.
func appBinary(t *testing.T) string {
	t.Helper()
	p := os.Getenv(binEnv)
	if p == "" {
		t.Skip("end-to-end tests drive the built binary: run them with `make test-e2e` (sets " + binEnv + ")")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatalf("%s=%q: %v", binEnv, p, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		t.Fatalf("%s=%q: the binary is missing (run `make build`): %v", binEnv, p, err)
	}
	if st.Mode()&0o111 == 0 {
		t.Fatalf("%s=%q is not executable", binEnv, p)
	}
	return abs
}

// requireTool fails the test when an external program the test needs is not installed.
func requireTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed (apt-get install %s; `make deps` installs it): %v", name, pkg, err)
	}
	return p
}

// requireChromium fails the test when headless Chromium is not there.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("browser tests need Chromium at %s (apt-get install chromium; `make deps` installs it): %v", chromiumPath, err)
	}
}

// requireDisplay fails the test when there is no X display: the desktop test must run under
// xvfb-run, as make test-e2e does.
func requireDisplay(t *testing.T) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("the desktop test needs an X display: run it with `make test-e2e` (xvfb-run)")
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		// Without a private session bus GTK autolaunches one that outlives the test.
		t.Fatal("the desktop test needs a private D-Bus session: run it with `make test-e2e` (dbus-run-session)")
	}
}
