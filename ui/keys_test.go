package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"spotcast/campaign"
)

// ? is text while typing, so help there is f1 (never text); it is shown in
// the footer, and works on every screen, prompts included.
func TestHelpWhileTyping(t *testing.T) {
	m := rootModel(t, rootOptions(t))
	rootPress(m, "tab") // Type → Content: the textarea has the keyboard
	if m.active != stepContent || !m.capturing() {
		t.Fatalf("on %s, capturing %v", m.active, m.capturing())
	}
	rootType(m, "Why?")
	if m.fullHelp || m.content.Value() != "Why?" {
		t.Fatalf("? was not text while typing: help %v, text %q", m.fullHelp, m.content.Value())
	}
	rootHas(t, m, "f1 help")
	m.Update(tea.KeyMsg{Type: tea.KeyF1})
	if !m.fullHelp {
		t.Fatal("f1 did not open help while typing")
	}
	m.Update(tea.KeyMsg{Type: tea.KeyF1})
	if m.fullHelp {
		t.Fatal("f1 did not close help")
	}
}

// A footer that does not fit ends in "? more" (or "f1 more"), never a bare
// ellipsis; shift+tab is named as the way back.
func TestFooterSaysMoreInsteadOfAnEllipsis(t *testing.T) {
	m := reviewModel(t, rootOptions(t), campaign.Campaign{Type: campaign.TypeText, Content: "Hi", Recipients: numbers(3)})
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	foot := lastLine(rootView(m))
	if strings.Contains(foot, "…") || !strings.Contains(foot, "? more") || !strings.Contains(foot, "ctrl+c quit") {
		t.Fatalf("footer at 60 columns: %q", foot)
	}
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	rootPress(m, "?")
	if v := rootView(m); !strings.Contains(v, "shift+tab/esc") {
		t.Fatalf("full help does not name shift+tab:\n%s", v)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
