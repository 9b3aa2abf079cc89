// Package cli wires spotcast's commands (cobra) to the engine and the TUI.
package cli

import "fmt"

// Main runs the command line and returns the process exit code.
func Main(args []string) int {
	fmt.Println("spotcast: under construction")
	return 0
}
