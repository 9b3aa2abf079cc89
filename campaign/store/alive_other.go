//go:build !unix

package store

// processAlive cannot tell here: a claim is then waited out.
func processAlive(int) bool { return true }
