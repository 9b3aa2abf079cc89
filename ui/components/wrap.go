package components

import "github.com/charmbracelet/x/ansi"

// WrapLine wraps s to w cells (at least 10) at spaces, or inside a path
// after a /, never cutting a word short.
func WrapLine(s string, w int) string {
	return ansi.Wrap(s, max(10, w), "/")
}
