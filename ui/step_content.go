package ui

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"spotcast/campaign"
	"spotcast/ui/common"
)

// contentStep edits the text (TEXT) or the caption (media types).
type contentStep struct {
	c       *common.Common
	ta      textarea.Model
	typ     campaign.MessageType
	width   int
	height  int
	newline key.Binding
	// placeholders are the {name}-like words in the text, found when it
	// changes (not per frame): each recipient gets them as written.
	placeholders []string
}

// placeholderRE finds what mail-merge tools use for a recipient's details:
// {name}, {{ name }}, %name%, [name].
var placeholderRE = regexp.MustCompile(`\{\{\s*[A-Za-z_][\w.-]*\s*\}\}|\{\s*[A-Za-z_][\w.-]*\s*\}|%[A-Za-z_][\w.-]*%|\[[A-Za-z_][\w.-]*\]`)

// findPlaceholders lists the distinct placeholders in text, the first three.
func findPlaceholders(text string) []string {
	var out []string
	for _, p := range placeholderRE.FindAllString(text, -1) {
		if len(out) == 3 {
			break
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func newContentStep(c *common.Common) *contentStep {
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
func (s *contentStep) SetValue(v string) { s.ta.SetValue(v); s.textChanged() }
func (s *contentStep) Capturing() bool   { return s.ta.Focused() }
func (s *contentStep) Focus() tea.Cmd    { return s.ta.Focus() }
func (s *contentStep) Blur()             { s.ta.Blur() }
func (s *contentStep) Init() tea.Cmd     { return nil }

func (s *contentStep) SetSize(width, height int) {
	s.width, s.height = width, height
	s.ta.SetWidth(max(width, 10))
	s.fitTextArea()
}

// fitTextArea gives the textarea what the title, the counter line and the
// placeholder hint leave.
func (s *contentStep) fitTextArea() {
	rows := 0
	if h := s.hint(); h != "" {
		rows = lipgloss.Height(h)
	}
	s.ta.SetHeight(max(s.height-5-rows, 3))
}

func (s *contentStep) textChanged() {
	ps := findPlaceholders(s.ta.Value())
	if strings.Join(ps, "\x00") != strings.Join(s.placeholders, "\x00") {
		s.placeholders = ps
		s.fitTextArea()
	}
}

// hint says that placeholders are not filled in, or "".
func (s *contentStep) hint() string {
	if len(s.placeholders) == 0 {
		return ""
	}
	what := campaign.SanitizeLine(strings.Join(s.placeholders, ", "), 40)
	it := "it is"
	if len(s.placeholders) > 1 {
		it = "they are"
	}
	return s.c.Styles.Warning.Width(max(s.width, 10)).Render(fmt.Sprintf(
		"⚠ %s: %s sent as written, to everyone — spotcast does not fill in recipients' details (personalised messages come later).", what, it))
}

// Validate refuses an empty TEXT and anything over WhatsApp's limit.
func (s *contentStep) Validate() string {
	ps := campaign.Campaign{Type: s.typ, Content: s.Value()}.Validate(s.c.Now()).For(campaign.FieldContent)
	if len(ps) > 0 {
		return ps[0].Message
	}
	return ""
}

func (s *contentStep) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	s.ta, cmd = s.ta.Update(msg)
	s.textChanged()
	return s, cmd
}

func (s *contentStep) View() string {
	st := s.c.Styles
	title := "Message text"
	if s.typ.IsMedia() {
		title = fmt.Sprintf("Caption for the %s (optional)", strings.ToLower(string(s.typ)))
	}
	n, limit := campaign.Chars(s.Value()), s.typ.ContentLimit()
	counter := commas(n) + " / " + commas(limit)
	var note string
	switch {
	case n > limit:
		counter = st.Error.Render(counter)
		note = st.Error.Render(campaign.Plural(n-limit, "character", "characters") + " over the limit: shorten it before going on")
	case n*10 >= limit*9:
		// Warn in the last tenth so the operator can plan the cut.
		counter = st.Warning.Render(counter)
		note = st.Warning.Render(campaign.Plural(limit-n, "character", "characters") + " left")
	default:
		counter = st.Muted.Render(counter)
	}
	bottom := lipgloss.JoinHorizontal(lipgloss.Top, note,
		strings.Repeat(" ", max(s.width-lipgloss.Width(note)-lipgloss.Width(counter), 1)), counter)
	out := st.Title.Render(title) + "\n\n" + s.ta.View() + "\n" + bottom
	if h := s.hint(); h != "" {
		out += "\n" + h
	}
	return out
}

func (s *contentStep) ShortHelp() []key.Binding { return []key.Binding{s.newline} }
func (s *contentStep) FullHelp() [][]key.Binding {
	k := s.ta.KeyMap
	return [][]key.Binding{{s.newline, k.LineStart, k.LineEnd, k.DeleteWordBackward, k.Paste}}
}
