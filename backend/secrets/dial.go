package secrets

import (
	"errors"
	"io/fs"
	"net"
	"syscall"
)

// isDialError reports whether err is the failure to reach the session bus's socket.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED)
}
