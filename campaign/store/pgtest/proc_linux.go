package pgtest

import "syscall"

// setParentDeathSignal has the server shut down at once (SIGQUIT) when the
// test binary dies, even of SIGKILL.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGQUIT
}
