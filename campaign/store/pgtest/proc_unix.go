//go:build unix

package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// osUser is the unprivileged user initdb and postgres run as when the
// tests run as root (both refuse root).
type osUser struct {
	name     string
	uid, gid uint32
	groups   []uint32
}

func unprivilegedUser() (*osUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		// Its own groups, none of root's.
		var groups []uint32
		ids, _ := u.GroupIds()
		for _, id := range ids {
			if g, err := strconv.ParseUint(id, 10, 32); err == nil && g != 0 {
				groups = append(groups, uint32(g))
			}
		}
		return &osUser{name, uint32(uid), uint32(gid), groups}, nil
	}
	return nil, fmt.Errorf("running as root, and there is no postgres or nobody user to run initdb and postgres as (they refuse root)")
}

func sysProcAttr(u *osUser, server bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{}
	if u != nil {
		attr.Credential = &syscall.Credential{Uid: u.uid, Gid: u.gid, Groups: u.groups}
	}
	if server {
		setParentDeathSignal(attr)
	}
	return attr
}

func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
