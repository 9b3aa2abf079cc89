package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"spotcast/campaign"
)

// contentStep edits the text (TEXT) or the caption (media types).
type contentStep struct {
	c       *Common
	ta      textarea.Model
	typ     campaign.MessageType
	width   int
	height  int
	newline key.Binding
}

func newContentStep(c *Common) *contentStep {
	s := &contentStep{
		c:       c,
		ta:      c.NewTextArea(),
		typ:     campaign.TypeText,
		newline: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "new line")),
	}
	s.ta.ShowLineNumbers = false
	s.ta.Prompt = "┃ "
	s.ta.CharLimit = 0 // the limit is shown, not enforced: a paste may be trimmed by hand
	s.ta.MaxHeight = 0
	s.ta.Placeholder = "Type the message…"
	return s
}

// SetType sets the type whose limit and wording apply.
func (s *contentStep) SetType(t campaign.MessageType) {
	s.typ = t
	if t.IsMedia() {
		s.ta.Placeholder = "Type a caption (optional)…"
	} else {
		s.ta.Placeholder = "Type the message…"
	}
}

func (s *contentStep) Value() string     { return s.ta.Value() }
func (s *contentStep) SetValue(v string) { s.ta.SetValue(v) }
func (s *contentStep) Capturing() bool   { return s.ta.Focused() }
func (s *contentStep) Focus() tea.Cmd    { return s.ta.Focus() }
func (s *contentStep) Blur()             { s.ta.Blur() }
func (s *contentStep) Init() tea.Cmd     { return nil }

func (s *contentStep) SetSize(width, height int) {
	s.width, s.height = width, height
	s.ta.SetWidth(max(width, 10))
	// Title, blank line, counter and a line for the limit message.
	s.ta.SetHeight(max(height-5, 3))
}

// Validate refuses an empty TEXT and anything over WhatsApp's limit.
func (s *contentStep) Validate() string {
	ps := campaign.Campaign{Type: s.typ, Content: s.Value()}.Validate(s.c.now()).For(campaign.FieldContent)
	if len(ps) > 0 {
		return ps[0].Message
	}
	return ""
}

func (s *contentStep) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	s.ta, cmd = s.ta.Update(msg)
	return s, cmd
}

func (s *contentStep) View() string {
	st := s.c.Styles
	title := "Message text"
	if s.typ.IsMedia() {
		title = fmt.Sprintf("Caption for the %s (optional)", strings.ToLower(string(s.typ)))
	}
	n, limit := campaign.Chars(s.Value()), s.typ.ContentLimit()
	counter := fmt.Sprintf("%d / %d", n, limit)
	var note string
	switch {
	case n > limit:
		counter = st.Error.Render(counter)
		note = st.Error.Render(fmt.Sprintf("%d over the limit: shorten it before going on", n-limit))
	case n*10 >= limit*9:
		// Warn in the last tenth so the operator can plan the cut.
		counter = st.Warning.Render(counter)
		note = st.Warning.Render(fmt.Sprintf("%d characters left", limit-n))
	default:
		counter = st.Muted.Render(counter)
	}
	bottom := lipgloss.JoinHorizontal(lipgloss.Top, note,
		strings.Repeat(" ", max(s.width-lipgloss.Width(note)-lipgloss.Width(counter), 1)), counter)
	return st.Title.Render(title) + "\n\n" + s.ta.View() + "\n" + bottom
}

func (s *contentStep) ShortHelp() []key.Binding { return []key.Binding{s.newline} }
func (s *contentStep) FullHelp() [][]key.Binding {
	k := s.ta.KeyMap
	return [][]key.Binding{{s.newline, k.LineStart, k.LineEnd, k.DeleteWordBackward, k.Paste}}
}
