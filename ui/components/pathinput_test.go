package components_test

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"spotcast/ui/components"
)

func touch(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A path as typed or pasted: quotes and escaped spaces go; ~ is home
// only when no import folder confines the input.
func TestResolvePath(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip("no home folder")
	}
	cases := map[string]string{
		`  "my list.csv" `: "my list.csv",
		`'a b.csv'`:        "a b.csv",
		"~/c.csv":          filepath.Join(home, "c.csv"),
	}
	if runtime.GOOS != "windows" {
		cases[`my\ list.csv`] = "my list.csv"
	}
	for in, want := range cases {
		if got := components.ResolvePath(in, ""); got != want {
			t.Errorf("ResolvePath(%q) = %q, want %q", in, got, want)
		}
	}
	if got := components.ResolvePath("~/c.csv", "/srv/imports"); got != "~/c.csv" {
		t.Errorf("under an import folder ~ stays: got %q", got)
	}
}

// Completion goes to the longest shared prefix, marks folders, hides dot
// files unless asked, and stays inside an import folder.
func TestCompletePath(t *testing.T) {
	dir := t.TempDir()
	touch(t, filepath.Join(dir, "contacts-2025.csv"), filepath.Join(dir, "contacts-2026.csv"),
		filepath.Join(dir, "lists", "a.csv"), filepath.Join(dir, ".hidden.csv"))
	sep := string(filepath.Separator)
	got, matches := components.CompletePath(dir, "con")
	if got != "contacts-202" || !slices.Equal(matches, []string{"contacts-2025.csv", "contacts-2026.csv"}) {
		t.Errorf("con: %q %v", got, matches)
	}
	if got, _ := components.CompletePath(dir, "li"); got != "lists"+sep {
		t.Errorf("li: %q, want the folder with a /", got)
	}
	if got, m := components.CompletePath(dir, "lists"+sep); got != "lists"+sep+"a.csv" || len(m) != 1 {
		t.Errorf("lists/: %q %v", got, m)
	}
	if _, m := components.CompletePath(dir, ""); slices.Contains(m, ".hidden.csv") {
		t.Errorf("dot files offered unasked: %v", m)
	}
	if got, m := components.CompletePath(dir, ".."+sep); got != ".."+sep || m != nil {
		t.Errorf("outside the import folder: %q %v", got, m)
	}
	if got, m := components.CompletePath(dir, filepath.Join(dir, "con")); m != nil || got != filepath.Join(dir, "con") {
		t.Errorf("an absolute path under an import folder: %q %v", got, m)
	}
	if got, _ := components.CompletePath("", filepath.Join(dir, "lists")+sep); got != filepath.Join(dir, "lists", "a.csv") {
		t.Errorf("anywhere: %q", got)
	}
}

// tab asks, the reply fills in the input; a reply to older text, or to
// another input, is dropped.
func TestPathInputCompletesOnTab(t *testing.T) {
	dir := t.TempDir()
	touch(t, filepath.Join(dir, "contacts.csv"))
	p := components.NewPathInput(textinput.New(), dir)
	p.Focus()
	p.SetValue("cont")
	cmd := p.Update(tea.KeyMsg{Type: tea.KeyTab})
	if cmd == nil {
		t.Fatal("tab did not ask for a completion")
	}
	reply := cmd().(components.PathCompletedMsg)
	other := components.NewPathInput(textinput.New(), dir)
	other.SetValue("cont")
	if other.Apply(reply) {
		t.Fatal("another input took the reply")
	}
	p.SetValue("conta")
	if p.Apply(reply) || p.Value() != "conta" {
		t.Fatal("a reply to older text was put in")
	}
	p.SetValue("cont")
	p.Update(reply)
	if p.Value() != "contacts.csv" || p.Path() != "contacts.csv" || reply.Notice(40) != "" {
		t.Fatalf("after the reply: %q, notice %q", p.Value(), reply.Notice(40))
	}
	p.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")})
	if p.Value() != "contacts.csvx" {
		t.Fatalf("typing goes to the input: %q", p.Value())
	}
	if n := (components.PathCompletedMsg{}).Notice(40); n != "nothing to complete: no file starts so" {
		t.Fatalf("no match: %q", n)
	}
}

// Over SSH a path is shown relative to the import folder, never as the
// server's.
func TestShownPath(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "lists", "a.csv")
	if got := components.ShownPath(dir, in); got != filepath.Join("lists", "a.csv") {
		t.Errorf("under the folder: %q", got)
	}
	if got := components.ShownPath(dir, "/etc/passwd"); got != "passwd" {
		t.Errorf("outside it: %q", got)
	}
	if got := components.ShownPath("", in); got != in {
		t.Errorf("no folder: %q", got)
	}
	if !components.Within(dir, in) || components.Within(in, dir) || components.Within(dir, dir+"x") {
		t.Error("Within")
	}
}
