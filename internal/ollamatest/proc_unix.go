//go:build !windows

package ollamatest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// ownGroup puts ollama serve in a process group of its own. Ollama starts a runner process per
// loaded model and does not put it in a group of its own, so signalling the group reaches both:
// a SIGKILL to serve alone would leave the runner orphaned and still serving.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup sends SIGKILL to serve and every runner it started.
func killGroup(cmd *exec.Cmd) error {
	err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil // already gone
	}
	return err
}

// waitGroupGone waits until no process of serve's group is left running, so a caller that
// killed Ollama can rely on it being gone.
func waitGroupGone(cmd *exec.Cmd, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if !groupAlive(cmd.Process.Pid) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes of ollama's group %d still exist %v after SIGKILL", cmd.Process.Pid, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// terminate asks serve to shut down cleanly; it stops its runners itself.
func terminate(cmd *exec.Cmd) error {
	err := cmd.Process.Signal(syscall.SIGTERM)
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}
