//go:build unix && !linux

package pgtest

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}
