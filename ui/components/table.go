// Package components holds the composer's reusable widgets: the
// virtualised table every long list uses with its columns and rows, the
// column picker, the path input with tab completion, the header, the help
// footer and the frame composition the root draws with. Each takes what
// it shows as options or arguments and answers with values; none reaches
// into a screen. They know nothing of campaigns beyond making text inert.
package components

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"spotcast/campaign"
)

// Table is a virtualised table: it knows only the row count, a cursor and the
// first visible row, and asks for the cells of the visible rows. View and
// every scroll key are therefore O(visible rows), whatever the row count
// (bubbles/table builds every row: bubbles issue #276).
type Table struct {
	Cursor, Offset int
	Rows           int // data rows (the header is extra)
	Height         int // lines available for data rows
}

func (t *Table) SetRows(n int) {
	t.Rows = n
	t.Clamp()
}

func (t *Table) SetHeight(h int) {
	t.Height = max(1, h)
	t.Clamp()
}

// Move puts the cursor delta rows away and scrolls just enough to show it.
func (t *Table) Move(delta int) {
	t.Cursor += delta
	t.Clamp()
}

// ScrollKeys are the bindings a virtualised table answers; screens embed
// them in their key maps (with their own labels).
type ScrollKeys struct {
	Up, Down, PgUp, PgDown, Home, End key.Binding
}

// Scroll moves the cursor for a Scroll key and reports whether msg was one.
func (t *Table) Scroll(msg tea.KeyMsg, k ScrollKeys) bool {
	switch {
	case key.Matches(msg, k.Up):
		t.Move(-1)
	case key.Matches(msg, k.Down):
		t.Move(1)
	case key.Matches(msg, k.PgUp):
		t.Move(-t.Page())
	case key.Matches(msg, k.PgDown):
		t.Move(t.Page())
	case key.Matches(msg, k.Home):
		t.Top()
	case key.Matches(msg, k.End):
		t.Bottom()
	default:
		return false
	}
	return true
}

func (t *Table) Top()    { t.Cursor = 0; t.Clamp() }
func (t *Table) Bottom() { t.Cursor = t.Rows - 1; t.Clamp() }
func (t *Table) Page() int {
	return max(1, t.Height)
}

func (t *Table) Clamp() {
	if t.Cursor >= t.Rows {
		t.Cursor = t.Rows - 1
	}
	if t.Cursor < 0 {
		t.Cursor = 0
	}
	if t.Cursor < t.Offset {
		t.Offset = t.Cursor
	}
	if t.Height > 0 && t.Cursor >= t.Offset+t.Height {
		t.Offset = t.Cursor - t.Height + 1
	}
	if maxOff := max(0, t.Rows-t.Height); t.Offset > maxOff {
		t.Offset = maxOff
	}
	if t.Offset < 0 {
		t.Offset = 0
	}
}

// Visible returns the half-open range of rows on screen.
func (t *Table) Visible() (from, to int) {
	return t.Offset, min(t.Rows, t.Offset+t.Height)
}

// Column is one table Column; width 0 means "take the rest".
type Column struct {
	Title string
	Width int
}

// LayoutColumns gives the flexible column (width 0) what the fixed ones leave
// of total, at least min.
func LayoutColumns(cols []Column, total, minFlex int) []Column {
	out := append([]Column(nil), cols...)
	fixed := 0
	for _, c := range out {
		fixed += c.Width + 1 // one space between columns
	}
	for i := range out {
		if out[i].Width == 0 {
			out[i].Width = max(minFlex, total-fixed)
		}
	}
	return out
}

// RenderRow pads or cuts every cell to its column. Cells are sanitised here,
// at render time, even though the import already did it: the table must stay
// inert whatever it is handed.
func RenderRow(b *strings.Builder, cols []Column, cells []string) {
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		s := ""
		if i < len(cells) {
			s = campaign.SanitizeLine(cells[i], c.Width)
		}
		b.WriteString(s)
		if i < len(cols)-1 {
			if pad := c.Width - ansi.StringWidth(s); pad > 0 {
				b.WriteString(strings.Repeat(" ", pad))
			}
		}
	}
}
