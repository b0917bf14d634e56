package ollamatest

import (
	"os/exec"
	"time"
)

// On Windows Ollama runs its runners in their own process groups; killing serve is the best a
// test can do there (the tests run on Linux).
func ownGroup(*exec.Cmd) {}

func killGroup(cmd *exec.Cmd) error { return cmd.Process.Kill() }

func terminate(cmd *exec.Cmd) error { return cmd.Process.Kill() }

func waitGroupGone(*exec.Cmd, time.Duration) error { return nil }
