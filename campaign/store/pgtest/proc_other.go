//go:build !unix

package pgtest

import "syscall"

type osUser struct {
	name     string
	uid, gid uint32
}

func unprivilegedUser() (*osUser, error) { return nil, nil }

func sysProcAttr(*osUser, bool) *syscall.SysProcAttr { return nil }

// processAlive cannot tell here: never sweep.
func processAlive(int) bool { return true }
