package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
	"spotcast/ui/common"
)

// typeStep picks the message type.
type typeStep struct {
	c      *common.Common
	cursor int
	width  int
	height int
	up     key.Binding
	down   key.Binding
	choose key.Binding
}

func newTypeStep(c *common.Common) *typeStep {
	return &typeStep{c: c, up: common.KeyUp(), down: common.KeyDown(), choose: common.KeyChoose()}
}

// Selected is the highlighted type.
func (s *typeStep) Selected() campaign.MessageType { return campaign.MessageTypes[s.cursor] }

// Select highlights t (unknown types leave the selection alone).
func (s *typeStep) Select(t campaign.MessageType) {
	for i, k := range campaign.MessageTypes {
		if k == t {
			s.cursor = i
		}
	}
}

func (s *typeStep) Init() tea.Cmd             { return nil }
func (s *typeStep) SetSize(width, height int) { s.width, s.height = width, height }
func (s *typeStep) Validate() string          { return "" }

func (s *typeStep) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if msg, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(msg, s.up):
			s.cursor = (s.cursor + len(campaign.MessageTypes) - 1) % len(campaign.MessageTypes)
		case key.Matches(msg, s.down):
			s.cursor = (s.cursor + 1) % len(campaign.MessageTypes)
		case key.Matches(msg, s.choose):
			return s, advance
		}
	}
	return s, nil
}

func (s *typeStep) View() string {
	st := s.c.Styles
	var b strings.Builder
	b.WriteString(st.Title.Render("What kind of message?"))
	b.WriteString("\n\n")
	descs := make([]string, len(campaign.MessageTypes))
	rows := 2
	for i, t := range campaign.MessageTypes {
		// The description wraps under the name on narrow terminals.
		descs[i] = indent(st.Muted.Width(max(s.width-4, 10)).Render(t.Description()), 4)
		rows += 1 + strings.Count(descs[i], "\n") + 1
	}
	// On a short screen only the highlighted type keeps its description.
	compact := rows > s.height
	for i, t := range campaign.MessageTypes {
		name := "  " + string(t)
		if i == s.cursor {
			name = st.Selected.Render("› " + string(t))
		}
		b.WriteString(name + "\n")
		if !compact || i == s.cursor {
			b.WriteString(descs[i] + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func (s *typeStep) ShortHelp() []key.Binding { return []key.Binding{s.up, s.down, s.choose} }
func (s *typeStep) FullHelp() [][]key.Binding {
	return [][]key.Binding{{s.up, s.down, s.choose}}
}

// indent prefixes every line of s with n spaces.
func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = pad + lines[i]
	}
	return strings.Join(lines, "\n")
}
