package components_test

import (
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/x/ansi"

	"spotcast/ui/components"
)

func bind(k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc))
}

// Keys that fit are all shown; keys that do not give way to "? more",
// and quit is never cut.
func TestHelpShortViewSaysMore(t *testing.T) {
	h := components.NewHelp(help.New())
	more, quit := bind("?", "help"), bind("ctrl+c", "quit")
	keys := []key.Binding{bind("o", "browse files"), bind("i", "type a CSV path"), bind("a", "add numbers"), more, quit}
	if got := ansi.Strip(h.ShortView(keys, more, quit, 200)); got != "o browse files • i type a CSV path • a add numbers • ? help • ctrl+c quit" {
		t.Fatalf("wide: %q", got)
	}
	got := ansi.Strip(h.ShortView(keys, more, quit, 50))
	if got != "o browse files • ? more • ctrl+c quit" || ansi.StringWidth(got) > 50 {
		t.Fatalf("narrow: %q", got)
	}
	if got := ansi.Strip(h.ShortView(keys, more, quit, 10)); got != "? more • ctrl+c quit" {
		t.Fatalf("too narrow for any: %q", got)
	}
	if strings.Contains(ansi.Strip(h.ShortView(keys, more, quit, 50)), "…") {
		t.Fatal("a bare ellipsis")
	}
}

// The footer is cached per keys and width, and follows a change of either.
func TestHelpShortViewFollowsTheKeys(t *testing.T) {
	h := components.NewHelp(help.New())
	more, quit := bind("f1", "help"), bind("ctrl+c", "quit")
	a := []key.Binding{bind("enter", "apply"), more, quit}
	if got := ansi.Strip(h.ShortView(a, more, quit, 80)); !strings.HasPrefix(got, "enter apply") {
		t.Fatal(got)
	}
	b := []key.Binding{bind("esc", "close"), more, quit}
	if got := ansi.Strip(h.ShortView(b, more, quit, 80)); !strings.HasPrefix(got, "esc close") {
		t.Fatalf("stale footer: %q", got)
	}
	full := ansi.Strip(h.FullView([][]key.Binding{{bind("o", "browse files"), bind("i", "type a path")}, {quit}}, 80))
	if !strings.Contains(full, "o browse files") || !strings.Contains(full, "ctrl+c quit") || len(strings.Split(full, "\n")) != 2 {
		t.Fatalf("full help:\n%s", full)
	}
}
