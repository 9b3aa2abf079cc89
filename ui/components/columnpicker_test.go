package components_test

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"spotcast/ui/common"
	"spotcast/ui/components"
)

func plainStyles() *common.Styles {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	return common.DefaultStyles(r)
}

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

func pickerOptions() components.ColumnPickerOptions {
	return components.ColumnPickerOptions{
		Title: "Phone column of contacts.csv", Hint: "Which column?",
		Names:   []string{"Name", "", "Mobile", "Notes"},
		Samples: []string{"Ada", "x", "+447700900123", "vip"},
		Current: 2,
	}
}

// The column in use is marked and highlighted when the picker opens;
// nameless columns say so.
func TestColumnPickerShowsTheCurrentColumn(t *testing.T) {
	p := components.NewColumnPicker(pickerOptions(), 10)
	got := ansi.Strip(p.View(plainStyles(), 60))
	for _, want := range []string{"Phone column of contacts.csv", "Which column?", "(column 2, no name)", "> Mobile ✓", "+447700900123"} {
		if !strings.Contains(got, want) {
			t.Errorf("view lacks %q:\n%s", want, got)
		}
	}
	if p.Cursor() != 2 {
		t.Fatalf("cursor %d, want the current column", p.Cursor())
	}
}

// j/k (also in one burst) move; enter answers the index, esc none.
func TestColumnPickerChooses(t *testing.T) {
	p := components.NewColumnPicker(pickerOptions(), 10)
	if chose, closed := p.Update(runes("kk")); closed || chose != -1 || p.Cursor() != 0 {
		t.Fatalf("kk: chose %d closed %v cursor %d", chose, closed, p.Cursor())
	}
	p.Update(runes("j"))
	if chose, closed := p.Update(tea.KeyMsg{Type: tea.KeyEnter}); !closed || chose != 1 {
		t.Fatalf("enter: chose %d closed %v", chose, closed)
	}
	p.Update(runes("G"))
	if p.Cursor() != 3 {
		t.Fatalf("G: cursor %d", p.Cursor())
	}
	if chose, closed := p.Update(tea.KeyMsg{Type: tea.KeyEsc}); !closed || chose != -1 {
		t.Fatalf("esc: chose %d closed %v", chose, closed)
	}
}

// A long header scrolls: only the rows that fit are drawn, the cursor's
// among them.
func TestColumnPickerScrolls(t *testing.T) {
	o := components.ColumnPickerOptions{Title: "t", Current: -1}
	for i := range 50 {
		o.Names = append(o.Names, "col"+string(rune('A'+i%26))+strings.Repeat("x", i/26))
		o.Samples = append(o.Samples, "")
	}
	p := components.NewColumnPicker(o, 8)
	p.Update(runes("G"))
	lines := strings.Split(ansi.Strip(p.View(plainStyles(), 40)), "\n")
	if len(lines) != 8 || !strings.HasPrefix(lines[len(lines)-1], "> colXx") {
		t.Fatalf("%d lines, last %q", len(lines), lines[len(lines)-1])
	}
	if len(p.ShortHelp()) != 4 {
		t.Fatal("help lists up, down, choose, close")
	}
}
