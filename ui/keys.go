package ui

import "github.com/charmbracelet/bubbles/key"

// globalKeys are handled by the root before the active screen sees a key.
type globalKeys struct {
	Next key.Binding
	Back key.Binding
	Help key.Binding
	// HelpTyping opens help while a text field has the keyboard: f1 is
	// never text, ? is.
	HelpTyping key.Binding
	Quit       key.Binding
	// Jobs opens the journal's campaigns from the first step. Not j: that
	// moves down the type list (vim keys).
	Jobs key.Binding
	// ToJobs leaves a progress view opened from the jobs list.
	ToJobs key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Next:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next")),
		Back:       key.NewBinding(key.WithKeys("shift+tab", "esc"), key.WithHelp("shift+tab/esc", "back")),
		Help:       key.NewBinding(key.WithKeys("?", "f1"), key.WithHelp("?", "help")),
		HelpTyping: key.NewBinding(key.WithKeys("f1"), key.WithHelp("f1", "help")),
		Quit:       key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Jobs:       key.NewBinding(key.WithKeys("J"), key.WithHelp("J", "jobs")),
		ToJobs:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "jobs list")),
	}
}

// helpKeys joins the active screen's bindings with the global ones that
// work right now, so help only lists keys that do something.
type helpKeys struct {
	screen  []key.Binding
	full    [][]key.Binding
	globals []key.Binding
}

func (h helpKeys) ShortHelp() []key.Binding {
	return append(append([]key.Binding{}, h.screen...), h.globals...)
}

func (h helpKeys) FullHelp() [][]key.Binding {
	return append(append([][]key.Binding{}, h.full...), h.globals)
}
