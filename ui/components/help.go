package components

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
)

// Help is the footer: every key that works now on one line or, when they
// do not fit, the first ones, the key to see the rest ("? more") and quit
// — never a bare ellipsis that hides how to see the rest — and the full
// help when asked for.
type Help struct {
	Model help.Model
	// sig and short cache the short help: it changes with the keys that
	// work, not with every frame.
	sig, short string
}

// NewHelp draws with h (styled from the session's renderer).
func NewHelp(h help.Model) Help { return Help{Model: h} }

// ShortView is keys on one line of width cells. more opens the full help
// and quit leaves: when keys do not fit, the first ones that do are shown
// with more (as "more") and quit, which keys may hold too.
func (h *Help) ShortView(keys []key.Binding, more, quit key.Binding, width int) string {
	var sig strings.Builder
	fmt.Fprintf(&sig, "%d", width)
	for _, k := range append(keys, more, quit) {
		if k.Enabled() {
			sig.WriteString("\x00" + k.Help().Key + "\x01" + k.Help().Desc)
		}
	}
	if sig.String() != h.sig {
		h.sig, h.short = sig.String(), h.renderShort(keys, more, quit, width)
	}
	return h.short
}

func (h *Help) renderShort(keys []key.Binding, more, quit key.Binding, w int) string {
	m := h.Model
	m.Width = 0 // measure whole; the cut is ours
	if v := m.ShortHelpView(keys); lipgloss.Width(v) <= w {
		return v
	}
	var rest []key.Binding
	for _, k := range keys {
		if k.Help() != more.Help() && k.Help() != quit.Help() {
			rest = append(rest, k)
		}
	}
	more.SetHelp(more.Help().Key, "more")
	for n := len(rest); n > 0; n-- {
		try := append(append([]key.Binding{}, rest[:n]...), more, quit)
		if v := m.ShortHelpView(try); lipgloss.Width(v) <= w {
			return v
		}
	}
	return m.ShortHelpView([]key.Binding{more, quit})
}

// FullView is every group of keys, in columns, in width cells.
func (h *Help) FullView(groups [][]key.Binding, width int) string {
	h.Model.Width = width
	return h.Model.FullHelpView(groups)
}
