package components

import (
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// The table knows counts only: a million rows scroll like ten, and the
// cursor is always on screen.
func TestTableScrollsAMillionRows(t *testing.T) {
	var tb Table
	tb.SetHeight(10)
	tb.SetRows(1_000_000)
	k := ScrollKeys{
		Up: key.NewBinding(key.WithKeys("up", "k")), Down: key.NewBinding(key.WithKeys("down", "j")),
		PgUp: key.NewBinding(key.WithKeys("pgup")), PgDown: key.NewBinding(key.WithKeys("pgdown")),
		Home: key.NewBinding(key.WithKeys("home")), End: key.NewBinding(key.WithKeys("end")),
	}
	press := func(s string) bool {
		switch s {
		case "pgdown":
			return tb.Scroll(tea.KeyMsg{Type: tea.KeyPgDown}, k)
		case "end":
			return tb.Scroll(tea.KeyMsg{Type: tea.KeyEnd}, k)
		case "home":
			return tb.Scroll(tea.KeyMsg{Type: tea.KeyHome}, k)
		}
		return tb.Scroll(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}, k)
	}
	press("j")
	press("j")
	if from, to := tb.Visible(); tb.Cursor != 2 || from != 0 || to != 10 {
		t.Fatalf("after j j: cursor %d, rows %d–%d", tb.Cursor, from, to)
	}
	press("pgdown")
	if from, _ := tb.Visible(); tb.Cursor != 12 || from != 3 {
		t.Fatalf("after pgdown: cursor %d, first %d", tb.Cursor, from)
	}
	press("end")
	if from, to := tb.Visible(); tb.Cursor != 999_999 || from != 999_990 || to != 1_000_000 {
		t.Fatalf("after end: cursor %d, rows %d–%d", tb.Cursor, from, to)
	}
	if press("x") {
		t.Fatal("x is not a scroll key")
	}
	tb.SetRows(5) // the list shrank under the cursor
	if tb.Cursor != 4 || tb.Offset != 0 {
		t.Fatalf("after shrinking: cursor %d offset %d", tb.Cursor, tb.Offset)
	}
	press("home")
	if tb.Cursor != 0 {
		t.Fatalf("home: cursor %d", tb.Cursor)
	}
}

// Rows are cut to their columns and made inert.
func TestRenderRowIsInert(t *testing.T) {
	cols := LayoutColumns([]Column{{Title: "#", Width: 3}, {Title: "Name", Width: 0}}, 20, 5)
	if cols[1].Width != 15 {
		t.Fatalf("flex column %d wide, want 15 (20 less 3, less a space after each column)", cols[1].Width)
	}
	var b strings.Builder
	RenderRow(&b, cols, []string{"1234", "Evil\x1b[2J Red name that is long"})
	if got := b.String(); strings.Contains(got, "\x1b") || CellWidth(got) > 20 {
		t.Fatalf("row %q", got)
	}
}
