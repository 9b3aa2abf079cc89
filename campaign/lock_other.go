//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package campaign

import "os"

// tryLockFile is a no-op where flock is unavailable: only the in-process
// claim guards a campaign there.
func tryLockFile(*os.File) (busy bool, err error) { return false, nil }
