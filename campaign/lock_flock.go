//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package campaign

import (
	"errors"
	"os"
	"syscall"
)

// tryLockFile takes an exclusive flock on f without blocking. The lock
// belongs to f's open file description, so another open of the same file —
// in this process or another — cannot take it until f is closed.
func tryLockFile(f *os.File) (busy bool, err error) {
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}
