package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
	"spotcast/ui/common"
	"spotcast/ui/components"
)

// columnPicker lists a contact list's columns so the operator can say which
// holds the numbers; the one in use (or detected) is pre-selected.
type columnPicker struct {
	keys    columnPickerKeys
	path    string // the file whose columns these are
	title   string // why the picker is open
	cols    *campaign.Columns
	current int // the column in use, -1 when none
	list    components.Table
	width   int
}

type columnPickerKeys struct {
	Up, Down, Choose, Close key.Binding
}

func newColumnPickerKeys() columnPickerKeys {
	return columnPickerKeys{
		Up:     keyUp(),
		Down:   keyDown(),
		Choose: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "use this column")),
		Close:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
	}
}

// columnsReadMsg is the outcome of reading a file's columns for the picker.
type columnsReadMsg struct {
	id    int
	path  string
	cols  *campaign.Columns
	err   error
	title string
	using string // the column the list was read with, to pre-select
}

// readColumnsCmd reads path's columns off the UI goroutine.
func readColumnsCmd(id int, path, title, using string) tea.Cmd {
	return func() tea.Msg {
		msg := columnsReadMsg{id: id, path: path, title: title, using: using}
		f, _, err := openContactList(path)
		if err != nil {
			msg.err = err
			return msg
		}
		defer f.Close()
		msg.cols, msg.err = campaign.ReadColumns(f)
		return msg
	}
}

func newColumnPicker(msg columnsReadMsg, height, width int) *columnPicker {
	p := &columnPicker{keys: newColumnPickerKeys(), path: msg.path, title: msg.title, cols: msg.cols, current: -1, width: width}
	for i := range msg.cols.Names {
		if msg.using != "" && (strings.EqualFold(msg.cols.Option(i), msg.using) || strings.EqualFold(msg.cols.Names[i], msg.using)) {
			p.current = i
			break
		}
	}
	if p.current < 0 {
		p.current = msg.cols.Detected
	}
	p.list.SetRows(len(msg.cols.Names))
	p.setHeight(height)
	p.list.Cursor = max(p.current, 0)
	p.list.Clamp()
	return p
}

func (p *columnPicker) setHeight(h int) { p.list.SetHeight(h - 3) } // title, hint, header

// update handles a key: chose is the PhoneColumn option picked, closed
// that the picker is done (chosen or not).
func (p *columnPicker) update(msg tea.KeyMsg) (chose string, closed bool) {
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 {
		// A burst of keys (fast typing, an SSH round trip) comes as one
		// message: each is a move.
		for _, r := range msg.Runes {
			p.update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		}
		return "", false
	}
	switch {
	case key.Matches(msg, p.keys.Close):
		return "", true
	case key.Matches(msg, p.keys.Choose):
		return p.cols.Option(p.list.Cursor), true
	case key.Matches(msg, p.keys.Up):
		p.list.Move(-1)
	case key.Matches(msg, p.keys.Down):
		p.list.Move(1)
	default:
		p.list.Scroll(msg, components.ScrollKeys{
			PgUp:   key.NewBinding(key.WithKeys("pgup")),
			PgDown: key.NewBinding(key.WithKeys("pgdown")),
			Home:   key.NewBinding(key.WithKeys("home", "g")),
			End:    key.NewBinding(key.WithKeys("end", "G")),
		})
	}
	return "", false
}

func (p *columnPicker) view(st *common.Styles, width int) string {
	w := max(20, width)
	var b strings.Builder
	b.WriteString(wrapLine(st.Header.Render(campaign.SanitizeLine(p.title, 0)), w))
	b.WriteString("\n")
	b.WriteString(st.Muted.Render(campaign.SanitizeLine("Which column holds the numbers? enter: use it · esc: keep as is", w)))
	b.WriteString("\n")
	nameW := min(28, max(10, (w-6)/2))
	cols := []components.Column{{Title: "Column", Width: nameW}, {Title: "First row", Width: 0}}
	cols = components.LayoutColumns(cols, w-2, 8)
	var row strings.Builder
	row.WriteString("  ")
	components.RenderRow(&row, cols, []string{cols[0].Title, cols[1].Title})
	b.WriteString(st.Header.Render(row.String()))
	from, to := p.list.Visible()
	for i := from; i < to; i++ {
		name := p.cols.Names[i]
		if name == "" {
			name = fmt.Sprintf("(column %d, no name)", i+1)
		}
		if i == p.current {
			name += " ✓"
		}
		row.Reset()
		if i == p.list.Cursor {
			row.WriteString("> ")
		} else {
			row.WriteString("  ")
		}
		components.RenderRow(&row, cols, []string{name, p.cols.Samples[i]})
		b.WriteString("\n")
		if i == p.list.Cursor {
			b.WriteString(st.Selected.Render(row.String()))
		} else {
			b.WriteString(row.String())
		}
	}
	return b.String()
}

func (p *columnPicker) shortHelp() []key.Binding {
	return []key.Binding{p.keys.Up, p.keys.Down, p.keys.Choose, p.keys.Close}
}
