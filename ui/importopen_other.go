//go:build !unix

package ui

import "os"

// openNoWait opens for reading; without unix FIFOs there is no writer to
// wait for.
func openNoWait(path string) (*os.File, error) { return os.Open(path) }
