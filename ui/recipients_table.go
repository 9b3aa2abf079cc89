package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"spotcast/campaign"
)

// vtable is a virtualised table: it knows only the row count, a cursor and the
// first visible row, and asks for the cells of the visible rows. View and
// every scroll key are therefore O(visible rows), whatever the row count
// (bubbles/table builds every row: bubbles issue #276).
type vtable struct {
	cursor, offset int
	rows           int // data rows (the header is extra)
	height         int // lines available for data rows
}

func (t *vtable) setRows(n int) {
	t.rows = n
	t.clamp()
}

func (t *vtable) setHeight(h int) {
	t.height = max(1, h)
	t.clamp()
}

// move puts the cursor delta rows away and scrolls just enough to show it.
func (t *vtable) move(delta int) {
	t.cursor += delta
	t.clamp()
}

// scrollKeys are the bindings a virtualised table answers; screens embed
// them in their key maps (with their own labels).
type scrollKeys struct {
	Up, Down, PgUp, PgDown, Home, End key.Binding
}

// scroll moves the cursor for a scroll key and reports whether msg was one.
func (t *vtable) scroll(msg tea.KeyMsg, k scrollKeys) bool {
	switch {
	case key.Matches(msg, k.Up):
		t.move(-1)
	case key.Matches(msg, k.Down):
		t.move(1)
	case key.Matches(msg, k.PgUp):
		t.move(-t.page())
	case key.Matches(msg, k.PgDown):
		t.move(t.page())
	case key.Matches(msg, k.Home):
		t.top()
	case key.Matches(msg, k.End):
		t.bottom()
	default:
		return false
	}
	return true
}

func (t *vtable) top()    { t.cursor = 0; t.clamp() }
func (t *vtable) bottom() { t.cursor = t.rows - 1; t.clamp() }
func (t *vtable) page() int {
	return max(1, t.height)
}

func (t *vtable) clamp() {
	if t.cursor >= t.rows {
		t.cursor = t.rows - 1
	}
	if t.cursor < 0 {
		t.cursor = 0
	}
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.height > 0 && t.cursor >= t.offset+t.height {
		t.offset = t.cursor - t.height + 1
	}
	if maxOff := max(0, t.rows-t.height); t.offset > maxOff {
		t.offset = maxOff
	}
	if t.offset < 0 {
		t.offset = 0
	}
}

// visible returns the half-open range of rows on screen.
func (t *vtable) visible() (from, to int) {
	return t.offset, min(t.rows, t.offset+t.height)
}

// column is one table column; width 0 means "take the rest".
type column struct {
	title string
	width int
}

// layoutColumns gives the flexible column (width 0) what the fixed ones leave
// of total, at least min.
func layoutColumns(cols []column, total, minFlex int) []column {
	out := append([]column(nil), cols...)
	fixed := 0
	for _, c := range out {
		fixed += c.width + 1 // one space between columns
	}
	for i := range out {
		if out[i].width == 0 {
			out[i].width = max(minFlex, total-fixed)
		}
	}
	return out
}

// renderRow pads or cuts every cell to its column. Cells are sanitised here,
// at render time, even though the import already did it: the table must stay
// inert whatever it is handed.
func renderRow(b *strings.Builder, cols []column, cells []string) {
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		s := ""
		if i < len(cells) {
			s = campaign.SanitizeLine(cells[i], c.width)
		}
		b.WriteString(s)
		if i < len(cols)-1 {
			if pad := c.width - ansi.StringWidth(s); pad > 0 {
				b.WriteString(strings.Repeat(" ", pad))
			}
		}
	}
}

// recipientColumns are the columns of the recipients table: where each
// number comes from (the CSV's name, or typed) beside it.
func recipientColumns(width int, names bool) []column {
	cols := []column{{"#", 7}, {"Phone", 16}}
	if names {
		cols = append(cols, column{"Name", 0}, column{"From", 14})
	} else {
		cols = append(cols, column{"From", 0})
	}
	cols = append(cols, column{"Line", 7})
	return layoutColumns(cols, width, 8)
}

// recipientCells: the number in E.164 with its +, as everywhere else.
func recipientCells(i int, r campaign.Recipient, names bool, from string) []string {
	cells := []string{commas(i + 1), "+" + r.Phone}
	if names {
		cells = append(cells, r.Name)
	}
	return append(cells, from, commas(r.Line))
}

// problemColumns are the columns of the problems table.
func problemColumns(width int) []column {
	value := 22
	if width < 60 {
		value = 14
	}
	return layoutColumns([]column{{"Line", 7}, {"Value", value}, {"Reason", 0}}, width, 10)
}

func problemCells(p campaign.ImportProblem) []string {
	return []string{commas(p.Line), p.Value, keyWords(p.Reason)}
}

// commas formats n with thousands separators (1,000,000).
func commas(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	lead := len(s) % 3
	if lead == 0 {
		lead = 3
	}
	b.WriteString(s[:lead])
	for i := lead; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// clampView cuts a screen to w×h: a line too wide would wrap and a frame too
// tall would scroll the alt screen, both garbling the frame.
func clampView(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if h > 0 && len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	return strings.Join(lines, "\n")
}
