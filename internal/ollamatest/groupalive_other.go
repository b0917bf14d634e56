//go:build !linux && !windows

package ollamatest

import (
	"errors"
	"syscall"
)

// groupAlive reports whether a process of group pgid still exists (zombies included).
func groupAlive(pgid int) bool {
	return !errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH)
}
