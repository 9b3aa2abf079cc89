package common

import "github.com/charmbracelet/bubbles/key"

// The bindings every list shares, so j/k mean the same on every screen.

// KeyUp moves up a list: ↑ or k.
func KeyUp() key.Binding {
	return key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up"))
}

// KeyDown moves down a list: ↓ or j.
func KeyDown() key.Binding {
	return key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down"))
}

// KeyChoose takes the highlighted entry.
func KeyChoose() key.Binding {
	return key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose"))
}
