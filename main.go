// Command spotcast composes and sends WhatsSpot WhatsApp campaigns from a
// terminal: a TUI for people, flags for scripts.
package main

import (
	"os"

	"spotcast/ui/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
