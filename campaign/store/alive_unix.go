//go:build unix

package store

import (
	"errors"
	"syscall"
)

// processAlive reports whether pid is a running process of this host
// (one of another user's counts: EPERM).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
