package components

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
	"spotcast/ui/common"
)

// ColumnPicker lists a table's columns with each one's first value, so the
// operator can say which to use; the one in use is marked and pre-selected.
// It only answers which index was chosen: what a column means is the
// caller's.
type ColumnPicker struct {
	Keys    ColumnPickerKeys
	title   string
	hint    string
	names   []string
	samples []string
	current int // the column in use, -1 when none
	list    Table
}

// ColumnPickerOptions is what a picker shows.
type ColumnPickerOptions struct {
	// Title says why the picker is open; Hint asks the question.
	Title, Hint string
	// Names are the columns' headers ("" when a column has none), Samples
	// each one's first value.
	Names, Samples []string
	// Current is the column in use (-1: none): marked ✓ and pre-selected.
	Current int
}

// ColumnPickerKeys are the picker's bindings; Scroll pages through a long
// header.
type ColumnPickerKeys struct {
	Up, Down, Choose, Close key.Binding
	Scroll                  ScrollKeys
}

func DefaultColumnPickerKeys() ColumnPickerKeys {
	return ColumnPickerKeys{
		Up:     common.KeyUp(),
		Down:   common.KeyDown(),
		Choose: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "use this column")),
		Close:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
		Scroll: ScrollKeys{
			PgUp:   key.NewBinding(key.WithKeys("pgup")),
			PgDown: key.NewBinding(key.WithKeys("pgdown")),
			Home:   key.NewBinding(key.WithKeys("home", "g")),
			End:    key.NewBinding(key.WithKeys("end", "G")),
		},
	}
}

// NewColumnPicker opens a picker height lines tall.
func NewColumnPicker(o ColumnPickerOptions, height int) *ColumnPicker {
	p := &ColumnPicker{Keys: DefaultColumnPickerKeys(), title: o.Title, hint: o.Hint,
		names: o.Names, samples: o.Samples, current: o.Current}
	if p.current >= len(p.names) {
		p.current = -1
	}
	p.list.SetRows(len(o.Names))
	p.SetHeight(height)
	p.list.Cursor = max(p.current, 0)
	p.list.Clamp()
	return p
}

// SetHeight fits the list in h lines, with the title, hint and header.
func (p *ColumnPicker) SetHeight(h int) { p.list.SetHeight(h - 3) }

// Update handles a key: chose is the index picked (-1: none), closed that
// the picker is done (chosen or not).
func (p *ColumnPicker) Update(msg tea.KeyMsg) (chose int, closed bool) {
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 {
		// A burst of keys (fast typing, an SSH round trip) comes as one
		// message: each is a move.
		for _, r := range msg.Runes {
			p.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		}
		return -1, false
	}
	switch {
	case key.Matches(msg, p.Keys.Close):
		return -1, true
	case key.Matches(msg, p.Keys.Choose):
		if p.list.Rows == 0 {
			return -1, true
		}
		return p.list.Cursor, true
	case key.Matches(msg, p.Keys.Up):
		p.list.Move(-1)
	case key.Matches(msg, p.Keys.Down):
		p.list.Move(1)
	default:
		p.list.Scroll(msg, p.Keys.Scroll)
	}
	return -1, false
}

// Cursor is the highlighted column.
func (p *ColumnPicker) Cursor() int { return p.list.Cursor }

// View draws the title, the hint and the visible columns in width cells.
func (p *ColumnPicker) View(st *common.Styles, width int) string {
	w := max(20, width)
	var b strings.Builder
	b.WriteString(WrapLine(st.Header.Render(campaign.SanitizeLine(p.title, 0)), w))
	b.WriteString("\n")
	b.WriteString(st.Muted.Render(campaign.SanitizeLine(p.hint, w)))
	b.WriteString("\n")
	nameW := min(28, max(10, (w-6)/2))
	cols := []Column{{Title: "Column", Width: nameW}, {Title: "First row", Width: 0}}
	cols = LayoutColumns(cols, w-2, 8)
	var row strings.Builder
	row.WriteString("  ")
	RenderRow(&row, cols, []string{cols[0].Title, cols[1].Title})
	b.WriteString(st.Header.Render(row.String()))
	from, to := p.list.Visible()
	for i := from; i < to; i++ {
		name := p.names[i]
		if name == "" {
			name = fmt.Sprintf("(column %d, no name)", i+1)
		}
		if i == p.current {
			name += " ✓"
		}
		sample := ""
		if i < len(p.samples) {
			sample = p.samples[i]
		}
		row.Reset()
		if i == p.list.Cursor {
			row.WriteString("> ")
		} else {
			row.WriteString("  ")
		}
		RenderRow(&row, cols, []string{name, sample})
		b.WriteString("\n")
		if i == p.list.Cursor {
			b.WriteString(st.Selected.Render(row.String()))
		} else {
			b.WriteString(row.String())
		}
	}
	return b.String()
}

// ShortHelp is the picker's keys for the footer.
func (p *ColumnPicker) ShortHelp() []key.Binding {
	return []key.Binding{p.Keys.Up, p.Keys.Down, p.Keys.Choose, p.Keys.Close}
}
